import type { Principal } from '../../auth/principal.js';
import type { MigrationProgress } from './migration.js';
import {
  cancelMigration,
  getMigration,
  listMigrations,
  type MigrationJobsDeps,
  migrationItems,
  requireJob,
} from './migration-jobs.js';
import { type MigrationPlanArgs, type MigrationPlanDeps, planMigration } from './migration-plan.js';
import type { ProgressFeed } from './migration-progress.js';
import { type MigrationStartDeps, type StartMigrationInput, startMigration } from './migration-start.js';

export interface MigrationServiceDeps extends MigrationJobsDeps {
  audit: MigrationStartDeps['audit'];
  managedSecrets: MigrationPlanDeps['managedSecrets'] & MigrationStartDeps['managedSecrets'];
  storedSecrets: MigrationPlanDeps['storedSecrets'];
  progress: Pick<ProgressFeed, 'publish' | 'watch'>;
  listings?: MigrationStartDeps['listings'];
  /** Wakes this process's worker when a job is queued. */
  onQueued?: () => void;
}

/** Server-side migration of secrets-manager secrets into the centralized store (a worker runs the jobs). */
export function createMigrationService(deps: MigrationServiceDeps) {
  return {
    plan: (principal: Principal, args: MigrationPlanArgs) => planMigration(deps, principal, args),
    start: (principal: Principal, input: StartMigrationInput) => startMigration(deps, principal, input),
    get: (principal: Principal, id: string) => getMigration(deps, principal, id),
    list: (principal: Principal) => listMigrations(deps, principal),
    items: (id: string) => migrationItems(deps.db, id),
    cancel: (principal: Principal, id: string) => cancelMigration(deps, principal, id),
    progress: (principal: Principal, id: string) => watchMigration(deps, principal, id),
  };
}

export type MigrationService = ReturnType<typeof createMigrationService>;

/** The current state first, then every change until the job is finished; needs `migration.run`. */
async function* watchMigration(
  deps: MigrationServiceDeps,
  principal: Principal,
  id: string,
): AsyncGenerator<MigrationProgress> {
  await deps.authorize(principal, 'migration.run', {
    action: 'migration.watch',
    target: { kind: 'migration', migrationId: id },
  });
  yield* deps.progress.watch(id, () => requireJob(deps.db, id));
}
