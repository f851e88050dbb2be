import { hkdfSync, randomBytes } from 'node:crypto';
import path from 'node:path';
import { type AuditSigningKey, loadAuditSigningKey } from './audit-signing-key.js';
import { readOrCreateKeyFile } from './key-file.js';
import { Keyring } from './keyring.js';

/** The keys the gateway needs at run time. */
export interface KeyMaterial {
  keyring: Keyring;
  auditHmacKey: Buffer;
  /** Signs audit checkpoints (never stored in the database). */
  auditSigning: AuditSigningKey;
}

export interface KeyMaterialOptions {
  encryptionKeys: string | undefined;
  auditHmacKey: string | undefined;
  /** `SGW_AUDIT_SIGNING_KEY` (base64 32-byte seed). */
  auditSigningKey?: string;
  dataDir: string;
  /** With an external database a generated key could be lost with the machine: refuse instead. */
  external: boolean;
}

/** Loads the keyring and audit HMAC key from config, or (embedded mode) from generated files. */
export async function loadKeyMaterial(options: KeyMaterialOptions): Promise<KeyMaterial> {
  let description = options.encryptionKeys;
  if (!description) {
    if (options.external) {
      throw new Error(
        'Invalid SGW_ENCRYPTION_KEYS: required when DATABASE_URL is set (kid:base64key, 32-byte keys)',
      );
    }
    description = await readOrCreateKeyFile(path.join(options.dataDir, 'encryption.key'), () =>
      Keyring.generateDescription('k1'),
    );
  }
  let keyring: Keyring;
  try {
    keyring = Keyring.parse(description);
  } catch (error) {
    throw new Error(`Invalid SGW_ENCRYPTION_KEYS: ${(error as Error).message}`);
  }
  const firstEntry = description.split(',')[0].trim();
  const firstKey = Buffer.from(firstEntry.slice(firstEntry.indexOf(':') + 1), 'base64');
  let hmac: Buffer;
  if (options.auditHmacKey) {
    hmac = Buffer.from(options.auditHmacKey, 'utf8');
  } else if (options.external) {
    const ikm = firstKey;
    hmac = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'sgw audit hmac', 32));
  } else {
    const stored = await readOrCreateKeyFile(path.join(options.dataDir, 'audit-hmac.key'), () =>
      randomBytes(32).toString('base64'),
    );
    hmac = Buffer.from(stored, 'utf8');
  }
  const auditSigning = await loadAuditSigningKey({
    configured: options.auditSigningKey,
    dataDir: options.dataDir,
    external: options.external,
    firstEncryptionKey: firstKey,
    otherEncryptionKeys: description
      .split(',')
      .slice(1)
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '')
      .map((entry) => Buffer.from(entry.slice(entry.indexOf(':') + 1), 'base64')),
  });
  return { keyring, auditHmacKey: hmac, auditSigning };
}
