import type { ColumnType, Generated, Selectable } from 'kysely';

export interface MigrationJobsTable {
  id: Generated<string>;
  status: string;
  stack_name: string;
  source_component_id: string;
  owner_id: string;
  target_scope: string;
  on_conflict: string;
  renames: ColumnType<Record<string, string>, string, string>;
  delete_source: boolean;
  total: number;
  done: ColumnType<number, number | undefined, number>;
  error: string | null;
  cancel_requested: ColumnType<boolean, boolean | undefined, boolean>;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  created_at: ColumnType<Date, never, never>;
  started_at: Date | null;
  finished_at: Date | null;
}
export type MigrationJobRow = Selectable<MigrationJobsTable>;
