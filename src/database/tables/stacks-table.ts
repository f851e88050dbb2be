import type { ColumnType, Generated, Selectable } from 'kysely';

export interface StacksTable {
  id: Generated<string>;
  name: string;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date>;
}
export type StackRow = Selectable<StacksTable>;
