import type { ColumnType, Selectable } from 'kysely';

/** A remote-store write journaled before it happens (migration 0006); removed by its metadata commit. */
export interface StoreWriteIntentsTable {
  id: string;
  secret_id: string;
  /** The entry's backend-native name. */
  entry_name: string;
  /** `create` (a new entry), `update` (a new version of an entry) or `delete` (after the row's commit). */
  kind: string;
  created_at: ColumnType<Date, Date | undefined, never>;
}
export type StoreWriteIntentRow = Selectable<StoreWriteIntentsTable>;

/** Who collects orphans now (one replica at a time), and until when. */
export interface StoreCollectorLeaseTable {
  name: string;
  holder: string;
  expires_at: Date;
}
