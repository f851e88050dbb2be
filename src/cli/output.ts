/** What a masked value looks like. */
export const MASK = '***';

/** Columns aligned with two spaces between them; the header in capitals. */
export function formatTable(
  headers: string[],
  rows: Array<Array<string | number | null | undefined>>,
): string {
  const cells = [headers.map((h) => h.toUpperCase()), ...rows.map((row) => row.map((c) => oneLine(c)))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function oneLine(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  return String(value).replace(/\r?\n/g, '\\n');
}

/** A value for a table cell: objects as compact JSON, strings as they are. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Where a command writes: tables and messages for people, or JSON for scripts (`-o json`). */
export class Output {
  constructor(
    readonly json: boolean,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {}

  /** A line of the result (stdout). */
  line(text = ''): void {
    this.stdout.write(`${text}\n`);
  }

  /** A message for people: stdout normally, stderr with `-o json` so stdout stays JSON. */
  info(text: string): void {
    (this.json ? this.stderr : this.stdout).write(`${text}\n`);
  }

  /** A warning or progress note (stderr). */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  table(headers: string[], rows: Array<Array<string | number | null | undefined>>): void {
    this.line(formatTable(headers, rows));
  }

  /** A secret's keys and values, sorted by key (the values shown as given: callers mask). */
  valuesTable(values: Record<string, string> | null | undefined): void {
    const shown = values ?? {};
    this.table(
      ['key', 'value'],
      Object.keys(shown)
        .sort()
        .map((key) => [key, shown[key]]),
    );
  }

  /** The raw data for scripts, pretty-printed. */
  data(value: unknown): void {
    this.line(JSON.stringify(value, null, 2));
  }

  /** Prints `value` as JSON with `-o json`, otherwise runs `human`. */
  result(value: unknown, human: () => void): void {
    if (this.json) this.data(value);
    else human();
  }
}
