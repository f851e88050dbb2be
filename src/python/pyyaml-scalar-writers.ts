import { BEST_WIDTH, isBreak, type YamlWriter } from './pyyaml-writer.js';

/** `write_plain`: words separated by single spaces may wrap past the width when `split`. */
export function writePlain(w: YamlWriter, chars: string[], split: boolean): void {
  if (chars.length === 0) return;
  if (!w.whitespace) w.write(' ');
  w.whitespace = false;
  w.indention = false;
  let spaces = false;
  let breaks = false;
  let start = 0;
  for (let end = 0; end <= chars.length; end += 1) {
    const ch: string | undefined = chars[end];
    if (spaces) {
      if (ch !== ' ') {
        if (start + 1 === end && w.column > BEST_WIDTH && split) {
          w.writeIndent();
          w.whitespace = false;
          w.indention = false;
        } else w.write(chars.slice(start, end).join(''));
        start = end;
      }
    } else if (breaks) {
      if (!isBreak(ch)) {
        w.writeBreaks(chars.slice(start, end));
        w.whitespace = false;
        w.indention = false;
        start = end;
      }
    } else if (ch === undefined || ch === ' ' || isBreak(ch)) {
      w.write(chars.slice(start, end).join(''));
      start = end;
    }
    if (ch !== undefined) {
      spaces = ch === ' ';
      breaks = isBreak(ch);
    }
  }
}

/** `write_single_quoted`: `'` doubled; breaks written as blank lines; wraps at single spaces. */
export function writeSingleQuoted(w: YamlWriter, chars: string[], split: boolean): void {
  w.writeIndicator("'", true);
  let spaces = false;
  let breaks = false;
  let start = 0;
  for (let end = 0; end <= chars.length; end += 1) {
    const ch: string | undefined = chars[end];
    if (spaces) {
      if (ch === undefined || ch !== ' ') {
        const wrap = start + 1 === end && w.column > BEST_WIDTH && split && start !== 0;
        if (wrap && end !== chars.length) w.writeIndent();
        else w.write(chars.slice(start, end).join(''));
        start = end;
      }
    } else if (breaks) {
      if (ch === undefined || !isBreak(ch)) {
        w.writeBreaks(chars.slice(start, end));
        start = end;
      }
    } else if (ch === undefined || ch === ' ' || isBreak(ch) || ch === "'") {
      if (start < end) {
        w.write(chars.slice(start, end).join(''));
        start = end;
      }
    }
    if (ch === "'") {
      w.write("''");
      start = end + 1;
    }
    if (ch !== undefined) {
      spaces = ch === ' ';
      breaks = isBreak(ch);
    }
  }
  w.writeIndicator("'", false);
}

const ESCAPES: Record<string, string> = {
  '\0': '0',
  '\x07': 'a',
  '\x08': 'b',
  '\x09': 't',
  '\x0A': 'n',
  '\x0B': 'v',
  '\x0C': 'f',
  '\x0D': 'r',
  '\x1B': 'e',
  '"': '"',
  '\\': '\\',
  '\x85': 'N',
  '\xA0': '_',
  '\u2028': 'L',
  '\u2029': 'P',
};

/** Characters written as they are in double quotes without `allow_unicode`. */
const needsEscape = (ch: string): boolean => {
  const code = ch.codePointAt(0)!;
  return '"\\\x85\u2028\u2029\uFEFF'.includes(ch) || code < 0x20 || code > 0x7e;
};

function escapeOf(ch: string): string {
  if (ESCAPES[ch] !== undefined) return `\\${ESCAPES[ch]}`;
  const code = ch.codePointAt(0)!;
  const hex = code.toString(16).toUpperCase();
  if (code <= 0xff) return `\\x${hex.padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${hex.padStart(4, '0')}`;
  return `\\U${hex.padStart(8, '0')}`;
}

/** `write_double_quoted`: escapes as PyYAML spells them; long lines folded with `\`. */
export function writeDoubleQuoted(w: YamlWriter, chars: string[], split: boolean): void {
  w.writeIndicator('"', true);
  let start = 0;
  for (let end = 0; end <= chars.length; end += 1) {
    const ch: string | undefined = chars[end];
    if (ch === undefined || needsEscape(ch)) {
      if (start < end) {
        w.write(chars.slice(start, end).join(''));
        start = end;
      }
      if (ch !== undefined) {
        w.write(escapeOf(ch));
        start = end + 1;
      }
    }
    const fold = end > 0 && end < chars.length - 1 && (ch === ' ' || start >= end);
    if (fold && w.column + (end - start) > BEST_WIDTH && split) {
      w.write(`${chars.slice(start, end).join('')}\\`);
      if (start < end) start = end;
      w.writeIndent();
      w.whitespace = false;
      w.indention = false;
      if (chars[start] === ' ') w.write('\\');
    }
  }
  w.writeIndicator('"', false);
}
