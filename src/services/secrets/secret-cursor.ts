import { BadUserInputError } from '../../errors.js';
import type { Secret } from './secret.js';

/** The opaque SecretConnection cursor of a secret: base64url of `[name, id]`. */
export function encodeSecretCursor(secret: Pick<Secret, 'name' | 'id'>): string {
  return Buffer.from(JSON.stringify([secret.name, secret.id])).toString('base64url');
}

/** The position an `after` cursor names; BAD_USER_INPUT (path `after`) when it is not one of ours. */
export function decodeSecretCursor(cursor: string): { name: string; id: string } {
  try {
    const [name, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof name === 'string' && typeof id === 'string') return { name, id };
  } catch {}
  throw new BadUserInputError('Invalid cursor', [{ path: 'after', message: 'not a cursor from this API' }]);
}
