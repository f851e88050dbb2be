import type { ColumnType, Selectable } from 'kysely';

export interface MigrationItemsTable {
  job_id: string;
  position: number;
  name: string;
  target_name: string;
  status: string;
  error: string | null;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}
export type MigrationItemRow = Selectable<MigrationItemsTable>;
