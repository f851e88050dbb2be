import type { ColumnType, Generated, Selectable } from 'kysely';

export interface ComponentsTable {
  id: Generated<string>;
  type: string;
  name: string;
  flavor: string;
  /** Configuration with sensitive plain values removed (references stay as text). */
  configuration: ColumnType<Record<string, unknown>, string, string>;
  /** Sensitive plain values as sealed JSON (AAD = component id), or null when none. */
  sensitive_ciphertext: string | null;
  sensitive_key_id: string | null;
  /** The principal that last registered or updated the configuration; null: nobody (WORKSPACE references only). */
  owner_id: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date>;
}
export type ComponentRow = Selectable<ComponentsTable>;
