import { type Compilable, type OperationNodeSource, sql } from 'kysely';
import type { Executor } from '../../database/database.js';
import type { SecretVersionRow } from '../../database/tables/secret-versions-table.js';
import type { SecretRow } from '../../database/tables/secrets-table.js';
import { NotFoundError } from '../../errors.js';

/** A version of a secret to record (never its values). */
export interface NewSecretVersion {
  secretId: string;
  version: number;
  actor: string;
  keys: string[];
  changedKeys: string[];
  storeVersion: string | null;
}

const row = (v: NewSecretVersion) => ({
  secret_id: v.secretId,
  version: v.version,
  actor: v.actor,
  keys: JSON.stringify(v.keys),
  changed_keys: JSON.stringify(v.changedKeys),
  store_version: v.storeVersion,
});

/** Records the first versions of new secrets, in one statement. */
export async function insertVersions(db: Executor, versions: NewSecretVersion[]): Promise<void> {
  if (versions.length === 0) return;
  await db.insertInto('secret_versions').values(versions.map(row)).execute();
}

/** The previous version of a secret, and the back-end version holding its values (stores with versions). */
export interface PreviousVersion {
  version: number;
  pin: string | null;
}

/** The CTE parts that prune the window and keep the previous version's pin (recordVersion's and updateRecorded's). */
function pruneAndPin(secretId: string, previous: PreviousVersion, floor: number) {
  const pin =
    previous.pin !== null && previous.version > floor
      ? sql`, pinned as (update secret_versions set store_version = ${previous.pin}
          where secret_id = ${secretId} and version = ${previous.version})`
      : sql``;
  return sql`pruned as (
      delete from secret_versions where secret_id = ${secretId} and version <= ${floor}
      returning store_version
    )${pin}`;
}

/** The back-end versions of the deleted rows that held one. */
const prunedPins = (rows: Array<{ store_version: string | null }>) =>
  rows.flatMap((pruned) => (pruned.store_version ? [pruned.store_version] : []));

/**
 * Records a secret's new version in one statement: the previous version's row keeps the back-end
 * version that held its values (`previous.pin`, stores with versions), and rows numbered `floor` or
 * lower are deleted. Returns the back-end versions of the deleted rows (to destroy after commit).
 */
export async function recordVersion(
  db: Executor,
  next: NewSecretVersion,
  previous: PreviousVersion,
  floor: number,
): Promise<string[]> {
  const r = row(next);
  const result = await sql<{
    store_version: string | null;
  }>`with ${pruneAndPin(next.secretId, previous, floor)}, added as (
      insert into secret_versions (secret_id, version, actor, keys, changed_keys, store_version)
      values (${r.secret_id}, ${r.version}, ${r.actor}, ${r.keys}::jsonb, ${r.changed_keys}::jsonb, ${r.store_version})
      on conflict (secret_id, version) do update set created_at = now(), actor = excluded.actor,
        keys = excluded.keys, changed_keys = excluded.changed_keys, store_version = excluded.store_version
    )
    select store_version from pruned`.execute(db);
  return prunedPins(result.rows);
}

/**
 * Moves a secret's row to its next version (`update`: secretMetaUpdate, returning the row) and
 * records that version in the same statement (its keys and back-end version as the row now has
 * them; the window pruned as recordVersion does). Returns the row and the pruned back-end versions.
 */
export async function updateRecorded(
  db: Executor,
  update: Compilable & OperationNodeSource,
  next: { secretId: string; actor: string; changedKeys: string[] },
  previous: PreviousVersion,
  floor: number,
): Promise<{ row: SecretRow; pruned: string[] }> {
  const result = await sql<SecretRow & { pruned_pins: Array<string | null> }>`with moved as (${update}),
    ${pruneAndPin(next.secretId, previous, floor)}, added as (
      insert into secret_versions (secret_id, version, actor, keys, changed_keys, store_version)
      select id, version, ${next.actor}, keys, ${JSON.stringify(next.changedKeys)}::jsonb, store_version from moved
      on conflict (secret_id, version) do update set created_at = now(), actor = excluded.actor,
        keys = excluded.keys, changed_keys = excluded.changed_keys, store_version = excluded.store_version
    )
    select moved.*, array(select store_version from pruned) as pruned_pins from moved`.execute(db);
  const [first] = result.rows;
  if (!first) throw new NotFoundError(`Secret ${next.secretId} not found`);
  const { pruned_pins: pins, ...moved } = first;
  return { row: moved, pruned: pins.filter((pin): pin is string => pin !== null) };
}

/** A secret's versions, newest first. */
export function listVersions(db: Executor, secretId: string, first: number): Promise<SecretVersionRow[]> {
  return db
    .selectFrom('secret_versions')
    .selectAll()
    .where('secret_id', '=', secretId)
    .orderBy('version', 'desc')
    .limit(first)
    .execute();
}

/** One version of a secret; undefined when it is not kept. */
export function findVersion(
  db: Executor,
  secretId: string,
  version: number,
): Promise<SecretVersionRow | undefined> {
  return db
    .selectFrom('secret_versions')
    .selectAll()
    .where('secret_id', '=', secretId)
    .where('version', '=', version)
    .executeTakeFirst();
}

/** The back-end version now holding a version's values (the orphan collector moved the pin). */
export async function pinCurrentVersion(
  db: Executor,
  secretId: string,
  version: number,
  pin: string,
): Promise<void> {
  await db
    .updateTable('secret_versions')
    .set({ store_version: pin })
    .where('secret_id', '=', secretId)
    .where('version', '=', version)
    .execute();
}

/**
 * Deletes up to `limit` version rows that are outside their secret's window (after
 * SGW_SECRET_VERSIONS_KEPT was lowered); what was deleted, for the values to go too.
 */
export async function deleteBeyondWindow(
  db: Executor,
  kept: number,
  limit: number,
): Promise<Array<{ secretId: string; version: number; storeVersion: string | null }>> {
  const result = await sql<{ secret_id: string; version: number; store_version: string | null }>`
    delete from secret_versions where (secret_id, version) in (
      select v.secret_id, v.version from secret_versions v join secrets s on s.id = v.secret_id
      where v.version <= s.version - ${kept} limit ${limit})
    returning secret_id, version, store_version`.execute(db);
  return result.rows.map((r) => ({
    secretId: r.secret_id,
    version: r.version,
    storeVersion: r.store_version,
  }));
}
