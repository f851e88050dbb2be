/** A `{{name.key}}` reference to a secret's key. */
export interface SecretReference {
  secretName: string;
  key: string;
}

/** Python's `\s` for `str` patterns and `str.strip()`: the characters where `str.isspace()`. */
const PY_SPACE =
  '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const S = `[${PY_SPACE}]`;
const NON_S = `[^${PY_SPACE}]`;

/** ZenML's `_secret_reference_expression` (0.40+) used with `fullmatch`. */
const REFERENCE = new RegExp(`^\\{\\{${S}*${NON_S}+?\\.${NON_S}+${S}*\\}\\}$`, 'u');
const EDGE_SPACE = new RegExp(`^${S}+|${S}+$`, 'gu');

/**
 * The reference held by a configuration value, exactly as ZenML 0.40+ (`utils/secret_utils.py`)
 * reads one: the WHOLE string must match `\{\{\s*\S+?\.\S+\s*\}\}` (text before or after the
 * braces, `{{name}}`, `{{ a . b }}` are plain values); the name runs to the first `.`, the key is
 * the rest up to the closing `}}` (so `{{a.b}}}` is key `b}`), both stripped of whitespace.
 * Undefined for a plain value or a non-string.
 */
export function parseSecretReference(value: unknown): SecretReference | undefined {
  if (typeof value !== 'string' || !REFERENCE.test(value)) return undefined;
  const inner = value.slice(2, -2);
  const dot = inner.indexOf('.');
  return {
    secretName: inner.slice(0, dot).replace(EDGE_SPACE, ''),
    key: inner.slice(dot + 1).replace(EDGE_SPACE, ''),
  };
}

/** Formats a reference as written in configurations. */
export function formatSecretReference(ref: SecretReference): string {
  return `{{${ref.secretName}.${ref.key}}}`;
}
