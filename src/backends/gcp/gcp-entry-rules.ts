import { BadUserInputError } from '../../errors.js';
import type { SecretMetadata } from '../backend.js';

// What GCP Secret Manager accepts (secret ids, labels, page sizes) and how entries map to it.

/** gRPC status codes the adapter answers itself (absent, taken, version disabled). */
export const GRPC_NOT_FOUND = 5;
export const GRPC_ALREADY_EXISTS = 6;
export const GRPC_FAILED_PRECONDITION = 9;

/** Secret ids: 1-255 of [A-Za-z0-9_-]. */
export const SECRET_ID_RULE = /^[A-Za-z0-9_-]{1,255}$/;
const LABEL_KEY_RULE = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const LABEL_VALUE_RULE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;
const MAX_LABELS = 64;
/** Listing page sizes: the default and ListSecrets' maximum. */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 25_000;

/** The gRPC status code of an error, if it has one. */
export function grpcCode(error: unknown): number | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'number' ? code : undefined;
}

/** Refuses a name Secret Manager would refuse as a secret id (BadUserInputError). */
export function checkSecretId(name: string): void {
  if (!SECRET_ID_RULE.test(name)) {
    throw new BadUserInputError(`"${name}" is not a valid GCP secret id: 1-255 characters of [A-Za-z0-9_-]`, [
      { path: 'name', message: 'GCP secret ids are 1-255 characters of [A-Za-z0-9_-]' },
    ]);
  }
}

/** Refuses metadata that does not fit GCP's label rules (BadUserInputError naming each problem). */
export function checkLabels(metadata: SecretMetadata): void {
  const entries = Object.entries(metadata);
  const issues = [];
  if (entries.length > MAX_LABELS)
    issues.push({ path: 'metadata', message: `GCP allows at most ${MAX_LABELS} labels per secret` });
  for (const [key, value] of entries) {
    if (!LABEL_KEY_RULE.test(key))
      issues.push({
        path: `metadata.${key}`,
        message:
          'GCP label keys are 1-63 lowercase letters, digits, _ or -, starting with a lowercase letter',
      });
    if (!LABEL_VALUE_RULE.test(value))
      issues.push({
        path: `metadata.${key}`,
        message: 'GCP label values are 0-63 lowercase letters, digits, _ or -',
      });
  }
  if (issues.length > 0) throw new BadUserInputError('Metadata does not fit GCP label rules', issues);
}

/** Label keys safe to name in a filter: `-` would read as an operator in the filter grammar. */
const FILTERABLE_KEY = /^[a-z][a-z0-9_]{0,62}$/;

const quote = (text: string) => `"${text.replace(/["\\]/g, '\\$&')}"`;

/** A ListSecrets filter narrowing the listing server-side; results are re-checked exactly. */
export function filterFor(query: {
  namePrefix?: string;
  metadata?: SecretMetadata;
  withoutMetadataKey?: string;
}): string {
  const terms: string[] = [];
  if (query.namePrefix && SECRET_ID_RULE.test(query.namePrefix))
    terms.push(`name:${quote(query.namePrefix)}`);
  for (const [key, value] of Object.entries(query.metadata ?? {})) {
    if (FILTERABLE_KEY.test(key) && LABEL_VALUE_RULE.test(value)) terms.push(`labels.${key}=${quote(value)}`);
  }
  if (query.withoutMetadataKey && FILTERABLE_KEY.test(query.withoutMetadataKey))
    terms.push(`NOT labels.${query.withoutMetadataKey}:*`);
  return terms.join(' AND ');
}

/** The text of a version's payload ('' when it has none). */
export function payloadText(data: Uint8Array | string | null | undefined): string {
  if (data === null || data === undefined) return '';
  return typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
}

/** Labels as metadata. */
export const labelsOf = (labels: Record<string, string> | null | undefined): SecretMetadata => ({
  ...(labels ?? {}),
});

/** Whether two metadata maps hold the same pairs. */
export function sameMetadata(a: SecretMetadata, b: SecretMetadata): boolean {
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key])
  );
}
