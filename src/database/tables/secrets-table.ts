import type { ColumnType, Generated, Selectable } from 'kysely';

/** Metadata of a secret in the centralized store; the values live in the store back-end. */
export interface SecretsTable {
  id: Generated<string>;
  name: string;
  scope: string;
  owner_id: string;
  schema: string;
  keys: ColumnType<string[], string, string>;
  version: number;
  origin: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  store: string;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date>;
}
export type SecretRow = Selectable<SecretsTable>;
