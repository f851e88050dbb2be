import { sql } from 'kysely';
import type { Keyring } from '../../crypto/keyring.js';
import type { Db, Executor } from '../../database/database.js';
import { AlreadyExistsError, NotFoundError } from '../../errors.js';
import type {
  BackendCallOptions,
  BackendEntry,
  BackendListPage,
  BackendListQuery,
  SecretBackend,
  SecretValues,
} from '../backend.js';
import { dropKeptVersions, getKeptVersion, type SealedEntry, updateKeeping } from './sql-kept-versions.js';
import { resealBatch } from './sql-reseal.js';

/** Postgres SQLSTATE of a unique constraint violation. */
const UNIQUE_VIOLATION = '23505';

/** What the SQL back-end's operations share: the database and the keyring that seals values. */
interface SqlStore {
  db: Db;
  keyring: Keyring;
}

/** The caller's transaction when it gives one, else the database. */
const executor = (store: SqlStore, options?: BackendCallOptions): Executor => options?.trx ?? store.db;

interface SecretValueRow {
  name: string;
  key_id: string;
  values: string;
  metadata: Record<string, string>;
}

/** A sealed `secret_values` row's columns, as read by this back-end or joined by a lookup. */
export type SealedValuesRow = Pick<SecretValueRow, 'name' | 'key_id' | 'values'>;

/** The values of a sealed row (AAD: its entry name); throws when it does not open. */
function openValues(keyring: Keyring, row: SealedValuesRow): SecretValues {
  return JSON.parse(keyring.open({ keyId: row.key_id, ciphertext: row.values }, row.name));
}

function open(store: SqlStore, row: SecretValueRow): BackendEntry {
  return { name: row.name, values: openValues(store.keyring, row), metadata: row.metadata };
}

/** Inserts every entry in one statement: all rows or none; a taken name is ALREADY_EXISTS. */
async function createMany(
  store: SqlStore,
  entries: BackendEntry[],
  options?: BackendCallOptions,
): Promise<void> {
  const rows = entries.map((entry) => sealedEntry(store, entry));
  try {
    await executor(store, options).insertInto('secret_values').values(rows).execute();
  } catch (error) {
    if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
    throw new AlreadyExistsError(
      entries.length === 1
        ? `Secret entry "${entries[0].name}" already exists`
        : 'A secret entry already exists',
    );
  }
}

async function getEntry(store: SqlStore, name: string, options?: BackendCallOptions) {
  const row = await executor(store, options)
    .selectFrom('secret_values')
    .selectAll()
    .where('name', '=', name)
    .executeTakeFirst();
  return row && open(store, row);
}

async function getValues(
  store: SqlStore,
  names: string[],
  options?: BackendCallOptions,
): Promise<Map<string, SecretValues>> {
  const found = new Map<string, Record<string, string>>();
  for (let i = 0; i < names.length; i += 1000) {
    const rows = await executor(store, options)
      .selectFrom('secret_values')
      .selectAll()
      .where('name', 'in', names.slice(i, i + 1000))
      .execute();
    for (const row of rows) found.set(row.name, open(store, row).values);
  }
  return found;
}

/** The sealed row of an entry's values (AAD = the entry name). */
function sealedEntry(store: SqlStore, entry: BackendEntry): SealedEntry {
  const sealed = store.keyring.seal(JSON.stringify(entry.values), entry.name);
  return {
    name: entry.name,
    key_id: sealed.keyId,
    values: sealed.ciphertext,
    metadata: JSON.stringify(entry.metadata),
  };
}

async function updateEntry(
  store: SqlStore,
  entry: BackendEntry,
  options?: BackendCallOptions,
): Promise<void> {
  const { name, ...sealed } = sealedEntry(store, entry);
  const result = await executor(store, options)
    .updateTable('secret_values')
    .set({ ...sealed, updated_at: new Date() })
    .where('name', '=', name)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new NotFoundError(`Secret entry "${entry.name}" not found`);
}

/** `update` keeping the current values as a version first, in one statement. */
async function updateEntryKeeping(
  store: SqlStore,
  entry: BackendEntry,
  keep: { version: number; dropUpTo: number },
  options?: BackendCallOptions,
): Promise<void> {
  if (!(await updateKeeping(store.db, sealedEntry(store, entry), keep, options)))
    throw new NotFoundError(`Secret entry "${entry.name}" not found`);
}

async function deleteEntry(store: SqlStore, name: string, options?: BackendCallOptions): Promise<boolean> {
  await dropKeptVersions(executor(store, options), name);
  const result = await executor(store, options)
    .deleteFrom('secret_values')
    .where('name', '=', name)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

async function listEntries(
  store: SqlStore,
  query: BackendListQuery,
  options?: BackendCallOptions,
): Promise<BackendListPage> {
  const pageSize = Math.min(query.pageSize ?? 100, 1000);
  let q = executor(store, options).selectFrom('secret_values').select(['name', 'metadata']);
  if (query.namePrefix) q = q.where('name', 'like', `${query.namePrefix.replace(/[\\%_]/g, '\\$&')}%`);
  if (query.metadata && Object.keys(query.metadata).length) {
    q = q.where(sql<boolean>`metadata @> ${JSON.stringify(query.metadata)}::jsonb`);
  }
  if (query.withoutMetadataKey) q = q.where(sql<boolean>`not (metadata ? ${query.withoutMetadataKey})`);
  if (query.pageToken) q = q.where('name', '>', query.pageToken);
  const rows = await q
    .orderBy('name')
    .limit(pageSize + 1)
    .execute();
  const page = rows.slice(0, pageSize);
  return {
    entries: page,
    nextPageToken: rows.length > pageSize ? page[page.length - 1].name : undefined,
  };
}

/** Re-encrypts every entry and kept version not under the active key; returns how many changed. */
async function reseal(store: SqlStore, batch: number): Promise<number> {
  let total = 0;
  for (const table of ['secret_values', 'secret_value_versions'] as const) {
    for (;;) {
      const changed = await resealBatch(store.db, store.keyring, table, batch);
      total += changed;
      if (changed < batch) break;
    }
  }
  return total;
}

/** The default back-end: AES-256-GCM sealed JSON in Postgres, AAD = the entry name. */
export function createSqlBackend(
  db: Db,
  keyring: Keyring,
): SecretBackend & {
  reseal(batch?: number): Promise<number>;
  openSealed(row: SealedValuesRow): SecretValues;
} {
  const store: SqlStore = { db, keyring };
  return {
    kind: 'sql',
    create: (entry, options) => createMany(store, [entry], options),
    createMany: (entries, options) => createMany(store, entries, options),
    get: (name, options) => getEntry(store, name, options),
    getValues: (names, options) => getValues(store, names, options),
    update: (entry, options) => updateEntry(store, entry, options),
    delete: (name, options) => deleteEntry(store, name, options),
    list: (query, options) => listEntries(store, query, options),
    updateKeeping: (entry, keep, options) => updateEntryKeeping(store, entry, keep, options),
    getKeptVersion: (name, version, options) => getKeptVersion(db, keyring, name, version, options),
    dropKeptVersions: (name, upTo, options) => dropKeptVersions(executor(store, options), name, upTo),
    /** Re-encrypts every entry not under the active key; returns how many changed. */
    reseal: (batch = 500) => reseal(store, batch),
    /** Opens a row a lookup read with its secret (`secret_values` joined): the values, no query. */
    openSealed: (row) => openValues(keyring, row),
  };
}
