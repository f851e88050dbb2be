import { sql } from 'kysely';
import type { Executor } from '../../database/database.js';
import type { ComponentRow } from '../../database/tables/components-table.js';
import type { StackRow } from '../../database/tables/stacks-table.js';

/** `{{`, anything (ZenML allows leading spaces), the name, `.`, anything: LIKE's wildcards in the name escaped. */
function referencePattern(name: string): string {
  return `{{%${name.replace(/[\\%_]/g, (c) => `\\${c}`)}.%`;
}

/**
 * Component rows with a plain configuration value that may reference one of `names` (a
 * prefilter in SQL over the values, not the JSON text, so escaping cannot hide one; the
 * reference parser decides). References are never sealed, so the plain JSON holds them all.
 */
export async function componentsMentioning(db: Executor, names: string[]): Promise<ComponentRow[]> {
  if (names.length === 0) return [];
  const matches = sql.join(
    names.map((name) => sql`f.value like ${referencePattern(name)}`),
    sql` or `,
  );
  return db
    .selectFrom('components')
    .selectAll()
    .where(
      sql<boolean>`exists (select 1 from jsonb_each_text(components.configuration) as f where ${matches})`,
    )
    .orderBy('type')
    .orderBy('name')
    .execute();
}

/** The stack rows using each of the components, by component id (stacks by name). */
export async function stacksOfComponents(
  db: Executor,
  componentIds: string[],
): Promise<Array<StackRow & { component_id: string }>> {
  if (componentIds.length === 0) return [];
  return db
    .selectFrom('stack_components')
    .innerJoin('stacks', 'stacks.id', 'stack_components.stack_id')
    .selectAll('stacks')
    .select('stack_components.component_id')
    .where('stack_components.component_id', 'in', componentIds)
    .orderBy('stacks.name')
    .execute();
}
