import type { InputIssue } from '../errors.js';
import { keyForPath, RESERVED_KEYS } from '../schemas/secret-limits.js';

/** The size limits of one component configuration (or one update of it). */
export const CONFIGURATION_LIMITS = {
  /** Fields of one configuration. */
  maxFields: 256,
  /** Characters of one field name. */
  maxFieldNameLength: 256,
  /** UTF-8 bytes of the configuration as JSON. */
  maxBytes: 64 * 1024,
} as const;

/**
 * Problems with the size and field names of a configuration, found before any other check
 * (so that a huge one is refused with one issue, not one per field): too many fields, a field
 * name too long or reserved (`__proto__` …), too many bytes.
 */
export function configurationLimitIssues(
  configuration: Record<string, unknown>,
  path = 'configuration',
): InputIssue[] {
  const names = Object.keys(configuration);
  if (names.length > CONFIGURATION_LIMITS.maxFields)
    return [{ path, message: `a configuration holds at most ${CONFIGURATION_LIMITS.maxFields} fields` }];
  const issues: InputIssue[] = [];
  for (const name of names) {
    if (name.length > CONFIGURATION_LIMITS.maxFieldNameLength)
      issues.push({
        path: `${path}.${keyForPath(name)}`,
        message: `field names are at most ${CONFIGURATION_LIMITS.maxFieldNameLength} characters`,
      });
    else if (RESERVED_KEYS.has(name))
      issues.push({ path: `${path}.${name}`, message: `"${name}" is reserved and may not be a field` });
  }
  if (!issues.length && Buffer.byteLength(JSON.stringify(configuration)) > CONFIGURATION_LIMITS.maxBytes)
    issues.push({
      path,
      message: `a configuration is at most ${CONFIGURATION_LIMITS.maxBytes} bytes as JSON`,
    });
  return issues;
}
