import type { ColumnType, Generated, Selectable } from 'kysely';

export interface AuditEventsTable {
  /** Gapless, strictly increasing in commit order (assigned under the chain head lock). */
  id: ColumnType<string, number | string, never>;
  at: ColumnType<Date, Date, never>;
  actor: string;
  action: string;
  outcome: string;
  target: ColumnType<Record<string, unknown>, string, never>;
  value_fingerprints: ColumnType<Record<string, string> | null, string | null, never>;
  prev_hash: string;
  hash: string;
  /** Rows written since migration 0012 are stored true: `audit_unpublished` lists those not yet sent. */
  published: ColumnType<boolean, boolean | undefined, boolean>;
}
export type AuditEventRow = Selectable<AuditEventsTable>;

export interface AuditHeadTable {
  id: number;
  last_id: ColumnType<string, number | string, number | string>;
  last_hash: string;
}

/** Events committed with their change, waiting to be chained (see the audit service). */
export type AuditPendingTable = Pick<
  AuditEventsTable,
  'at' | 'actor' | 'action' | 'outcome' | 'target' | 'value_fingerprints'
> & { seq: Generated<string> };
export type AuditPendingRow = Omit<Selectable<AuditPendingTable>, 'seq'>;

/** Ids of events committed but not yet sent on the live feed (the outbox and the relay delete them once sent). */
export interface AuditUnpublishedTable {
  id: ColumnType<string, number | string, never>;
}
