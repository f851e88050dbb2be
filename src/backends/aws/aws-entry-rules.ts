import type { Filter, Tag } from '@aws-sdk/client-secrets-manager';
import { BackendError, BadUserInputError } from '../../errors.js';
import { RAW_VALUE_KEY, type SecretMetadata, type SecretValues, valuesFromPayload } from '../backend.js';

// What AWS Secrets Manager accepts (names, tags, filters, batch sizes) and how entries map to it.

/** Secrets Manager's own limits, checked before a call so the error names the rule. */
export const NAME_RULE = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const MAX_TAGS = 50;
export const MAX_PAGE_SIZE = 100;
const MAX_FILTERS = 10;
export const MAX_BATCH_GET = 20;
/** What ListSecrets accepts as a filter value (longer or other values are checked client-side only). */
const FILTER_VALUE_RULE = /^[a-zA-Z0-9 :_@/+=.\-!]{1,512}$/;

/** The SDK error's name (ResourceNotFoundException …), if it has one. */
export function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { name?: string }).name : undefined;
}

/** Refuses a name Secrets Manager would refuse (BadUserInputError). */
export function checkName(name: string): void {
  if (!NAME_RULE.test(name)) {
    throw new BadUserInputError(
      `"${name}" is not a valid AWS Secrets Manager name: 1-512 characters of [A-Za-z0-9/_+=.@-]`,
      [{ path: 'name', message: 'AWS secret names are 1-512 characters of [A-Za-z0-9/_+=.@-]' }],
    );
  }
}

/** Refuses metadata that does not fit AWS's tag rules (BadUserInputError naming each problem). */
export function checkTags(metadata: SecretMetadata): void {
  const entries = Object.entries(metadata);
  const issues = [];
  if (entries.length > MAX_TAGS)
    issues.push({ path: 'metadata', message: `AWS allows at most ${MAX_TAGS} tags per secret` });
  for (const [key, value] of entries) {
    if (key.length < 1 || key.length > 128 || key.startsWith('aws:'))
      issues.push({
        path: `metadata.${key}`,
        message: 'AWS tag keys are 1-128 characters, not starting with aws:',
      });
    if (value.length > 256)
      issues.push({ path: `metadata.${key}`, message: 'AWS tag values are at most 256 characters' });
  }
  if (issues.length > 0) throw new BadUserInputError('Metadata does not fit AWS tag rules', issues);
}

/** Metadata as AWS tags. */
export const tagsOf = (metadata: SecretMetadata): Tag[] =>
  Object.entries(metadata).map(([Key, Value]) => ({ Key, Value }));

/** AWS tags as metadata. */
export const metadataOf = (tags: Tag[] | undefined): SecretMetadata =>
  Object.fromEntries((tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));

/**
 * Server-side filters for a listing (AWS matches prefixes, so results are re-checked exactly).
 * A usable name prefix is sent alone: a scope's prefix already narrows the listing to its
 * secrets, the tag filters (which match any tag's key or value by prefix) never spared the
 * exact metadata check, and each one makes the service scan every listed secret's tags.
 */
export function filtersFor(query: {
  namePrefix?: string;
  metadata?: SecretMetadata;
  withoutMetadataKey?: string;
}): Filter[] {
  const filters: Filter[] = [];
  const usable = (value: string) => FILTER_VALUE_RULE.test(value) && !value.startsWith('!');
  if (query.namePrefix && usable(query.namePrefix)) return [{ Key: 'name', Values: [query.namePrefix] }];
  for (const [key, value] of Object.entries(query.metadata ?? {})) {
    if (usable(key)) filters.push({ Key: 'tag-key', Values: [key] });
    if (value !== '' && usable(value)) filters.push({ Key: 'tag-value', Values: [value] });
  }
  if (query.withoutMetadataKey && usable(query.withoutMetadataKey))
    filters.push({ Key: 'tag-key', Values: [`!${query.withoutMetadataKey}`] });
  return filters.slice(0, MAX_FILTERS);
}

/** An answer of a GetSecretValue/BatchGetSecretValue call. */
interface AwsSecretValue {
  ARN?: string;
  Name?: string;
  SecretString?: string;
  SecretBinary?: Uint8Array;
}

/**
 * Values of a GetSecretValue/BatchGetSecretValue answer (binary: the raw payload in base64).
 * An answer without the secret's ARN and name is no Secrets Manager answer (an endpoint that is
 * some other JSON service): BACKEND_ERROR, never values.
 */
export function valuesOf(value: AwsSecretValue): SecretValues {
  if (typeof value.ARN !== 'string' || !value.ARN.startsWith('arn:') || typeof value.Name !== 'string')
    throw new BackendError('aws back-end error: the answer is not an AWS Secrets Manager secret value');
  if (value.SecretString !== undefined) return valuesFromPayload(value.SecretString);
  if (value.SecretBinary) return { [RAW_VALUE_KEY]: Buffer.from(value.SecretBinary).toString('base64') };
  return valuesFromPayload('');
}
