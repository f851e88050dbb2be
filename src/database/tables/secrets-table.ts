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
  /** Back-end version holding the committed values (migration 0006); null: the entry's current. */
  store_version: ColumnType<string | null, string | null | undefined, string | null>;
  /** Deleted, restorable until `purge_at` (migration 0011); null: a live secret. */
  deleted_at: ColumnType<Date | null, never, Date | null>;
  purge_at: ColumnType<Date | null, never, Date | null>;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date>;
}
export type SecretRow = Selectable<SecretsTable>;
