/** Validation of the Azure Key Vault fake's request bodies, with Key Vault's limits. */
import { badParameter, isRecord } from './azure-fake-error.js';

const MAX_VALUE_BYTES = 25 * 1024;
const MAX_TAGS = 15;
const MAX_TAG_KEY = 512;
const MAX_TAG_VALUE = 256;
const MAX_CONTENT_TYPE = 255;

interface AttributesInput {
  enabled?: boolean;
  nbf?: number;
  exp?: number;
}

export interface SecretInput {
  value?: string;
  contentType?: string;
  tags?: Record<string, string>;
  attributes?: AttributesInput;
}

function checkTags(tags: unknown): Record<string, string> | undefined {
  if (tags === undefined || tags === null) return undefined;
  if (!isRecord(tags)) throw badParameter('Tags must be a JSON object of strings.');
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) throw badParameter(`The number of tags exceeds the limit of ${MAX_TAGS}.`);
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw badParameter(`Tag ${key} must have a string value.`);
    if (key.length > MAX_TAG_KEY) throw badParameter(`Tag name ${key} exceeds ${MAX_TAG_KEY} characters.`);
    if (value.length > MAX_TAG_VALUE)
      throw badParameter(`Tag value of ${key} exceeds ${MAX_TAG_VALUE} characters.`);
  }
  return { ...(tags as Record<string, string>) };
}

function checkAttributes(attributes: unknown): AttributesInput {
  if (attributes === undefined || attributes === null) return {};
  if (!isRecord(attributes)) throw badParameter('attributes must be a JSON object.');
  const { enabled, nbf, exp } = attributes;
  if (enabled !== undefined && typeof enabled !== 'boolean')
    throw badParameter('attributes.enabled must be a boolean.');
  for (const [key, n] of [
    ['nbf', nbf],
    ['exp', exp],
  ] as const) {
    if (n !== undefined && n !== null && !Number.isInteger(n))
      throw badParameter(`attributes.${key} must be unix seconds.`);
  }
  return {
    enabled,
    nbf: (nbf ?? undefined) as number | undefined,
    exp: (exp ?? undefined) as number | undefined,
  };
}

function checkContentType(contentType: unknown): string | undefined {
  if (contentType === undefined || contentType === null) return undefined;
  if (typeof contentType !== 'string' || contentType.length > MAX_CONTENT_TYPE) {
    throw badParameter(`contentType must be a string of at most ${MAX_CONTENT_TYPE} characters.`);
  }
  return contentType;
}

export function parseSecretInput(body: unknown, requireValue: boolean): SecretInput {
  if (!isRecord(body)) throw badParameter('The request body must be a JSON object.');
  if (requireValue && typeof body.value !== 'string') throw badParameter('The parameter value is required.');
  if (typeof body.value === 'string' && Buffer.byteLength(body.value) > MAX_VALUE_BYTES) {
    throw badParameter(`The secret value exceeds the maximum size of ${MAX_VALUE_BYTES} bytes.`);
  }
  return {
    value: body.value as string | undefined,
    contentType: checkContentType(body.contentType),
    tags: checkTags(body.tags),
    attributes: checkAttributes(body.attributes),
  };
}

export function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw badParameter('The request body is not valid JSON.');
  }
}
