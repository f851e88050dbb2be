import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

const TOKEN_PATTERN = /^sgw_[A-Za-z0-9_-]{43}$/;

/** A new API token: `sgw_` + 32 random bytes as base64url (43 characters). */
export function generateApiToken(): string {
  return `sgw_${randomBytes(32).toString('base64url')}`;
}

/** Whether the text has the shape of an API token. */
export function isApiTokenShape(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

/** SHA-256 (hex) of a token: the only form in which tokens are stored (one-shot: half the cost of a Hash object). */
export function hashApiToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/** Constant-time comparison of two token hashes. */
export function tokenHashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The bearer token of an Authorization header value, or undefined. */
export function bearerToken(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
