import type { Executor } from '../../database/database.js';
import type { ComponentRow } from '../../database/tables/components-table.js';

/** A component as stored: plain configuration JSON and the sealed sensitive values. */
export interface ComponentRecord {
  id: string;
  type: string;
  name: string;
  flavor: string;
  configuration: Record<string, unknown>;
  sensitiveCiphertext: string | null;
  sensitiveKeyId: string | null;
  /** The principal registering or updating it (null: nobody's). */
  ownerId: string | null;
}

/** The component row of that type and name, if any. */
export function findComponent(db: Executor, type: string, name: string): Promise<ComponentRow | undefined> {
  return db
    .selectFrom('components')
    .selectAll()
    .where('type', '=', type)
    .where('name', '=', name)
    .executeTakeFirst();
}

/** The component row with that id, if any. */
export function findComponentById(db: Executor, id: string): Promise<ComponentRow | undefined> {
  return db.selectFrom('components').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every component row of that name (one per type at most). */
export function findComponentsByName(db: Executor, name: string): Promise<ComponentRow[]> {
  return db.selectFrom('components').selectAll().where('name', '=', name).execute();
}

/** Every component row (of one type when given), by type then name. */
export function listComponents(db: Executor, type?: string | null): Promise<ComponentRow[]> {
  let query = db.selectFrom('components').selectAll();
  if (type) query = query.where('type', '=', type);
  return query.orderBy('type').orderBy('name').execute();
}

/** Inserts a component row; throws on a duplicate (type, name). */
export async function insertComponent(db: Executor, c: ComponentRecord): Promise<ComponentRow> {
  return db
    .insertInto('components')
    .values({
      id: c.id,
      type: c.type,
      name: c.name,
      flavor: c.flavor,
      configuration: JSON.stringify(c.configuration),
      sensitive_ciphertext: c.sensitiveCiphertext,
      sensitive_key_id: c.sensitiveKeyId,
      owner_id: c.ownerId,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Replaces a component's configuration, sealed values and owner; throws when the row is gone. */
export async function updateComponent(db: Executor, c: ComponentRecord): Promise<ComponentRow> {
  return db
    .updateTable('components')
    .set({
      configuration: JSON.stringify(c.configuration),
      sensitive_ciphertext: c.sensitiveCiphertext,
      sensitive_key_id: c.sensitiveKeyId,
      owner_id: c.ownerId,
      updated_at: new Date(),
    })
    .where('id', '=', c.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Deletes a component row (no-op when absent). */
export async function deleteComponent(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('components').where('id', '=', id).execute();
}

/** Every component row holding sealed sensitive values (for key rotation). */
export function componentsWithSealedValues(
  db: Executor,
  notKeyId: string,
  limit: number,
): Promise<ComponentRow[]> {
  return db
    .selectFrom('components')
    .selectAll()
    .where('sensitive_ciphertext', 'is not', null)
    .where('sensitive_key_id', '!=', notKeyId)
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

/** Replaces a component's sealed values (after re-sealing under another key). */
export async function updateComponentSealed(
  db: Executor,
  id: string,
  ciphertext: string,
  keyId: string,
): Promise<void> {
  await db
    .updateTable('components')
    .set({ sensitive_ciphertext: ciphertext, sensitive_key_id: keyId })
    .where('id', '=', id)
    .execute();
}
