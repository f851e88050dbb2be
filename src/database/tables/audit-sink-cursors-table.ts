import type { ColumnType } from 'kysely';

/** Where each audit sink stands (db/migrations/0008): its cursor, its lease, its last error. */
export interface AuditSinkCursorsTable {
  /** The sink: `file` or `webhook`. */
  name: string;
  /** The last event id the sink delivered (0: none yet). */
  last_id: ColumnType<string, number | string | undefined, number | string>;
  /** The replica driving the sink, while its lease runs. */
  owner: string | null;
  lease_until: Date | null;
  /** Why the last delivery attempt failed (never a value, a URL or the webhook secret). */
  last_error: string | null;
}
