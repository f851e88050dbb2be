import { describe, expect, it } from 'vitest';
import { DecryptionError, Keyring, KeyringFormatError } from './keyring.js';

const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');

describe('Keyring', () => {
  it('seals under the first key and opens with any key of the ring', () => {
    const old = Keyring.parse(`k1:${key(1)}`);
    const sealed = old.seal('{"password":"canary-123"}', 'row-1');
    expect(sealed.keyId).toBe('k1');
    expect(Buffer.from(sealed.ciphertext, 'base64').toString('latin1')).not.toContain('canary-123');
    const rotated = Keyring.parse(`k2:${key(2)},k1:${key(1)}`);
    expect(rotated.open(sealed, 'row-1')).toBe('{"password":"canary-123"}');
    expect(rotated.seal('x', 'row-1').keyId).toBe('k2');
  });

  it('refuses a wrong key, an unknown key id, another row and tampered data', () => {
    const ring = Keyring.parse(`k1:${key(1)}`);
    const sealed = ring.seal('value', 'row-1');
    expect(() => Keyring.parse(`k1:${key(9)}`).open(sealed, 'row-1')).toThrow(/wrong key or tampered data/);
    expect(() => Keyring.parse(`k2:${key(1)}`).open(sealed, 'row-1')).toThrow(
      /key "k1" is not in the keyring/,
    );
    expect(() => ring.open(sealed, 'row-2')).toThrow(DecryptionError);
    const raw = Buffer.from(sealed.ciphertext, 'base64');
    raw[raw.length - 1] ^= 1;
    expect(() => ring.open({ ...sealed, ciphertext: raw.toString('base64') }, 'row-1')).toThrow(
      DecryptionError,
    );
  });

  it('rejects malformed keyrings without echoing key material', () => {
    expect(() => Keyring.parse('nocolon')).toThrow(KeyringFormatError);
    expect(() => Keyring.parse(`k1:${Buffer.alloc(16).toString('base64')}`)).toThrow(/32 bytes/);
    expect(() => Keyring.parse(`k1:${key(1)},k1:${key(2)}`)).toThrow(/appears twice/);
    try {
      Keyring.parse(`k1:${Buffer.from('short-secret-material').toString('base64')}`);
    } catch (error) {
      expect((error as Error).message).not.toContain(Buffer.from('short-secret-material').toString('base64'));
    }
  });
});
