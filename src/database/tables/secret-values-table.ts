import type { ColumnType, Selectable } from 'kysely';

/** The SQL secrets back-end: one encrypted entry per backend name (AAD = name). */
export interface SecretValuesTable {
  name: string;
  key_id: string;
  /** base64(iv ‖ tag ‖ AES-256-GCM ciphertext) of the JSON values. */
  values: string;
  metadata: ColumnType<Record<string, string>, string, string>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}
export type SecretValuesRow = Selectable<SecretValuesTable>;
