/**
 * Values as Python holds them after `json.loads` or PyYAML's `safe_load`, where JavaScript has
 * no exact match: integers of any size, floats (also integral ones, `1.0`), dates and
 * datetimes. Strings, booleans, `null` (None), arrays (lists) and records (dicts) are
 * JavaScript's own.
 */
export class PyInt {
  constructor(readonly value: bigint) {}
}

export class PyFloat {
  constructor(readonly value: number) {}
}

/** `datetime.date` (PyYAML timestamp without a time). */
export class PyDate {
  constructor(
    readonly year: number,
    readonly month: number,
    readonly day: number,
  ) {}
}

/** `datetime.datetime`; `offsetMinutes` undefined for a naive one. */
export class PyDateTime {
  constructor(
    readonly date: PyDate,
    readonly hour: number,
    readonly minute: number,
    readonly second: number,
    readonly microsecond: number,
    readonly offsetMinutes: number | undefined,
  ) {}
}

export type PyValue =
  | string
  | boolean
  | null
  | PyInt
  | PyFloat
  | PyDate
  | PyDateTime
  | PyValue[]
  | { [key: string]: PyValue };

/** True for a dict (a plain record), not a list or one of the classes above. */
export function isPyDict(value: unknown): value is { [key: string]: PyValue } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}
