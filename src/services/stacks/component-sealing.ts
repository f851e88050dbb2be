import type { Keyring } from '../../crypto/keyring.js';
import type { Db } from '../../database/database.js';
import type { ComponentType } from '../../flavors/component-types.js';
import { findFlavor } from '../../flavors/flavor-catalog.js';
import { parseSecretReference } from '../../flavors/secret-reference.js';
import { componentAad } from './component.js';
import * as repo from './components-repository.js';

/**
 * A validated configuration as stored: references and non-sensitive fields as JSON, sensitive
 * plain values sealed together under the active key (AAD `component:<id>`). The name and the
 * owner are left empty for the caller to set.
 */
export function sealConfiguration(
  keyring: Keyring,
  id: string,
  type: ComponentType,
  flavor: string,
  configuration: Record<string, unknown>,
): repo.ComponentRecord {
  const spec = findFlavor(type, flavor)!;
  const plain: Record<string, unknown> = {};
  const sensitive: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(configuration)) {
    const isSensitive = spec.configFields.find((f) => f.name === field)?.sensitive;
    // Validated already: a reference here is well formed, and stays readable (it is no secret).
    const isReference = parseSecretReference(value) !== undefined;
    if (isSensitive && !isReference && value !== '') sensitive[field] = value;
    else plain[field] = value;
  }
  const sealed =
    Object.keys(sensitive).length > 0 ? keyring.seal(JSON.stringify(sensitive), componentAad(id)) : null;
  return {
    id,
    type,
    name: '',
    flavor,
    configuration: plain,
    sensitiveCiphertext: sealed?.ciphertext ?? null,
    sensitiveKeyId: sealed?.keyId ?? null,
    ownerId: null,
  };
}

/** Re-seals component sensitive values under the active key, `batch` rows per transaction; returns rows changed. */
export async function resealComponents(deps: { db: Db; keyring: Keyring }, batch = 200): Promise<number> {
  const { db, keyring } = deps;
  let total = 0;
  for (;;) {
    const changed = await db.transaction().execute(async (trx) => {
      const rows = await repo.componentsWithSealedValues(trx, keyring.activeKeyId, batch);
      for (const row of rows) {
        const aad = componentAad(row.id);
        const plain = keyring.open(
          { keyId: row.sensitive_key_id!, ciphertext: row.sensitive_ciphertext! },
          aad,
        );
        const sealed = keyring.seal(plain, aad);
        await repo.updateComponentSealed(trx, row.id, sealed.ciphertext, sealed.keyId);
      }
      return rows.length;
    });
    total += changed;
    if (changed < batch) return total;
  }
}
