import { hkdfSync, type KeyObject, randomBytes } from 'node:crypto';
import path from 'node:path';
import { rawPublicKeyOf, signingKeyFromSeed } from '../services/audit/checkpoint-signature.js';
import { readOrCreateKeyFile } from './key-file.js';

/** The key that signs audit checkpoints, and its public half for verifiers. */
export interface AuditSigningKey {
  privateKey: KeyObject;
  /** base64 of the raw 32-byte Ed25519 public key (`auditPublicKey`). */
  publicKey: string;
  /**
   * Every public key whose checkpoints are accepted, this one first; with `DATABASE_URL`, also
   * those derived from the other keys of the keyring, so that checkpoints signed before the
   * first encryption key changed (key rotation) still verify and are extended.
   */
  accepted: string[];
}

export interface AuditSigningKeyOptions {
  /** `SGW_AUDIT_SIGNING_KEY`: base64 of a 32-byte seed. */
  configured: string | undefined;
  dataDir: string;
  /** With `DATABASE_URL`: derive from the first encryption key instead of generating a file. */
  external: boolean;
  /** The first (active) key of the keyring, raw: the HKDF input when `external`. */
  firstEncryptionKey: Buffer;
  /** The keyring's other keys, raw (older ones after a rotation). */
  otherEncryptionKeys?: Buffer[];
}

/** HKDF `info` of the derived signing seed. */
const DERIVATION_INFO = 'sgw audit checkpoint signing key v1';

function seedOf(base64: string, source: string): Buffer {
  const seed = Buffer.from(base64.trim(), 'base64');
  if (seed.length !== 32) throw new Error(`Invalid ${source}: must be base64 of a 32-byte Ed25519 seed`);
  return seed;
}

/**
 * The checkpoint signing key: `SGW_AUDIT_SIGNING_KEY`; else, embedded, a seed generated once into
 * `SGW_DATA_DIR/audit-signing.key` (mode 0600); else (with `DATABASE_URL`) HKDF-SHA256 of the
 * first encryption key. Never stored in the database.
 */
export async function loadAuditSigningKey(options: AuditSigningKeyOptions): Promise<AuditSigningKey> {
  let seed: Buffer;
  if (options.configured) {
    seed = seedOf(options.configured, 'SGW_AUDIT_SIGNING_KEY');
  } else if (options.external) {
    seed = derivedSeed(options.firstEncryptionKey);
  } else {
    const file = path.join(options.dataDir, 'audit-signing.key');
    seed = seedOf(await readOrCreateKeyFile(file, () => randomBytes(32).toString('base64')), file);
  }
  const privateKey = signingKeyFromSeed(seed);
  const publicKey = rawPublicKeyOf(privateKey);
  const derived = options.external
    ? [options.firstEncryptionKey, ...(options.otherEncryptionKeys ?? [])].map((k) =>
        rawPublicKeyOf(signingKeyFromSeed(derivedSeed(k))),
      )
    : [];
  return { privateKey, publicKey, accepted: [...new Set([publicKey, ...derived])] };
}

/** The signing seed derived from an encryption key (HKDF-SHA256, no salt). */
function derivedSeed(encryptionKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), DERIVATION_INFO, 32));
}
