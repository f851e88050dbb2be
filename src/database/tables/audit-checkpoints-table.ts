import type { ColumnType, Generated, Selectable } from 'kysely';

/** A signed checkpoint of the audit chain (the signing key is never in the database). */
export interface AuditCheckpointsTable {
  id: Generated<string>;
  last_event_id: ColumnType<string, number | string, never>;
  last_hash: string;
  at: ColumnType<Date, Date | undefined, never>;
  /** base64 Ed25519 signature of `sgw-audit-checkpoint/v1\n<last_event_id>\n<last_hash>`. */
  signature: string;
}
export type AuditCheckpointRow = Selectable<AuditCheckpointsTable>;

/** One row (id 1): the last checkpoint `verifyAuditChain` found intact, and its sweep of older events. */
export interface AuditVerificationTable {
  id: number;
  checkpoint_id: ColumnType<string, number | string, number | string>;
  last_event_id: ColumnType<string, number | string, number | string>;
  last_hash: string;
  /** The re-check of events before the checkpoint goes on after this id (0: from the start). */
  sweep_after: ColumnType<string, number | string, number | string>;
  verified_at: ColumnType<Date, Date | undefined, Date | undefined>;
}
