import { hkdfSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Keyring } from './keyring.js';

/** The keys the gateway needs at run time. */
export interface KeyMaterial {
  keyring: Keyring;
  auditHmacKey: Buffer;
}

export interface KeyMaterialOptions {
  encryptionKeys: string | undefined;
  auditHmacKey: string | undefined;
  dataDir: string;
  /** With an external database a generated key could be lost with the machine: refuse instead. */
  external: boolean;
}

/** Reads a key file, or creates it (mode 0600) with `generate()` when absent. */
async function readOrCreateKeyFile(file: string, generate: () => string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const value = generate();
  try {
    await writeFile(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
    return value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await readFile(file, 'utf8')).trim();
    throw error;
  }
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
  let hmac: Buffer;
  if (options.auditHmacKey) {
    hmac = Buffer.from(options.auditHmacKey, 'utf8');
  } else if (options.external) {
    const firstEntry = description.split(',')[0];
    const ikm = Buffer.from(firstEntry.slice(firstEntry.indexOf(':') + 1), 'base64');
    hmac = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'sgw audit hmac', 32));
  } else {
    const stored = await readOrCreateKeyFile(path.join(options.dataDir, 'audit-hmac.key'), () =>
      randomBytes(32).toString('base64'),
    );
    hmac = Buffer.from(stored, 'utf8');
  }
  return { keyring, auditHmacKey: hmac };
}
