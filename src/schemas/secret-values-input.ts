import type { InputIssue } from '../errors.js';
import { keyForPath, secretKeyProblem, secretSizeIssues } from './secret-limits.js';

/**
 * The `values` argument as a map of strings (numbers and booleans become text; with
 * `allowNull`, null marks a key to remove). Problems are added to `issues`: too many keys or
 * bytes (then nothing else is looked at), keys too long, reserved or not identifiers, values of
 * another type. Needs no database: services call it before any other work.
 */
export function secretValuesInput(
  input: unknown,
  issues: InputIssue[],
  allowNull: boolean,
): Record<string, string | null> {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    issues.push({ path: 'values', message: 'must be a JSON object of string values' });
    return {};
  }
  const sizeIssues = secretSizeIssues(input as Record<string, unknown>);
  if (sizeIssues.length) {
    issues.push(...sizeIssues);
    return {};
  }
  const out: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(input)) {
    const keyProblem = secretKeyProblem(key, allowNull && value === null);
    if (keyProblem) issues.push({ path: `values.${keyForPath(key)}`, message: keyProblem });
    else if (typeof value === 'string' || (allowNull && value === null)) out[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
    else
      issues.push({
        path: `values.${key}`,
        message: allowNull ? 'must be a string or null' : 'must be a string',
      });
  }
  return out;
}

/** Whether two value maps hold the same keys with the same values. */
export function sameSecretValues(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
