import type { Keyring } from '../../crypto/keyring.js';
import type { Executor } from '../../database/database.js';
import type { StackRow } from '../../database/tables/stacks-table.js';
import { type Component, componentFromRow } from './component.js';
import { componentsOfStacks } from './stacks-repository.js';

/** A stack: a named set of components, at most one per type. */
export interface Stack {
  id: string;
  name: string;
  components: Component[];
  createdAt: Date;
  updatedAt: Date;
}

/** Stacks from their rows, with their components (sensitive values opened); one query for all components. */
export async function stacksFromRows(
  executor: Executor,
  keyring: Keyring,
  rows: StackRow[],
): Promise<Stack[]> {
  const components = await componentsOfStacks(
    executor,
    rows.map((r) => r.id),
  );
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    components: (components.get(row.id) ?? []).map((c) => componentFromRow(c, keyring)),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }));
}

/** The stack of one row (undefined for no row). */
export async function stackOfRow(
  executor: Executor,
  keyring: Keyring,
  row: StackRow | undefined,
): Promise<Stack | undefined> {
  if (!row) return undefined;
  return (await stacksFromRows(executor, keyring, [row]))[0];
}
