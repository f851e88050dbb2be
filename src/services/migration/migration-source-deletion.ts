import { AppError } from '../../errors.js';
import type { SecretsManager } from '../managed-secrets/managed-secrets-service.js';
import type { MigrationItem } from './migration.js';
import { itemFromRow } from './migration.js';
import type { JobRun, MigrationRunDeps } from './migration-run.js';
import * as repo from './source-deletion-repository.js';
import { killPoint } from './test-kill-point.js';

/** Attempts at deleting one source (over every process that runs the job) before it is FAILED. */
export const SOURCE_DELETE_ATTEMPTS = 20;
/** Deletions per step of a sweep. */
const SWEEP_BATCH = 20;
/** Pause before the n-th sweep of pending deletions: doubling from 50 ms up to 1 s, with jitter. */
const backoffMs = (round: number) => Math.min(1000, 50 * 2 ** round) * (0.5 + Math.random() / 2);

type DeletionDeps = Pick<MigrationRunDeps, 'db' | 'log' | 'managedSecrets'>;
type DeletionRun = Pick<JobRun, 'job' | 'manager' | 'pacing'>;

/**
 * Deletes the sources of committed, verified copies whose deletion is pending (`sourceDeleted`
 * false), each once, paced for the source back-end; records what happened after it happened:
 * deleted ones as DELETED, failed ones as one more attempt (FAILED at the bound). Returns the
 * items as they now stand. Never rejects: a deletion it could not record stays pending.
 */
export async function deleteSources(
  deps: DeletionDeps,
  run: DeletionRun,
  items: MigrationItem[],
): Promise<MigrationItem[]> {
  const pending = items.filter((item) => item.sourceDeleted === false);
  if (pending.length === 0) return items;
  const outcomes = await Promise.all(
    pending.map((item) =>
      deleteSource(deps, run, item.name).then(
        () => {
          killPoint('during-deletes');
          return { name: item.name, error: undefined };
        },
        (error: unknown) => ({ name: item.name, error: deletionError(error) }),
      ),
    ),
  );
  try {
    return await recordOutcomes(deps, run, items, outcomes);
  } catch (error) {
    deps.log.warn('migration could not record source deletions', {
      migrationId: run.job.id,
      error: (error as Error).message,
    });
    return items;
  }
}

async function recordOutcomes(
  deps: DeletionDeps,
  run: DeletionRun,
  items: MigrationItem[],
  outcomes: Array<{ name: string; error: string | undefined }>,
): Promise<MigrationItem[]> {
  const deleted = new Set(outcomes.filter((o) => o.error === undefined).map((o) => o.name));
  await repo.markSourcesDeleted(deps.db, run.job.id, [...deleted]);
  const failedNow = new Map<string, string>();
  for (const error of new Set(outcomes.flatMap((o) => (o.error ? [o.error] : [])))) {
    const names = outcomes.filter((o) => o.error === error).map((o) => o.name);
    const maxAttempts = SOURCE_DELETE_ATTEMPTS;
    for (const name of await repo.recordDeleteFailures(deps.db, run.job.id, { names, error, maxAttempts }))
      failedNow.set(name, error);
  }
  return items.map((item) => {
    if (deleted.has(item.name)) return { ...item, sourceDeleted: true };
    const error = failedNow.get(item.name);
    return error && item.error === null ? { ...item, error } : item;
  });
}

/** A failed deletion's recorded error: an AppError's message (never a back-end's own words). */
function deletionError(error: unknown): string {
  const detail = error instanceof AppError ? `: ${error.message}` : '';
  return `the source could not be deleted${detail}`;
}

/** Deletes a source secret's entries (named ones directly, else as listed), one paced write each. */
async function deleteSource(deps: DeletionDeps, run: DeletionRun, name: string): Promise<void> {
  const manager: SecretsManager = run.manager;
  const lookup = manager.scoping.entryLookup(manager.ctx, name);
  const entries =
    lookup.by === 'name'
      ? lookup.names
      : (await deps.managedSecrets.entriesOf(manager, name)).map((entry) => entry.name);
  await Promise.all(
    entries.map(async (entry) => {
      await run.pacing.source.take();
      await manager.backend.delete(entry);
    }),
  );
}

/**
 * Retries the job's pending source deletions (this run's failures, and a killed process's
 * copies whose sources it had not deleted) in rounds with backoff until none is pending or
 * `shouldStop`; `onChanged` gets the items whose state changed.
 */
export async function sweepSourceDeletions(
  deps: DeletionDeps & Pick<MigrationRunDeps, 'parallelism'>,
  run: DeletionRun,
  shouldStop: () => boolean,
  onChanged: (items: MigrationItem[]) => Promise<void>,
): Promise<void> {
  for (let round = 0; !shouldStop(); round += 1) {
    const rows = await repo.listPendingDeletions(deps.db, run.job.id);
    if (rows.length === 0) return;
    if (rows.some((row) => row.source_delete_attempts > 0))
      await new Promise((resolve) => setTimeout(resolve, backoffMs(round)));
    const queue = rows.map(itemFromRow);
    const loop = async () => {
      while (queue.length > 0 && !shouldStop()) {
        const after = await deleteSources(deps, run, queue.splice(0, SWEEP_BATCH));
        await onChanged(after.filter((item) => item.sourceDeleted === true || item.error !== null));
      }
    };
    await Promise.all(Array.from({ length: deps.parallelism }, loop));
  }
}
