import type { Executor } from '../../database/database.js';
import type { ComponentRow } from '../../database/tables/components-table.js';
import type { StackRow } from '../../database/tables/stacks-table.js';

export interface ComponentRecord {
  id: string;
  type: string;
  name: string;
  flavor: string;
  configuration: Record<string, unknown>;
  sensitiveCiphertext: string | null;
  sensitiveKeyId: string | null;
}

export function findComponent(db: Executor, type: string, name: string): Promise<ComponentRow | undefined> {
  return db
    .selectFrom('components')
    .selectAll()
    .where('type', '=', type)
    .where('name', '=', name)
    .executeTakeFirst();
}

export function findComponentById(db: Executor, id: string): Promise<ComponentRow | undefined> {
  return db.selectFrom('components').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findComponentsByName(db: Executor, name: string): Promise<ComponentRow[]> {
  return db.selectFrom('components').selectAll().where('name', '=', name).execute();
}

export function listComponents(db: Executor, type?: string | null): Promise<ComponentRow[]> {
  let query = db.selectFrom('components').selectAll();
  if (type) query = query.where('type', '=', type);
  return query.orderBy('type').orderBy('name').execute();
}

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
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateComponent(db: Executor, c: ComponentRecord): Promise<ComponentRow> {
  return db
    .updateTable('components')
    .set({
      configuration: JSON.stringify(c.configuration),
      sensitive_ciphertext: c.sensitiveCiphertext,
      sensitive_key_id: c.sensitiveKeyId,
      updated_at: new Date(),
    })
    .where('id', '=', c.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteComponent(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('components').where('id', '=', id).execute();
}

/** Names of the stacks that use a component. */
export async function stacksUsingComponent(db: Executor, componentId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('stack_components')
    .innerJoin('stacks', 'stacks.id', 'stack_components.stack_id')
    .select('stacks.name')
    .where('stack_components.component_id', '=', componentId)
    .orderBy('stacks.name')
    .execute();
  return rows.map((r) => r.name);
}

export function findStack(db: Executor, name: string): Promise<StackRow | undefined> {
  return db.selectFrom('stacks').selectAll().where('name', '=', name).executeTakeFirst();
}

export function findStackById(db: Executor, id: string): Promise<StackRow | undefined> {
  return db.selectFrom('stacks').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listStacks(db: Executor): Promise<StackRow[]> {
  return db.selectFrom('stacks').selectAll().orderBy('name').execute();
}

export function insertStack(db: Executor, name: string): Promise<StackRow> {
  return db.insertInto('stacks').values({ name }).returningAll().executeTakeFirstOrThrow();
}

/** Replaces a stack's components. */
export async function setStackComponents(
  db: Executor,
  stackId: string,
  components: Array<{ id: string; type: string }>,
): Promise<void> {
  await db.deleteFrom('stack_components').where('stack_id', '=', stackId).execute();
  if (components.length) {
    await db
      .insertInto('stack_components')
      .values(components.map((c) => ({ stack_id: stackId, component_id: c.id, type: c.type })))
      .execute();
  }
  await db.updateTable('stacks').set({ updated_at: new Date() }).where('id', '=', stackId).execute();
}

/** Component rows of each stack, by stack id. */
export async function componentsOfStacks(
  db: Executor,
  stackIds: string[],
): Promise<Map<string, ComponentRow[]>> {
  const result = new Map<string, ComponentRow[]>(stackIds.map((id) => [id, []]));
  if (stackIds.length === 0) return result;
  const rows = await db
    .selectFrom('stack_components')
    .innerJoin('components', 'components.id', 'stack_components.component_id')
    .selectAll('components')
    .select('stack_components.stack_id')
    .where('stack_components.stack_id', 'in', stackIds)
    .orderBy('components.type')
    .execute();
  for (const { stack_id, ...row } of rows) result.get(stack_id)?.push(row);
  return result;
}

export async function deleteStack(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('stacks').where('id', '=', id).execute();
}

export async function setActiveStack(db: Executor, principalId: string, stackId: string): Promise<void> {
  await db
    .insertInto('active_stacks')
    .values({ principal_id: principalId, stack_id: stackId })
    .onConflict((oc) => oc.column('principal_id').doUpdateSet({ stack_id: stackId }))
    .execute();
}

export async function findActiveStackId(db: Executor, principalId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('active_stacks')
    .select('stack_id')
    .where('principal_id', '=', principalId)
    .executeTakeFirst();
  return row?.stack_id;
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
