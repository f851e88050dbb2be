import { plainTag } from './pyyaml-resolve.js';
import { analyzeScalar, chooseStyle } from './pyyaml-scalar-analysis.js';
import { writeDoubleQuoted, writePlain, writeSingleQuoted } from './pyyaml-scalar-writers.js';
import { YamlWriter } from './pyyaml-writer.js';

/** What the local secrets file holds: mappings whose leaves are strings (or None). */
export type YamlTree = string | null | { [key: string]: YamlTree };

/** Python's order of `str` keys: by code point (JavaScript's `<` compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const left = Array.from(a);
  const right = Array.from(b);
  for (let i = 0; i < Math.min(left.length, right.length); i += 1) {
    const diff = left[i].codePointAt(0)! - right[i].codePointAt(0)!;
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}

/** A `str` scalar, or None (`represent_none`: plain `null`). */
function emitScalar(w: YamlWriter, text: string | null, simpleKey: boolean): void {
  w.increaseIndent(true);
  const analysis = analyzeScalar(text ?? 'null');
  const style = text === null ? '' : chooseStyle(analysis, plainTag(text) === 'str', simpleKey, w.flowLevel);
  const split = !simpleKey;
  if (style === '"') writeDoubleQuoted(w, analysis.chars, split);
  else if (style === "'") writeSingleQuoted(w, analysis.chars, split);
  else writePlain(w, analysis.chars, split);
  w.popIndent();
}

/** `check_simple_key` for a string key: shorter than 128 characters, not empty, one line. */
function isSimpleKey(key: string): boolean {
  const analysis = analyzeScalar(key);
  return analysis.chars.length < 128 && !analysis.empty && !analysis.multiline;
}

function emitMapping(w: YamlWriter, map: { [key: string]: YamlTree }): void {
  const keys = Object.keys(map).sort(compareCodePoints);
  if (keys.length === 0) {
    w.writeIndicator('{', true, true);
    w.flowLevel += 1;
    w.increaseIndent(true);
    w.popIndent();
    w.flowLevel -= 1;
    w.writeIndicator('}', false);
    return;
  }
  w.increaseIndent(false);
  for (const key of keys) {
    w.writeIndent();
    if (isSimpleKey(key)) {
      emitScalar(w, key, true);
      w.writeIndicator(':', false);
    } else {
      w.writeIndicator('?', true, false, true);
      emitScalar(w, key, false);
      w.writeIndent();
      w.writeIndicator(':', true, false, true);
    }
    emitNode(w, map[key]);
  }
  w.popIndent();
}

function emitNode(w: YamlWriter, node: YamlTree): void {
  if (typeof node === 'string' || node === null) emitScalar(w, node, false);
  else emitMapping(w, node);
}

/**
 * The text of PyYAML's `yaml.dump(mapping)` with its defaults (`default_flow_style=False`,
 * `sort_keys=True`, no `allow_unicode`, width 80, indent 2), as ZenML's `yaml_utils.write_yaml`
 * and `append_yaml` write the local secrets file: keys sorted, strings that YAML 1.1 would read
 * as something else quoted, non-ASCII text in double quotes with escapes.
 */
export function pyyamlDump(root: { [key: string]: YamlTree }): string {
  const w = new YamlWriter();
  emitMapping(w, root);
  w.writeIndent();
  return w.out;
}
