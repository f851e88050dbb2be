import { sql } from 'kysely';
import type { Keyring } from '../../crypto/keyring.js';
import type { Db, Executor } from '../../database/database.js';
import type { BackendCallOptions, SecretValues } from '../backend.js';

// The SQL store's history: before a write replaces an entry's values, the sealed values are copied
// as they are (same key, same AAD: the entry name) into `secret_value_versions` under the version
// they held; versions past the kept window are deleted with their ciphertext.

const executor = (db: Db, options?: BackendCallOptions): Executor => options?.trx ?? db;

/**
 * Copies the entry's current sealed values as `version` (a version kept already stays as it is)
 * and drops kept versions up to `dropUpTo`, in one statement.
 */
export async function keepVersion(
  db: Db,
  name: string,
  keep: { version: number; dropUpTo: number },
  options?: BackendCallOptions,
): Promise<void> {
  await sql`with dropped as (
      delete from secret_value_versions where name = ${name} and version <= ${keep.dropUpTo}
    )
    insert into secret_value_versions (name, version, key_id, values)
    select name, ${keep.version}::integer, key_id, values from secret_values
    where name = ${name} and ${keep.version}::integer > ${keep.dropUpTo}::integer
    on conflict (name, version) do nothing`.execute(executor(db, options));
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

/** Deletes every kept version of an entry (with the entry). */
export async function dropKeptVersions(executor: Executor, name: string): Promise<void> {
  await executor.deleteFrom('secret_value_versions').where('name', '=', name).execute();
}
