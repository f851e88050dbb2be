import type { InputIssue } from '../errors.js';

/** The size limits of one secret (API.md, "Security limits"); 64 KiB is AWS Secrets Manager's. */
export const SECRET_LIMITS = {
  /** Keys of one secret. */
  maxKeys: 256,
  /** Characters of one key. */
  maxKeyLength: 256,
  /** UTF-8 bytes of all values of one secret together. */
  maxValueBytes: 64 * 1024,
} as const;

/**
 * Keys that name a JavaScript object's machinery: `__proto__` would vanish on assignment (or
 * change a prototype), the others shadow what every object inherits. Never secret keys.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Python's `str.isidentifier()`: an XID_Start letter or `_`, then XID_Continue characters (Unicode letters too). */
const IDENTIFIER = /^[\p{XID_Start}_][\p{XID_Continue}]*$/u;

/**
 * What is wrong with a secret key, or undefined: at most 256 characters, not reserved, and
 * (unless it only names a key to remove) an identifier other than `name` (ZenML's rule).
 */
export function secretKeyProblem(key: string, removal = false): string | undefined {
  if (key.length > SECRET_LIMITS.maxKeyLength)
    return `keys are at most ${SECRET_LIMITS.maxKeyLength} characters; this one has ${key.length}`;
  if (RESERVED_KEYS.has(key)) return `"${key}" is reserved and may not be a key`;
  if (removal) return undefined;
  if (!IDENTIFIER.test(key))
    return "keys must be identifiers, as Python's str.isidentifier (letters, digits, _; not starting with a digit)";
  if (key === 'name') return '"name" is reserved and may not be a key';
  return undefined;
}

/** A key as it may appear in an issue path: at most 64 characters of it. */
export function keyForPath(key: string): string {
  return key.length > 64 ? `${key.slice(0, 64)}…` : key;
}

/** UTF-8 bytes of the string values of a map (other values count as their text). */
export function valueBytes(values: Record<string, unknown>): number {
  let bytes = 0;
  for (const value of Object.values(values)) {
    if (value === null || value === undefined) continue;
    bytes += Buffer.byteLength(typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));
  }
  return bytes;
}

/**
 * Problems with the size of one secret's values: more keys than allowed, or values larger than
 * allowed together. Reported once each at `path` (never one issue per key of a huge map).
 */
export function secretSizeIssues(values: Record<string, unknown>, path = 'values'): InputIssue[] {
  const issues: InputIssue[] = [];
  const keys = Object.keys(values).length;
  if (keys > SECRET_LIMITS.maxKeys)
    issues.push({ path, message: `a secret holds at most ${SECRET_LIMITS.maxKeys} keys; got ${keys}` });
  else if (valueBytes(values) > SECRET_LIMITS.maxValueBytes)
    issues.push({
      path,
      message: `the values of a secret are at most ${SECRET_LIMITS.maxValueBytes} bytes together`,
    });
  return issues;
}
