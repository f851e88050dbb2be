import { describe, expect, it } from 'vitest';
import { BadUserInputError } from '../../errors.js';
import { decodeSecretCursor, encodeSecretCursor } from './secret-cursor.js';

describe('secret cursor', () => {
  it('decodes what it encodes, as base64url of [name, id]', () => {
    const cursor = encodeSecretCursor({ name: 'db', id: '0b7c…' });
    expect(Buffer.from(cursor, 'base64url').toString('utf8')).toBe('["db","0b7c…"]');
    expect(decodeSecretCursor(cursor)).toEqual({ name: 'db', id: '0b7c…' });
  });

  it('rejects anything else with BAD_USER_INPUT on `after`', () => {
    for (const bad of ['garbage', Buffer.from('[1,2]').toString('base64url'), '']) {
      const error = (() => {
        try {
          decodeSecretCursor(bad);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(BadUserInputError);
      expect(error).toMatchObject({
        message: 'Invalid cursor',
        issues: [{ path: 'after', message: 'not a cursor from this API' }],
      });
    }
  });
});
