/**
 * Google sign-in for the GCP fake, checked as Google checks it: an OAuth 2.0 token endpoint for
 * the jwt-bearer grant (RFC 7523) that verifies the assertion's RS256 signature against the public
 * keys of the service accounts it knows, its `iss`, `aud`, `iat`/`exp` and `scope`, and issues
 * access tokens with a set lifetime; and the check the gRPC service makes of each call's bearer
 * token (issued here, unexpired, with the cloud-platform scope).
 */
import { createPublicKey, generateKeyPairSync, type KeyObject, randomBytes, verify } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { JsonReply } from './fake-http-server.js';
import { RpcError } from './gcp-fake-wire.js';

export const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
/** Google refuses assertions valid for longer than an hour. */
const MAX_ASSERTION_SECONDS = 3600;
const CLOCK_SKEW_SECONDS = 60;

/** One access token the endpoint issued. */
export interface IssuedToken {
  token: string;
  email: string;
  scopes: string[];
  /** Epoch milliseconds after which the service refuses it. */
  expiresAt: number;
}

/** A service-account key file as Google issues it, made for a test. */
export interface TestServiceAccountKey {
  email: string;
  /** The key file's text: what credentials_json takes. */
  json: string;
  /** PEM of the public half, which the token endpoint must know to accept the key. */
  publicKey: string;
}

/** A fresh RSA key pair for `email`, written as a service-account key file whose token_uri is `tokenUri`. */
export function newServiceAccountKey(email: string, tokenUri: string): TestServiceAccountKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const json = JSON.stringify({
    type: 'service_account',
    project_id: 'test-project',
    private_key_id: randomBytes(20).toString('hex'),
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    client_email: email,
    client_id: '100000000000000000001',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: tokenUri,
  });
  return { email, json, publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string };
}

const refused = (error: string, description: string): JsonReply => ({
  status: 400,
  body: { error, error_description: description },
});
const INVALID_SIGNATURE = refused('invalid_grant', 'Invalid JWT Signature.');
const BAD_TIMES = refused(
  'invalid_grant',
  'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
);

interface Assertion {
  header: { alg?: unknown };
  claims: { iss?: unknown; aud?: unknown; scope?: unknown; iat?: unknown; exp?: unknown };
  signedPart: string;
  signature: Buffer;
}

function decodeAssertion(text: string): Assertion | undefined {
  const parts = text.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const [header, claims] = parts
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    return {
      header,
      claims,
      signedPart: `${parts[0]}.${parts[1]}`,
      signature: Buffer.from(parts[2], 'base64url'),
    };
  } catch {
    return undefined;
  }
}

/** The token endpoint and the bearer-token check; state is public so tests can look and change. */
export class FakeGoogleSignIn {
  /** Public keys of each known service account. */
  readonly accounts = new Map<string, KeyObject[]>();
  /** Every access token issued, oldest first. */
  readonly issued: IssuedToken[] = [];

  constructor(
    /** The URL assertions must name as `aud` (the token_uri of the keys it makes). */
    public tokenUri: string,
    /** Lifetime of the tokens issued next (the `expires_in` answered). */
    public tokenLifetimeSeconds = 3600,
  ) {}

  /** Makes the endpoint accept assertions of `email` signed with the private half of `publicKey`. */
  trust(email: string, publicKey: string): void {
    this.accounts.set(email, [...(this.accounts.get(email) ?? []), createPublicKey(publicKey)]);
  }

  /** A new key for `email` (as IAM creates one), trusted at once. */
  createKey(email: string): TestServiceAccountKey {
    const key = newServiceAccountKey(email, this.tokenUri);
    this.trust(email, key.publicKey);
    return key;
  }

  /** Answers a token request (the form fields of the POST body). */
  exchange(form: URLSearchParams, now = Date.now()): JsonReply {
    if (form.get('grant_type') !== GRANT_TYPE)
      return refused('unsupported_grant_type', `Invalid grant_type: ${form.get('grant_type') ?? ''}`);
    const assertion = decodeAssertion(form.get('assertion') ?? '');
    if (!assertion) return refused('invalid_request', 'Invalid JWT.');
    const { claims } = assertion;
    const keys = typeof claims.iss === 'string' ? this.accounts.get(claims.iss) : undefined;
    if (!keys) return refused('invalid_grant', 'Invalid grant: account not found');
    const signed = Buffer.from(assertion.signedPart);
    const valid = keys.some((key) => verify('RSA-SHA256', signed, key, assertion.signature));
    if (assertion.header.alg !== 'RS256' || !valid) return INVALID_SIGNATURE;
    if (claims.aud !== this.tokenUri) return refused('invalid_grant', 'Invalid JWT audience.');
    const seconds = now / 1000;
    const { iat, exp } = claims;
    if (typeof iat !== 'number' || typeof exp !== 'number') return BAD_TIMES;
    if (iat > seconds + CLOCK_SKEW_SECONDS || exp <= seconds || exp - iat > MAX_ASSERTION_SECONDS)
      return BAD_TIMES;
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
    if (scopes.length === 0)
      return refused('invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
    return { status: 200, body: this.issue(claims.iss as string, scopes, now) };
  }

  private issue(email: string, scopes: string[], now: number): Record<string, unknown> {
    const token = `ya29.fake-${randomBytes(24).toString('base64url')}`;
    this.issued.push({ token, email, scopes, expiresAt: now + this.tokenLifetimeSeconds * 1000 });
    return { access_token: token, expires_in: this.tokenLifetimeSeconds, token_type: 'Bearer' };
  }

  /** The status the service refuses a call with, or undefined when its bearer token is good. */
  refusal(metadata: grpc.Metadata, now = Date.now()): RpcError | undefined {
    const header = String(metadata.get('authorization')[0] ?? '');
    const token = /^Bearer (\S+)$/i.exec(header)?.[1];
    const issued = token ? this.issued.find((t) => t.token === token) : undefined;
    if (!issued || issued.expiresAt <= now) {
      return new RpcError(
        grpc.status.UNAUTHENTICATED,
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      );
    }
    if (!issued.scopes.includes(CLOUD_PLATFORM_SCOPE))
      return new RpcError(grpc.status.PERMISSION_DENIED, 'Request had insufficient authentication scopes.');
    return undefined;
  }
}
