/** Longest operation name (or other free text a caller names) kept in an audit target. */
export const AUDIT_TEXT_MAX = 128;

/**
 * Longest string kept anywhere in an audit target: above every valid name (255) and key (256),
 * so only what validation would refuse — recorded by a denial before validation — is cut.
 */
export const AUDIT_TARGET_TEXT_MAX = 512;

/** NUL and lone surrogates: Postgres refuses them in jsonb (and the whole group commit with them). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is one of the characters replaced
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Caller-supplied text as stored in an audit target: at most `max` characters (cut ones end in
 * `…`), NUL and lone surrogates replaced by U+FFFD.
 */
export function auditText(value: string, max = AUDIT_TEXT_MAX): string {
  const text = value.length > max ? `${value.slice(0, max - 1)}…` : value;
  return text.replace(UNSTORABLE, '\ufffd');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function boundValue(value: unknown): unknown {
  if (typeof value === 'string') return auditText(value, AUDIT_TARGET_TEXT_MAX);
  if (Array.isArray(value)) return value.map(boundValue);
  if (isPlainObject(value)) return boundAuditTarget(value);
  return value;
}

/** A target with every string in it bounded by `auditText` (AUDIT_TARGET_TEXT_MAX), nested ones too. */
export function boundAuditTarget(target: Record<string, unknown>): Record<string, unknown> {
  // fromEntries defines own properties: a key named __proto__ stays a key.
  return Object.fromEntries(
    Object.entries(target).map(([key, value]) => [auditText(key, AUDIT_TARGET_TEXT_MAX), boundValue(value)]),
  );
}
