import type { Migration, MigrationItem } from './migration.js';
import { itemFromRow, migrationFromRow } from './migration.js';
import { groupedCommits, startBatch } from './migration-batch.js';
import { type Lease, startLeaseRenewal } from './migration-lease.js';
import * as repo from './migration-repository.js';
import type { JobRun, MigrationRunDeps } from './migration-run.js';
import { sweepSourceDeletions } from './migration-source-deletion.js';
import { countSourcesLeft } from './source-deletion-repository.js';
import { createWritePacer, writesPerSecondOf } from './write-pacer.js';

/** Items per transaction when the source back-end reads in batches (AWS BatchGetSecretValue: 20). */
const BATCH_SIZE = 20;

/**
 * Runs a claimed job to the end, or until it is cancelled, its lease is lost or the worker
 * stops (then another worker, or this one after a restart, resumes it). Each item is
 * idempotent, so a job taken over after a crash neither duplicates nor loses a secret.
 */
export async function runJob(deps: MigrationRunDeps, claimed: Migration, isStopped: () => boolean) {
  const lease = startLeaseRenewal(deps, claimed.id);
  try {
    await deps.progress.publish({ migration: claimed, item: null });
    const run = await openSource(deps, claimed);
    if (!run) return;
    const shouldStop = () => lease.cancelled || lease.lost || isStopped();
    await runBatchesInParallel(deps, run, shouldStop);
    if (run.job.deleteSource)
      await sweepSourceDeletions(deps, run, shouldStop, (items) => publishItems(deps, run, items));
    if (lease.lost || isStopped()) return;
    await finish(deps, run.job, lease);
  } finally {
    lease.stop();
  }
}

/**
 * Finds the job's owner and source secrets manager and lists its pending items. When the owner
 * or the component is gone, the job is finished as FAILED (published) and undefined returned.
 */
async function openSource(deps: MigrationRunDeps, job: Migration): Promise<JobRun | undefined> {
  const principal = await deps.tokens.findPrincipal(job.ownerId);
  const component = await deps.components.componentById(job.sourceComponentId);
  if (!principal || !component) {
    const row = await repo.finishJob(
      deps.db,
      job.id,
      'FAILED',
      'the source secrets manager or the owner no longer exists',
    );
    await deps.progress.publish({ migration: migrationFromRow(row), item: null });
    return undefined;
  }
  const manager = deps.managedSecrets.managerOfComponent(component);
  const queue = (await repo.listItems(deps.db, job.id, 'PENDING')).map(itemFromRow);
  const commits = groupedCommits(deps, () => run);
  const run: JobRun = {
    job: { ...job, status: 'RUNNING', done: job.total - queue.length },
    principal,
    manager,
    queue,
    // A back-end with a batch read serves a whole batch in one call; others one item per call.
    batchSize: manager.backend.getValues ? BATCH_SIZE : 1,
    loadMany: deps.managedSecrets.batchLoader(manager, deps.listings?.take(job.id)),
    pacing: {
      source: createWritePacer(writesPerSecondOf(component.flavor, deps.writesPerSecond)),
      store: createWritePacer(writesPerSecondOf(deps.storeKind, deps.writesPerSecond)),
    },
    commitGrouped: commits,
  };
  return run;
}

/**
 * `parallelism` loops take batches off the queue and load them until it is empty or
 * `shouldStop`; a loaded batch commits (grouped) and reports while its loop loads the next, with
 * at most twice `parallelism` batches loaded and not yet done.
 */
async function runBatchesInParallel(
  deps: MigrationRunDeps,
  run: JobRun,
  shouldStop: () => boolean,
): Promise<void> {
  const outcomes = new Set<Promise<void>>();
  const loop = async () => {
    for (;;) {
      if (shouldStop()) return;
      const batch = run.queue.splice(0, run.batchSize);
      if (batch.length === 0) return;
      const { outcome } = await startBatch(deps, run, batch);
      const reported = outcome.then((saved) => reportItems(deps, run, saved));
      outcomes.add(reported);
      // Done ones leave the set; a rejected one stays, so the race and the final wait reject.
      reported.then(
        () => outcomes.delete(reported),
        () => {},
      );
      while (outcomes.size >= 2 * deps.parallelism) await Promise.race(outcomes);
    }
  };
  await Promise.all(Array.from({ length: deps.parallelism }, loop));
  await Promise.all(outcomes);
}

/** Counts the saved items in the metrics and publishes one progress message per item. */
async function reportItems(deps: MigrationRunDeps, run: JobRun, saved: MigrationItem[]): Promise<void> {
  for (const item of saved) deps.metrics?.migrationItem(item.status);
  run.job = { ...run.job, done: run.job.done + saved.length };
  await publishItems(deps, run, saved);
}

/** Publishes one progress message per item (an item's source deletion is a change too). */
async function publishItems(deps: MigrationRunDeps, run: JobRun, items: MigrationItem[]): Promise<void> {
  await Promise.all(items.map((item) => deps.progress.publish({ migration: run.job, item })));
}

/**
 * Finishes the job from its items' counts — CANCELLED, FAILED (some item failed) or SUCCEEDED —
 * with its `migration.finish` event in the same transaction, then publishes the final state.
 */
async function finish(deps: MigrationRunDeps, job: Migration, lease: Pick<Lease, 'cancelled'>) {
  const counts = await repo.countItemsByStatus(deps.db, job.id);
  const sources = await countSourcesLeft(deps.db, job.id);
  const failed = counts.FAILED ?? 0;
  const cancelled = lease.cancelled;
  const problems = [
    ...(failed ? [`${failed} of ${job.total} items failed`] : []),
    ...(sources.left ? [`${sources.left} of ${sources.asked} sources could not be deleted and remain`] : []),
  ];
  const status = cancelled ? 'CANCELLED' : problems.length ? 'FAILED' : 'SUCCEEDED';
  const error = cancelled || !problems.length ? null : problems.join('; ');
  const finished = await deps.audit.audited(async (trx, record) => {
    const row = await repo.finishJob(trx, job.id, status, error);
    await record({
      actor: `migration:${job.id}`,
      action: 'migration.finish',
      outcome: status === 'SUCCEEDED' ? 'SUCCESS' : 'ERROR',
      target: { kind: 'migration', migrationId: job.id, status, counts },
    });
    return migrationFromRow(row);
  });
  await deps.progress.publish({ migration: finished, item: null });
}
