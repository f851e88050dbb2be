import { sql } from 'kysely';
import type { Keyring } from '../../crypto/keyring.js';
import type { Db } from '../../database/database.js';

/** The tables whose rows hold values sealed with AAD = their `name`. */
export type SealedTable = 'secret_values' | 'secret_value_versions';

/**
 * Re-encrypts one batch of a table's rows not under the active key, in one transaction (rows
 * another rotation holds are skipped; each row is addressed by its ctid under the row lock);
 * returns how many.
 */
export async function resealBatch(
  db: Db,
  keyring: Keyring,
  table: SealedTable,
  batch: number,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const rows = await sql<{ ctid: string; name: string; key_id: string; values: string }>`
      select ctid::text as ctid, name, key_id, "values" from ${sql.table(table)}
      where key_id <> ${keyring.activeKeyId} limit ${batch} for update skip locked`.execute(trx);
    for (const row of rows.rows) {
      const plain = keyring.open({ keyId: row.key_id, ciphertext: row.values }, row.name);
      const sealed = keyring.seal(plain, row.name);
      await sql`update ${sql.table(table)} set key_id = ${sealed.keyId}, "values" = ${sealed.ciphertext}
        where ctid = ${row.ctid}::tid`.execute(trx);
    }
    return rows.rows.length;
  });
}
