const WIDTH = 30;

/**
 * A progress bar on stderr: redrawn in place on a terminal, one line per change otherwise
 * (so logs and tests see every step).
 */
export class ProgressBar {
  private lastLine = '';
  private drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(done: number, total: number, label = ''): void {
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(ratio * WIDTH);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${done}/${total} ${String(Math.round(ratio * 100)).padStart(3)}%`;
    const line = label ? `${bar}  ${label}` : bar;
    if (line === this.lastLine) return;
    this.lastLine = line;
    if (this.stream.isTTY) {
      const columns = this.stream.columns || 80;
      this.stream.write(`\r${line.slice(0, columns - 1)}\u001b[K`);
      this.drawn = true;
    } else this.stream.write(`${line}\n`);
  }

  /** Ends the in-place line (on a terminal). */
  finish(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
