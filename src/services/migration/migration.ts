import type { MigrationItemRow } from '../../database/tables/migration-items-table.js';
import type { MigrationJobRow } from '../../database/tables/migration-jobs-table.js';
import type { SecretScope } from '../secrets/secret.js';

export const CONFLICT_POLICIES = ['SKIP', 'OVERWRITE', 'FAIL'] as const;
export type ConflictPolicy = (typeof CONFLICT_POLICIES)[number];
export const MIGRATION_STATUSES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type MigrationStatus = (typeof MIGRATION_STATUSES)[number];
export const ITEM_STATUSES = [
  'PENDING',
  'MIGRATED',
  'IDENTICAL',
  'SKIPPED',
  'OVERWRITTEN',
  'RENAMED',
  'FAILED',
] as const;
export type MigrationItemStatus = (typeof ITEM_STATUSES)[number];
export const TERMINAL: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** A migration job (without its items). */
export interface Migration {
  id: string;
  status: MigrationStatus;
  stackName: string;
  sourceComponentId: string;
  ownerId: string;
  targetScope: SecretScope;
  onConflict: ConflictPolicy;
  renames: Record<string, string>;
  deleteSource: boolean;
  total: number;
  done: number;
  error: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
}

export interface MigrationItem {
  name: string;
  targetName: string;
  status: MigrationItemStatus;
  error: string | null;
  /**
   * Whether the source is deleted: null when no deletion was asked (no `deleteSource`, or the
   * item was not copied), false while its deletion is pending or once it failed, true once done.
   */
  sourceDeleted: boolean | null;
}

/** How an item's source deletion stands (migration_items.source_deletion). */
export type SourceDeletion = 'PENDING' | 'DELETED' | 'FAILED';

/** One progress message: the job's state and the item that changed (if any). */
export interface MigrationProgress {
  migration: Migration;
  item: MigrationItem | null;
}

export function migrationFromRow(row: MigrationJobRow): Migration {
  return {
    id: row.id,
    status: row.status as MigrationStatus,
    stackName: row.stack_name,
    sourceComponentId: row.source_component_id,
    ownerId: row.owner_id,
    targetScope: row.target_scope as SecretScope,
    onConflict: row.on_conflict as ConflictPolicy,
    renames: row.renames,
    deleteSource: row.delete_source,
    total: row.total,
    done: row.done,
    error: row.error,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    createdAt: row.created_at,
  };
}

export function itemFromRow(row: MigrationItemRow): MigrationItem {
  return {
    name: row.name,
    targetName: row.target_name,
    status: row.status as MigrationItemStatus,
    // A failed source deletion is the item's error (its own status stays what the copy was).
    error: row.error ?? (row.source_deletion === 'FAILED' ? row.source_delete_error : null),
    sourceDeleted: row.source_deletion === null ? null : row.source_deletion === 'DELETED',
  };
}

/** JSON-safe form for the event bus, and back. */
export function progressToMessage(progress: MigrationProgress): unknown {
  return JSON.parse(JSON.stringify(progress));
}

export function progressFromMessage(message: unknown): MigrationProgress {
  const p = message as MigrationProgress;
  const dates = (value: unknown) => (value ? new Date(value as string) : null);
  return {
    item: p.item,
    migration: {
      ...p.migration,
      startedAt: dates(p.migration.startedAt),
      finishedAt: dates(p.migration.finishedAt),
      createdAt: new Date(p.migration.createdAt as unknown as string),
    },
  };
}
