import { isPyDict, PyDate, PyDateTime, PyFloat, PyInt, type PyValue } from './python-values.js';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * `repr(float)` (= `str(float)`): the shortest digits that round-trip, fixed notation for
 * decimal exponents -4…15 (always with a fractional part), otherwise `d.ddde±XX`.
 */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const sign = value < 0 ? '-' : '';
  const [mantissa, exponentText] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const rest = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const expSign = exponent < 0 ? '-' : '+';
    return `${sign}${digits[0]}${rest}e${expSign}${pad(Math.abs(exponent))}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fraction = digits.slice(exponent + 1) || '0';
  return `${sign}${whole}.${fraction}`;
}

function dateText(date: PyDate): string {
  return `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
}

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** `str(datetime)`: `YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM]`. */
function dateTimeText(dt: PyDateTime): string {
  const fraction = dt.microsecond ? `.${pad(dt.microsecond, 6)}` : '';
  const offset = dt.offsetMinutes === undefined ? '' : offsetText(dt.offsetMinutes);
  return `${dateText(dt.date)} ${pad(dt.hour)}:${pad(dt.minute)}:${pad(dt.second)}${fraction}${offset}`;
}

/** A character as `repr` escapes it inside a string literal (non-printable ones). */
function escapeForRepr(ch: string, quote: string): string {
  if (ch === '\\' || ch === quote) return `\\${ch}`;
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  if (ch !== ' ' && /^[\p{C}\p{Z}]$/u.test(ch)) {
    const code = ch.codePointAt(0)!;
    if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
    if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
    return `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return ch;
}

/** `repr(str)`: single quotes unless the text holds `'` and no `"`. */
export function pythonStrRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let body = '';
  for (const ch of text) body += escapeForRepr(ch, quote);
  return quote + body + quote;
}

/** `repr(value)` (what `str()` shows for the items of a list or dict). */
export function pythonRepr(value: PyValue): string {
  if (typeof value === 'string') return pythonStrRepr(value);
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (isPyDict(value)) {
    const items = Object.entries(value).map(([k, v]) => `${pythonStrRepr(k)}: ${pythonRepr(v)}`);
    return `{${items.join(', ')}}`;
  }
  if (value instanceof PyDate) return `datetime.date(${value.year}, ${value.month}, ${value.day})`;
  return pythonStr(value);
}

/**
 * `str(value)` as Python gives it: ZenML turned a secret value into text this way when it
 * resolved a reference (`stack/stack_component.py`, `config/secret_reference_mixin.py`), and
 * pydantic's `str` fields did the same for numbers and booleans.
 */
export function pythonStr(value: PyValue): string {
  if (typeof value === 'string') return value;
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value instanceof PyInt) return value.value.toString();
  if (value instanceof PyFloat) return pythonFloatRepr(value.value);
  if (value instanceof PyDate) return dateText(value);
  if (value instanceof PyDateTime) return dateTimeText(value);
  return pythonRepr(value);
}
