/** A `{{name.key}}` reference to a secret's key. */
export interface SecretReference {
  secretName: string;
  key: string;
}

const WHOLE_REFERENCE = /^\s*\{\{(.*)\}\}\s*$/s;
const NAME_DOT_KEY = /^([^.\s{}]+)\.([^\s{}]+)$/;

/** Thrown for text that looks like a reference but is not a valid one. */
export class MalformedReferenceError extends Error {}

/**
 * The reference held by a configuration value: a whole value `{{ name.key }}` (name up to the
 * first dot, key may contain dots, whitespace trimmed). Undefined for a plain value; throws
 * MalformedReferenceError for `{{name}}`, `{{.key}}` or unbalanced braces.
 */
export function parseSecretReference(value: unknown): SecretReference | undefined {
  if (typeof value !== 'string') return undefined;
  const whole = WHOLE_REFERENCE.exec(value);
  if (!whole) {
    if (value.includes('{{') || value.includes('}}')) {
      throw new MalformedReferenceError(
        `"${value}" is not a valid secret reference: use {{secret_name.key}} as the whole value`,
      );
    }
    return undefined;
  }
  const inner = whole[1].trim();
  const parts = NAME_DOT_KEY.exec(inner);
  if (!parts) {
    throw new MalformedReferenceError(
      `"{{${inner}}}" is not a valid secret reference: use {{secret_name.key}}`,
    );
  }
  return { secretName: parts[1], key: parts[2] };
}

/** Formats a reference as written in configurations. */
export function formatSecretReference(ref: SecretReference): string {
  return `{{${ref.secretName}.${ref.key}}}`;
}
