import { type Document, isAlias, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import { pythonStr } from './python-str.js';
import { isPyDict, type PyValue } from './python-values.js';
import { plainTag, resolvePlain } from './pyyaml-resolve.js';

/** Thrown for text that is not one YAML document. */
export class YamlSyntaxError extends Error {}

const YAML_TAG = 'tag:yaml.org,2002:';

/** A scalar as `safe_load` types it: plain ones through YAML 1.1 resolution, quoted ones as text. */
function scalarValue(node: { type?: string; tag?: string; value: unknown }): PyValue {
  const text = String(node.value ?? '');
  if (node.tag === undefined) return node.type === 'PLAIN' ? resolvePlain(text) : text;
  if (node.tag.startsWith(YAML_TAG) && node.tag !== `${YAML_TAG}str`) {
    const wanted = node.tag.slice(YAML_TAG.length);
    return plainTag(text) === wanted ? resolvePlain(text) : text;
  }
  return text;
}

/** Sets an own enumerable property, also for a key like `__proto__`. */
function setOwn(target: Record<string, PyValue>, key: string, value: PyValue): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function mappingValue(doc: Document, node: { items: unknown[] }, depth: number): PyValue {
  const out: Record<string, PyValue> = {};
  const merged: Array<Record<string, PyValue>> = [];
  for (const pair of node.items) {
    if (!isPair(pair)) continue;
    const keyNode = pair.key as { type?: string; tag?: string; value?: unknown } | null;
    const value = toPy(doc, pair.value, depth + 1);
    if (
      isScalar(keyNode) &&
      keyNode.type === 'PLAIN' &&
      keyNode.tag === undefined &&
      keyNode.value === '<<'
    ) {
      // PyYAML's merge key: the merged mapping's entries come in where not given.
      if (isPyDict(value)) {
        merged.push(value);
        continue;
      }
    }
    setOwn(out, pythonStr(toPy(doc, keyNode, depth + 1)), value);
  }
  for (const source of merged) {
    for (const [key, value] of Object.entries(source)) if (!Object.hasOwn(out, key)) setOwn(out, key, value);
  }
  return out;
}

function toPy(doc: Document, node: unknown, depth: number): PyValue {
  if (depth > 64) throw new YamlSyntaxError('YAML nested too deeply');
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return toPy(doc, node.resolve(doc), depth + 1);
  if (isScalar(node)) return scalarValue(node as { type?: string; tag?: string; value: unknown });
  if (isSeq(node)) return node.items.map((item) => toPy(doc, item, depth + 1));
  if (isMap(node)) return mappingValue(doc, node, depth);
  return null;
}

/**
 * `yaml.safe_load(text)` as ZenML's `yaml_utils.read_yaml` reads the local secrets file: YAML
 * 1.1 resolution of plain scalars (`on` is True, `0x1F` is 31, `~` is None, `2001-12-14` a
 * date). Mapping keys become their Python `str()` (`True`, `31`, `None`), which is how a name
 * PyYAML read as another type shows up. Throws YamlSyntaxError for invalid YAML.
 */
export function pyyamlSafeLoad(text: string): PyValue {
  const doc = parseDocument(text, { schema: 'failsafe', version: '1.1', uniqueKeys: false });
  if (doc.errors.length > 0) throw new YamlSyntaxError(doc.errors[0].message);
  return toPy(doc, doc.contents, 0);
}
