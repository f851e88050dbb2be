import type { ColumnType, Selectable } from 'kysely';

/** One version of a secret (migration 0011), the current one included; never its values. */
export interface SecretVersionsTable {
  secret_id: string;
  version: number;
  created_at: ColumnType<Date, Date | undefined, never>;
  actor: string;
  keys: ColumnType<string[], string, string>;
  changed_keys: ColumnType<string[], string, string>;
  /** Stores with versions: the back-end version holding this version's values. */
  store_version: string | null;
}
export type SecretVersionRow = Selectable<SecretVersionsTable>;
