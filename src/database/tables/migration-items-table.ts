import type { ColumnType, Selectable } from 'kysely';

export interface MigrationItemsTable {
  job_id: string;
  position: number;
  name: string;
  target_name: string;
  status: string;
  error: string | null;
  /** null (not asked), PENDING, DELETED or FAILED (db/migrations/0005). */
  source_deletion: string | null;
  source_delete_attempts: ColumnType<number, number | undefined, number>;
  source_delete_error: string | null;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}
export type MigrationItemRow = Selectable<MigrationItemsTable>;
