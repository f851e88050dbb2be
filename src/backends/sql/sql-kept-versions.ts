import { sql } from 'kysely';
import type { Keyring } from '../../crypto/keyring.js';
import type { Db, Executor } from '../../database/database.js';
import type { BackendCallOptions, SecretValues } from '../backend.js';

// The SQL store's history: before a write replaces an entry's values, the sealed values are copied
// as they are (same key, same AAD: the entry name) into `secret_value_versions` under the version
// they held, in the statement that writes the new ones; versions past the kept window are deleted
// with their ciphertext.

const executor = (db: Db, options?: BackendCallOptions): Executor => options?.trx ?? db;

/** A new sealed value of an entry (what `secret_values` holds besides its name). */
export interface SealedEntry {
  name: string;
  key_id: string;
  values: string;
  metadata: string;
}

/**
 * Writes an entry's new sealed values, in one statement that first copies the current ones as
 * `keep.version` (a version kept already stays as it is) and drops kept versions up to
 * `keep.dropUpTo` (every part of the statement reads the same snapshot, so the copy holds the
 * values being replaced). Whether the entry existed.
 */
export async function updateKeeping(
  db: Db,
  entry: SealedEntry,
  keep: { version: number; dropUpTo: number },
  options?: BackendCallOptions,
): Promise<boolean> {
  const { name } = entry;
  const result = await sql`with dropped as (
      delete from secret_value_versions where name = ${name} and version <= ${keep.dropUpTo}
    ), kept as (
      insert into secret_value_versions (name, version, key_id, values)
      select name, ${keep.version}::integer, key_id, values from secret_values
      where name = ${name} and ${keep.version}::integer > ${keep.dropUpTo}::integer
      on conflict (name, version) do nothing
    )
    update secret_values set key_id = ${entry.key_id}, values = ${entry.values},
      metadata = ${entry.metadata}::jsonb, updated_at = ${new Date()}
    where name = ${name}`.execute(executor(db, options));
  return Number(result.numAffectedRows ?? 0) > 0;
}

/** The values kept as `version`; undefined when not kept. */
export async function getKeptVersion(
  db: Db,
  keyring: Keyring,
  name: string,
  version: number,
  options?: BackendCallOptions,
): Promise<SecretValues | undefined> {
  const row = await executor(db, options)
    .selectFrom('secret_value_versions')
    .select(['key_id', 'values'])
    .where('name', '=', name)
    .where('version', '=', version)
    .executeTakeFirst();
  return row && JSON.parse(keyring.open({ keyId: row.key_id, ciphertext: row.values }, name));
}

/** Deletes an entry's kept versions numbered `upTo` or lower (a lowered window), or all of them (with the entry). */
export async function dropKeptVersions(executor: Executor, name: string, upTo?: number): Promise<void> {
  let query = executor.deleteFrom('secret_value_versions').where('name', '=', name);
  if (upTo !== undefined) query = query.where('version', '<=', upTo);
  await query.execute();
}
