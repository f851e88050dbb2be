import { sql } from 'kysely';
import type { Keyring } from '../../crypto/keyring.js';
import type { Db, Executor } from '../../database/database.js';
import { AlreadyExistsError, NotFoundError } from '../../errors.js';
import type { BackendCallOptions, BackendEntry, SecretBackend } from '../backend.js';

/** Postgres SQLSTATE of a unique constraint violation. */
const UNIQUE_VIOLATION = '23505';

/** The default back-end: AES-256-GCM sealed JSON in Postgres, AAD = the entry name. */
export function createSqlBackend(
  db: Db,
  keyring: Keyring,
): SecretBackend & { reseal(batch?: number): Promise<number> } {
  const executor = (options?: BackendCallOptions): Executor => options?.trx ?? db;

  function open(row: {
    name: string;
    key_id: string;
    values: string;
    metadata: Record<string, string>;
  }): BackendEntry {
    const values = JSON.parse(keyring.open({ keyId: row.key_id, ciphertext: row.values }, row.name));
    return { name: row.name, values, metadata: row.metadata };
  }

  async function createMany(entries: BackendEntry[], options?: BackendCallOptions): Promise<void> {
    const rows = entries.map((entry) => {
      const sealed = keyring.seal(JSON.stringify(entry.values), entry.name);
      return {
        name: entry.name,
        key_id: sealed.keyId,
        values: sealed.ciphertext,
        metadata: JSON.stringify(entry.metadata),
      };
    });
    // One statement: all rows or none; a taken name fails it with a unique violation.
    try {
      await executor(options).insertInto('secret_values').values(rows).execute();
    } catch (error) {
      if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
      throw new AlreadyExistsError(
        entries.length === 1
          ? `Secret entry "${entries[0].name}" already exists`
          : 'A secret entry already exists',
      );
    }
  }

  return {
    kind: 'sql',
    create: (entry, options) => createMany([entry], options),
    createMany,
    async get(name, options) {
      const row = await executor(options)
        .selectFrom('secret_values')
        .selectAll()
        .where('name', '=', name)
        .executeTakeFirst();
      return row && open(row);
    },
    async getValues(names, options) {
      const found = new Map<string, Record<string, string>>();
      for (let i = 0; i < names.length; i += 1000) {
        const rows = await executor(options)
          .selectFrom('secret_values')
          .selectAll()
          .where('name', 'in', names.slice(i, i + 1000))
          .execute();
        for (const row of rows) found.set(row.name, open(row).values);
      }
      return found;
    },
    async update(entry, options) {
      const sealed = keyring.seal(JSON.stringify(entry.values), entry.name);
      const result = await executor(options)
        .updateTable('secret_values')
        .set({
          key_id: sealed.keyId,
          values: sealed.ciphertext,
          metadata: JSON.stringify(entry.metadata),
          updated_at: new Date(),
        })
        .where('name', '=', entry.name)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0)
        throw new NotFoundError(`Secret entry "${entry.name}" not found`);
    },
    async delete(name, options) {
      const result = await executor(options)
        .deleteFrom('secret_values')
        .where('name', '=', name)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async list(query, options) {
      const pageSize = Math.min(query.pageSize ?? 100, 1000);
      let q = executor(options).selectFrom('secret_values').select(['name', 'metadata']);
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
    },
    /** Re-encrypts every entry not under the active key; returns how many changed. */
    async reseal(batch = 500) {
      let total = 0;
      for (;;) {
        const changed = await db.transaction().execute(async (trx) => {
          const rows = await trx
            .selectFrom('secret_values')
            .selectAll()
            .where('key_id', '!=', keyring.activeKeyId)
            .limit(batch)
            .forUpdate()
            .skipLocked()
            .execute();
          for (const row of rows) {
            const plain = keyring.open({ keyId: row.key_id, ciphertext: row.values }, row.name);
            const sealed = keyring.seal(plain, row.name);
            await trx
              .updateTable('secret_values')
              .set({ key_id: sealed.keyId, values: sealed.ciphertext })
              .where('name', '=', row.name)
              .execute();
          }
          return rows.length;
        });
        total += changed;
        if (changed < batch) return total;
      }
    },
  };
}
