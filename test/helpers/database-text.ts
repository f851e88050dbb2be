import { sql } from 'kysely';
import type { Db } from '../../src/database/database.js';

/** Every row of every table of the gateway's schema as text (to search for values that must be gone). */
export async function databaseText(db: Db): Promise<string> {
  const tables = await sql<{ table_name: string }>`select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db);
  const parts: string[] = [];
  for (const { table_name } of tables.rows) {
    const rows = await sql<{ row: string }>`select t::text as row from ${sql.table(table_name)} t`.execute(
      db,
    );
    parts.push(...rows.rows.map((r) => r.row));
  }
  return parts.join('\n');
}
