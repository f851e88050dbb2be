/** PyYAML's `Emitter.analyze_scalar` and `choose_scalar_style` (`emitter.py`), default options. */

export interface ScalarAnalysis {
  /** The text as code points (Python indexes characters, not UTF-16 units). */
  chars: string[];
  empty: boolean;
  multiline: boolean;
  allowFlowPlain: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
}

export const BREAKS = '\n\x85\u2028\u2029';
const WHITESPACE = `\0 \t\r${BREAKS}`;

interface Flags {
  blockIndicators: boolean;
  flowIndicators: boolean;
  lineBreaks: boolean;
  special: boolean;
  leadingSpace: boolean;
  leadingBreak: boolean;
  trailingSpace: boolean;
  trailingBreak: boolean;
  breakSpace: boolean;
  spaceBreak: boolean;
}

/** Printable for PyYAML without `allow_unicode`: only `\n` and ` `…`~`; others are special. */
function isSpecial(ch: string): boolean {
  const code = ch.codePointAt(0)!;
  return !(ch === '\n' || (code >= 0x20 && code <= 0x7e));
}

function indicatorFlags(
  chars: string[],
  index: number,
  flags: Flags,
  precededBy: boolean,
  followedBy: boolean,
) {
  const ch = chars[index];
  if (index === 0) {
    if ('#,[]{}&*!|>\'"%@`'.includes(ch)) flags.flowIndicators = flags.blockIndicators = true;
    if ('?:'.includes(ch)) {
      flags.flowIndicators = true;
      if (followedBy) flags.blockIndicators = true;
    }
    if (ch === '-' && followedBy) flags.flowIndicators = flags.blockIndicators = true;
    return;
  }
  if (',?[]{}'.includes(ch)) flags.flowIndicators = true;
  if (ch === ':') {
    flags.flowIndicators = true;
    if (followedBy) flags.blockIndicators = true;
  }
  if (ch === '#' && precededBy) flags.flowIndicators = flags.blockIndicators = true;
}

function scanFlags(chars: string[]): Flags {
  const text = chars.join('');
  const startsWithDoc = text.startsWith('---') || text.startsWith('...');
  const flags: Flags = {
    blockIndicators: startsWithDoc,
    flowIndicators: startsWithDoc,
    lineBreaks: false,
    special: false,
    leadingSpace: false,
    leadingBreak: false,
    trailingSpace: false,
    trailingBreak: false,
    breakSpace: false,
    spaceBreak: false,
  };
  let precededBy = true;
  let previousSpace = false;
  let previousBreak = false;
  const last = chars.length - 1;
  for (let index = 0; index < chars.length; index += 1) {
    const ch = chars[index];
    const followedBy = index + 1 >= chars.length || WHITESPACE.includes(chars[index + 1]);
    indicatorFlags(chars, index, flags, precededBy, followedBy);
    if (BREAKS.includes(ch)) flags.lineBreaks = true;
    if (isSpecial(ch)) flags.special = true;
    if (ch === ' ') {
      if (index === 0) flags.leadingSpace = true;
      if (index === last) flags.trailingSpace = true;
      if (previousBreak) flags.breakSpace = true;
      [previousSpace, previousBreak] = [true, false];
    } else if (BREAKS.includes(ch)) {
      if (index === 0) flags.leadingBreak = true;
      if (index === last) flags.trailingBreak = true;
      if (previousSpace) flags.spaceBreak = true;
      [previousSpace, previousBreak] = [false, true];
    } else [previousSpace, previousBreak] = [false, false];
    precededBy = WHITESPACE.includes(ch);
  }
  return flags;
}

export function analyzeScalar(text: string): ScalarAnalysis {
  const chars = Array.from(text);
  if (chars.length === 0) {
    return {
      chars,
      empty: true,
      multiline: false,
      allowFlowPlain: false,
      allowBlockPlain: true,
      allowSingleQuoted: true,
    };
  }
  const f = scanFlags(chars);
  let plain = !(f.leadingSpace || f.leadingBreak || f.trailingSpace || f.trailingBreak);
  let single = true;
  if (f.breakSpace) plain = single = false;
  if (f.spaceBreak || f.special) plain = single = false;
  if (f.lineBreaks) plain = false;
  return {
    chars,
    empty: false,
    multiline: f.lineBreaks,
    allowFlowPlain: plain && !f.flowIndicators,
    allowBlockPlain: plain && !f.blockIndicators,
    allowSingleQuoted: single,
  };
}

/**
 * The style PyYAML picks for a `str` in block context: plain when a plain scalar would read
 * back as the same string (`implicitStr`) and the text allows it, else single quotes, else
 * double quotes.
 */
export function chooseStyle(
  analysis: ScalarAnalysis,
  implicitStr: boolean,
  simpleKey: boolean,
  flowLevel: number,
): '' | "'" | '"' {
  if (implicitStr && !(simpleKey && (analysis.empty || analysis.multiline))) {
    if (flowLevel ? analysis.allowFlowPlain : analysis.allowBlockPlain) return '';
  }
  if (analysis.allowSingleQuoted && !(simpleKey && analysis.multiline)) return "'";
  return '"';
}
