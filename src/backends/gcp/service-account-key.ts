import { createPrivateKey } from 'node:crypto';

/** What the gateway reads of a Google service-account key (the JSON file Google issues). */
export interface ServiceAccountKey {
  clientEmail: string;
  /** PEM text of the RSA private key that signs the sign-in assertion. */
  privateKey: string;
  privateKeyId?: string;
  /** Where the sign-in assertion is sent: the key's `token_uri`, or Google's token endpoint. */
  tokenUri: string;
}

/** Google's OAuth 2.0 token endpoint, the `token_uri` of every key Google issues. */
export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';

/** A credentials_json that is no usable service-account key; the message never quotes it. */
export class ServiceAccountKeyError extends Error {
  constructor(problem: string) {
    super(problem);
    this.name = 'ServiceAccountKeyError';
  }
}

const KEY_RULE =
  'must be a service-account key (JSON with type service_account, client_email and private_key)';

function jsonObject(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse quotes the text it could not read: never pass its message on.
    throw new ServiceAccountKeyError('is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ServiceAccountKeyError(KEY_RULE);
  return parsed as Record<string, unknown>;
}

function tokenUriOf(value: unknown): string {
  if (value === undefined) return GOOGLE_TOKEN_URI;
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  // The signed assertion is a credential for an hour: it only travels over TLS.
  if (url?.protocol !== 'https:')
    throw new ServiceAccountKeyError('has a token_uri that is not an https URL');
  return url.href;
}

function privateKeyOf(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new ServiceAccountKeyError(KEY_RULE);
  try {
    createPrivateKey(value);
  } catch {
    throw new ServiceAccountKeyError('has a private_key that is not a PEM private key');
  }
  return value;
}

/**
 * Reads a service-account key; throws ServiceAccountKeyError ("is not valid JSON", …) naming the
 * problem without any of the key's text. Other credential types (user, external account) are refused.
 */
export function parseServiceAccountKey(text: string): ServiceAccountKey {
  const json = jsonObject(text);
  if (json.type !== 'service_account') throw new ServiceAccountKeyError(KEY_RULE);
  if (typeof json.client_email !== 'string' || json.client_email === '')
    throw new ServiceAccountKeyError(KEY_RULE);
  return {
    clientEmail: json.client_email,
    privateKey: privateKeyOf(json.private_key),
    privateKeyId: typeof json.private_key_id === 'string' ? json.private_key_id : undefined,
    tokenUri: tokenUriOf(json.token_uri),
  };
}

/** For flavor checks: why a credentials_json value is no usable key, or undefined ('' is unset). */
export function serviceAccountKeyProblem(value: unknown): string | undefined {
  if (value === '') return undefined;
  if (typeof value !== 'string') return KEY_RULE;
  try {
    parseServiceAccountKey(value);
    return undefined;
  } catch (error) {
    if (error instanceof ServiceAccountKeyError) return error.message;
    throw error;
  }
}
