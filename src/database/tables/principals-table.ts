import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

export interface PrincipalsTable {
  id: Generated<string>;
  name: string;
  role: string;
  created_at: ColumnType<Date, never, never>;
}
export type PrincipalRow = Selectable<PrincipalsTable>;
export type NewPrincipalRow = Insertable<PrincipalsTable>;
