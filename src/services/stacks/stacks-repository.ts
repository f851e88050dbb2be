import type { Executor } from '../../database/database.js';
import type { ComponentRow } from '../../database/tables/components-table.js';
import type { StackRow } from '../../database/tables/stacks-table.js';

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

/** The stack row of that name, if any. */
export function findStack(db: Executor, name: string): Promise<StackRow | undefined> {
  return db.selectFrom('stacks').selectAll().where('name', '=', name).executeTakeFirst();
}

/** The stack row with that id, if any. */
export function findStackById(db: Executor, id: string): Promise<StackRow | undefined> {
  return db.selectFrom('stacks').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every stack row, by name. */
export function listStacks(db: Executor): Promise<StackRow[]> {
  return db.selectFrom('stacks').selectAll().orderBy('name').execute();
}

/** Inserts a stack row; throws on a duplicate name. */
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

/** Deletes a stack row (its component links and active-stack rows go with it). */
export async function deleteStack(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('stacks').where('id', '=', id).execute();
}

/** Sets a principal's active stack. */
export async function setActiveStack(db: Executor, principalId: string, stackId: string): Promise<void> {
  await db
    .insertInto('active_stacks')
    .values({ principal_id: principalId, stack_id: stackId })
    .onConflict((oc) => oc.column('principal_id').doUpdateSet({ stack_id: stackId }))
    .execute();
}

/** The id of a principal's active stack, if set. */
export async function findActiveStackId(db: Executor, principalId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('active_stacks')
    .select('stack_id')
    .where('principal_id', '=', principalId)
    .executeTakeFirst();
  return row?.stack_id;
}
