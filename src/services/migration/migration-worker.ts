import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { type Migration, migrationFromRow } from './migration.js';
import { runJob } from './migration-job-runner.js';
import * as repo from './migration-repository.js';
import type { MigrationRunDeps } from './migration-run.js';

export interface MigrationWorkerDeps extends Omit<MigrationRunDeps, 'owner'> {
  /** How often to look for work besides `kick` (default 1 s). */
  pollMs?: number;
}

/**
 * Runs migration jobs: claims one with a lease (FOR UPDATE SKIP LOCKED) and runs it
 * (migration-job-runner.ts), then the next, until none is left; looks again on `kick` and every
 * poll interval. A failure of the loop itself is logged and the next kick starts over.
 */
export function createMigrationWorker(deps: MigrationWorkerDeps) {
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const runDeps: MigrationRunDeps = { ...deps, owner };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const isStopped = () => stopped;

  /** Looks for work now (no-op while a drain runs or once stopped). */
  function kick(): void {
    if (running || stopped) return;
    running = drain(runDeps, isStopped)
      .catch((error) => deps.log.warn('migration worker failed', { error: (error as Error).message }))
      .finally(() => {
        running = undefined;
      });
  }

  return {
    owner,
    kick,
    /** Kicks now and then every poll interval. */
    start() {
      stopped = false;
      kick();
      timer = setInterval(kick, deps.pollMs ?? 1000);
      timer.unref();
    },
    /** Stops polling and waits for the running job to stop between batches. */
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running;
    },
  };
}

export type MigrationWorker = ReturnType<typeof createMigrationWorker>;

/** Claims and runs jobs until none is left or the worker stops. */
async function drain(deps: MigrationRunDeps, isStopped: () => boolean): Promise<void> {
  while (!isStopped()) {
    const row = await repo.claimJob(deps.db, deps.owner, deps.leaseMs);
    if (!row) return;
    const job = migrationFromRow(row);
    if (job.status !== 'RUNNING') {
      await finishCancelled(deps, job);
      continue;
    }
    deps.log.info('migration claimed', { migrationId: job.id, owner: deps.owner });
    await runJob(deps, job, isStopped);
  }
}

/** A job cancelled before it started: finished as CANCELLED, and the state published. */
async function finishCancelled(deps: MigrationRunDeps, job: Migration): Promise<void> {
  const finished = await repo.finishJob(deps.db, job.id, 'CANCELLED', null);
  await deps.progress.publish({ migration: migrationFromRow(finished), item: null });
}
