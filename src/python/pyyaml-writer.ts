import { BREAKS } from './pyyaml-scalar-analysis.js';

/** PyYAML's defaults: `best_width` 80, `best_indent` 2, line break `\n`. */
export const BEST_WIDTH = 80;
export const BEST_INDENT = 2;

/**
 * The output side of PyYAML's `Emitter` (`emitter.py`): column, indentation and the
 * `whitespace`/`indention` flags that decide where spaces and line breaks go.
 */
export class YamlWriter {
  out = '';
  column = 0;
  whitespace = true;
  indention = true;
  indent: number | null = null;
  readonly indents: Array<number | null> = [];
  flowLevel = 0;

  /** Writes text without a line break; the column counts code points, as Python's len(). */
  write(data: string): void {
    this.out += data;
    this.column += Array.from(data).length;
  }

  increaseIndent(flow: boolean): void {
    this.indents.push(this.indent);
    if (this.indent === null) this.indent = flow ? BEST_INDENT : 0;
    else this.indent += BEST_INDENT;
  }

  popIndent(): void {
    this.indent = this.indents.pop() ?? null;
  }

  writeIndicator(indicator: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    const data = this.whitespace || !needWhitespace ? indicator : ` ${indicator}`;
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
    this.write(data);
  }

  writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) {
      this.writeLineBreak();
    }
    if (this.column < indent) {
      this.whitespace = true;
      this.write(' '.repeat(indent - this.column));
    }
  }

  writeLineBreak(data = '\n'): void {
    this.whitespace = true;
    this.indention = true;
    this.out += data;
    this.column = 0;
  }

  /** The line breaks of `breaks` as the quoted and plain writers emit them, then the indent. */
  writeBreaks(breaks: string[]): void {
    if (breaks[0] === '\n') this.writeLineBreak();
    for (const br of breaks) this.writeLineBreak(br === '\n' ? '\n' : br);
    this.writeIndent();
  }
}

export const isBreak = (ch: string | undefined): boolean => ch !== undefined && BREAKS.includes(ch);
