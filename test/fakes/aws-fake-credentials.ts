/**
 * Credentials for AWS sign-in tests, each a different case for the fake's SigV4 check: a
 * long-term access key, session credentials (with their token) that are still good, and session
 * credentials that have expired. Start the fake with all three: `credentials: [KEY, SESSION, EXPIRED]`.
 */
import type { AwsFakeCredentials } from './aws-sigv4.js';

export const KEY = { accessKeyId: 'AKIDSIGNIN', secretAccessKey: 'long-term-secret-7f3a' };

export const SESSION = {
  accessKeyId: 'ASIASESSION',
  secretAccessKey: 'session-secret-2b9c',
  sessionToken: 'session-token-5d1e',
  expiration: new Date(Date.now() + 3_600_000),
} satisfies AwsFakeCredentials;

export const EXPIRED = {
  accessKeyId: 'ASIAEXPIRED',
  secretAccessKey: 'expired-secret-0a8f',
  sessionToken: 'expired-token-6c4b',
  expiration: new Date(Date.now() - 1000),
} satisfies AwsFakeCredentials;
