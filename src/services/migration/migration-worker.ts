import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Transaction } from 'kysely';
import type { Principal } from '../../auth/principal.js';
import type { SecretValues } from '../../backends/backend.js';
import type { Database, Db } from '../../database/database.js';
import { AppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { sameSecretValues } from '../../schemas/secret-values-input.js';
import type { AuditService, RecordAudit } from '../audit/audit-service.js';
import type { ManagedSecretsService, SecretsManager } from '../managed-secrets/managed-secrets-service.js';
import type { Secret } from '../secrets/secret.js';
import type { SecretsService } from '../secrets/secrets-service.js';
import type { StacksService } from '../stacks/stacks-service.js';
import type { TokensService } from '../tokens/tokens-service.js';
import {
  itemFromRow,
  type Migration,
  type MigrationItem,
  type MigrationItemStatus,
  migrationFromRow,
} from './migration.js';
import * as repo from './migration-repository.js';
import type { MigrationService } from './migration-service.js';

export interface MigrationWorkerDeps {
  db: Db;
  log: Logger;
  audit: Pick<AuditService, 'audited'>;
  secrets: Pick<SecretsService, 'findInScope' | 'storedValues' | 'createValidated' | 'replaceValidated'>;
  managedSecrets: Pick<ManagedSecretsService, 'managerOfStack' | 'load' | 'entriesOf' | 'target'>;
  stacks: Pick<StacksService, 'componentById'>;
  tokens: Pick<TokensService, 'findPrincipal'>;
  migrations: Pick<MigrationService, 'publish'>;
  parallelism: number;
  leaseMs: number;
  pollMs?: number;
}

const COPIED: ReadonlySet<MigrationItemStatus> = new Set(['MIGRATED', 'RENAMED', 'OVERWRITTEN', 'IDENTICAL']);

/** Thrown inside an item's transaction when the copy read back differs from the source. */
class VerificationError extends Error {}

/**
 * Runs migration jobs: claims one with a lease (FOR UPDATE SKIP LOCKED), renews it while
 * running, and runs its pending items with bounded parallelism. Each item is idempotent —
 * copy, read back, compare, then (optionally) delete the source — so a job taken over after
 * a crash resumes without duplicating or losing a secret.
 */
export function createMigrationWorker(deps: MigrationWorkerDeps) {
  const { db, log } = deps;
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  /** Saves an item's outcome with its `migration.progress` event (in `executor`'s transaction if given). */
  async function saveItem(
    job: Migration,
    item: MigrationItem,
    values: SecretValues | undefined,
    executor?: { trx: Transaction<Database>; record: RecordAudit },
  ): Promise<MigrationItem> {
    const write = async (trx: Transaction<Database>, record: RecordAudit) => {
      await repo.saveItem(trx, job.id, item);
      await record({
        actor: `migration:${job.id}`,
        action: 'migration.progress',
        outcome: item.status === 'FAILED' ? 'ERROR' : 'SUCCESS',
        target: {
          kind: 'migration',
          migrationId: job.id,
          worker: owner,
          name: item.name,
          targetName: item.targetName,
          status: item.status,
          error: item.error,
        },
        values,
      });
      return item;
    };
    if (executor) return write(executor.trx, executor.record);
    return deps.audit.audited((trx, record) => write(trx, record));
  }

  /** Copies one secret and verifies it; returns the saved job state. */
  async function runItem(
    job: Migration,
    owner: Principal,
    manager: SecretsManager,
    pending: MigrationItem,
  ): Promise<MigrationItem> {
    const item: MigrationItem = { ...pending };
    const renamed = item.targetName !== item.name;
    const origin = {
      migrationId: job.id,
      stack: job.stackName,
      component: manager.component.name,
      componentId: manager.component.id,
      flavor: manager.component.flavor,
      scope: manager.ctx.scope,
      ...(manager.ctx.namespace ? { namespace: manager.ctx.namespace } : {}),
      secretName: item.name,
    };
    try {
      const source = await deps.managedSecrets.load(manager, item.name);
      const existing = await deps.secrets.findInScope(owner, item.targetName, job.targetScope);
      const ours = existing?.origin?.migrationId === job.id;
      let status: MigrationItemStatus;
      let saved: MigrationItem | undefined;
      const onCopied =
        (copied: MigrationItemStatus, values: SecretValues) =>
        async (secret: Secret, trx: Transaction<Database>, record: RecordAudit) => {
          const readBack = await deps.secrets.storedValues(secret, trx);
          if (!sameSecretValues(readBack, values))
            throw new VerificationError('the copy read back from the store differs from the source');
          saved = await saveItem(job, { ...item, status: copied, error: null }, values, { trx, record });
        };
      if (!source) {
        if (!ours) throw new VerificationError('the source secret no longer exists');
        status = renamed ? 'RENAMED' : 'MIGRATED'; // copied and source deleted by an earlier attempt
      } else if (!existing) {
        status = renamed ? 'RENAMED' : 'MIGRATED';
        await deps.secrets.createValidated(
          owner,
          {
            name: item.targetName,
            scope: job.targetScope,
            schema: source.schema,
            values: source.values,
            origin,
          },
          onCopied(status, source.values),
        );
      } else {
        const stored = await deps.secrets.storedValues(existing);
        if (sameSecretValues(stored, source.values))
          status = ours ? (renamed ? 'RENAMED' : 'MIGRATED') : 'IDENTICAL';
        else if (ours || job.onConflict === 'OVERWRITE') {
          status = ours ? (renamed ? 'RENAMED' : 'MIGRATED') : 'OVERWRITTEN';
          await deps.secrets.replaceValidated(
            owner,
            existing,
            { schema: source.schema, values: source.values, origin },
            onCopied(status, source.values),
          );
        } else if (job.onConflict === 'SKIP') status = 'SKIPPED';
        else {
          throw new VerificationError(
            `a ${job.targetScope} secret named "${item.targetName}" exists with other values`,
          );
        }
      }
      if (job.deleteSource && source && COPIED.has(status)) {
        for (const entry of await deps.managedSecrets.entriesOf(manager, item.name))
          await manager.backend.delete(entry.name);
      }
      return saved ?? (await saveItem(job, { ...item, status, error: null }, source?.values));
    } catch (error) {
      const message =
        error instanceof VerificationError || error instanceof AppError ? error.message : 'unexpected error';
      if (!(error instanceof VerificationError || error instanceof AppError))
        log.error('migration item failed', {
          migrationId: job.id,
          name: item.name,
          error: (error as Error).message,
        });
      return saveItem(job, { ...item, status: 'FAILED', error: message }, undefined);
    }
  }

  /** Runs a claimed job to the end (or until cancelled or the lease is lost). */
  async function runJob(claimed: Migration): Promise<void> {
    let job = claimed;
    let cancelled = false;
    let leaseLost = false;
    const heartbeat = setInterval(
      () => {
        repo
          .renewLease(db, job.id, owner, deps.leaseMs)
          .then((cancel) => {
            if (cancel === undefined) leaseLost = true;
            else if (cancel) cancelled = true;
          })
          .catch(() => {});
      },
      Math.max(200, Math.floor(deps.leaseMs / 3)),
    );
    try {
      await deps.migrations.publish({ migration: job, item: null });
      const principal = await deps.tokens.findPrincipal(job.ownerId);
      const component = await deps.stacks.componentById(job.sourceComponentId);
      if (!principal || !component) {
        const row = await repo.finishJob(
          db,
          job.id,
          'FAILED',
          'the source secrets manager or the owner no longer exists',
        );
        await deps.migrations.publish({ migration: migrationFromRow(row), item: null });
        return;
      }
      const manager = deps.managedSecrets.managerOfStack({
        id: '',
        name: job.stackName,
        components: [component],
        createdAt: new Date(),
        updatedAt: new Date(),
      });
      const queue = (await repo.listItems(db, job.id, 'PENDING')).map(itemFromRow);
      job = { ...job, status: 'RUNNING', done: job.total - queue.length };
      const worker = async () => {
        for (;;) {
          if (cancelled || leaseLost || stopped) return;
          const next = queue.shift();
          if (!next) return;
          const item = await runItem(job, principal, manager, next);
          job = { ...job, done: job.done + 1 };
          await deps.migrations.publish({ migration: job, item });
        }
      };
      await Promise.all(Array.from({ length: deps.parallelism }, worker));
      if (leaseLost || stopped) return; // another worker (or this one after restart) resumes it
      const counts = await repo.countItemsByStatus(db, job.id);
      const failed = counts.FAILED ?? 0;
      const status = cancelled ? 'CANCELLED' : failed ? 'FAILED' : 'SUCCEEDED';
      const error = cancelled ? null : failed ? `${failed} of ${job.total} items failed` : null;
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
      await deps.migrations.publish({ migration: finished, item: null });
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Claims and runs jobs until none is left. */
  async function drain(): Promise<void> {
    while (!stopped) {
      const row = await repo.claimJob(db, owner, deps.leaseMs);
      if (!row) return;
      const job = migrationFromRow(row);
      if (job.status !== 'RUNNING') {
        // cancelled before it started
        const finished = await repo.finishJob(db, job.id, 'CANCELLED', null);
        await deps.migrations.publish({ migration: migrationFromRow(finished), item: null });
        continue;
      }
      log.info('migration claimed', { migrationId: job.id, owner });
      await runJob(job);
    }
  }

  /** Looks for work now (and then every poll interval). */
  function kick(): void {
    if (running || stopped) return;
    running = drain()
      .catch((error) => log.warn('migration worker failed', { error: (error as Error).message }))
      .finally(() => {
        running = undefined;
      });
  }

  return {
    owner,
    kick,
    start() {
      stopped = false;
      kick();
      timer = setInterval(kick, deps.pollMs ?? 1000);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running;
    },
  };
}

export type MigrationWorker = ReturnType<typeof createMigrationWorker>;
