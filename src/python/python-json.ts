import { pythonFloatRepr } from './python-str.js';
import { isPyDict, PyFloat, PyInt, type PyValue } from './python-values.js';

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/**
 * A string as `json.dumps` writes it with `ensure_ascii=True`: everything outside ` `…`~`
 * escaped, `\uXXXX` in lowercase hex, characters beyond U+FFFF as their surrogate pair.
 */
function encodeString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    const code = text.charCodeAt(i);
    if (SHORT_ESCAPES[ch] !== undefined) out += SHORT_ESCAPES[ch];
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * Python's `json.dumps(value)` with its defaults: separators `", "` and `": "`, ASCII only,
 * keys in the record's order (JavaScript puts integer-like keys first). A JavaScript number is
 * written as Python would write the int (integral) or float it stands for.
 */
export function pythonJsonDumps(value: PyValue | number): string {
  if (typeof value === 'string') return encodeString(value);
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pythonFloatRepr(value);
  if (value instanceof PyInt) return value.value.toString();
  if (value instanceof PyFloat) return jsonFloat(value.value);
  if (Array.isArray(value)) return `[${value.map((item) => pythonJsonDumps(item)).join(', ')}]`;
  if (isPyDict(value)) {
    const items = Object.entries(value).map(([k, v]) => `${encodeString(k)}: ${pythonJsonDumps(v)}`);
    return `{${items.join(', ')}}`;
  }
  throw new TypeError('Object of this type is not JSON serializable');
}

/** `float.__repr__`, with json's spellings of the non-finite values. */
function jsonFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  return pythonFloatRepr(value);
}

type SourceContext = { source?: string };

/**
 * `json.loads(text)` with Python's types: a number with a fraction or exponent is a float
 * (`1.0` stays `1.0`), any other is an int of any size. Throws SyntaxError for text
 * JavaScript's parser refuses (including Python's extensions `NaN` and `Infinity`).
 */
export function pythonJsonLoads(text: string): PyValue {
  const reviver = function (this: unknown, _key: string, value: unknown, context?: SourceContext) {
    if (typeof value !== 'number') return value;
    const source = context?.source ?? String(value);
    return /[.eE]/.test(source) ? new PyFloat(Number(source)) : new PyInt(BigInt(source));
  };
  return JSON.parse(text, reviver as (key: string, value: unknown) => unknown) as PyValue;
}
