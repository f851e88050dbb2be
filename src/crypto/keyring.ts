import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A ciphertext with the id of the key that sealed it. */
export interface Sealed {
  keyId: string;
  /** base64(iv ‖ tag ‖ ciphertext) */
  ciphertext: string;
}

/** Thrown when a ciphertext can't be opened (unknown key id, wrong key or tampered data). */
export class DecryptionError extends Error {}

/** Thrown when a keyring description is malformed; names what is wrong, never the key. */
export class KeyringFormatError extends Error {}

/** AES-256-GCM with a set of keys by id; the first key seals, every key opens. */
export class Keyring {
  /** As KeyObjects, made once: a cipher over a raw Buffer key costs several times more. */
  private readonly keys: Map<string, KeyObject>;

  constructor(
    entries: ReadonlyArray<{ id: string; key: Buffer }>,
    readonly activeKeyId: string = entries[0]?.id ?? '',
  ) {
    if (entries.length === 0) throw new KeyringFormatError('the keyring has no key');
    this.keys = new Map(entries.map((e) => [e.id, createSecretKey(e.key)]));
    if (!this.keys.has(activeKeyId))
      throw new KeyringFormatError(`active key id "${activeKeyId}" is not in the keyring`);
  }

  /** Parses `kid1:base64key,kid2:base64key`; the first is active. */
  static parse(description: string): Keyring {
    const entries = description
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '')
      .map((part, index) => {
        const colon = part.indexOf(':');
        if (colon <= 0) throw new KeyringFormatError(`entry ${index + 1} is not kid:base64key`);
        const id = part.slice(0, colon);
        if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id))
          throw new KeyringFormatError(`key id of entry ${index + 1} is invalid`);
        const key = Buffer.from(part.slice(colon + 1), 'base64');
        if (key.length !== KEY_BYTES) {
          throw new KeyringFormatError(`key "${id}" must be ${KEY_BYTES} bytes of base64, got ${key.length}`);
        }
        return { id, key };
      });
    const ids = new Set(entries.map((e) => e.id));
    if (ids.size !== entries.length) throw new KeyringFormatError('a key id appears twice');
    return new Keyring(entries);
  }

  /** A new random keyring description with one key. */
  static generateDescription(id = `k${Date.now().toString(36)}`): string {
    return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
  }

  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /** Encrypts under the active key, binding the ciphertext to `aad` (e.g. the row id). */
  seal(plaintext: string, aad: string): Sealed {
    const key = this.keys.get(this.activeKeyId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      keyId: this.activeKeyId,
      ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64'),
    };
  }

  /** Decrypts; throws DecryptionError when the key is unknown, wrong, or the data or aad changed. */
  open(sealed: Sealed, aad: string): string {
    const key = this.keys.get(sealed.keyId);
    if (!key) throw new DecryptionError(`key "${sealed.keyId}" is not in the keyring (SGW_ENCRYPTION_KEYS)`);
    const raw = Buffer.from(sealed.ciphertext, 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new DecryptionError('ciphertext is truncated');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new DecryptionError(`decryption with key "${sealed.keyId}" failed: wrong key or tampered data`);
    }
  }
}
