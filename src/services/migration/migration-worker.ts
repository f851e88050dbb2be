import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Transaction } from 'kysely';
import type { Principal } from '../../auth/principal.js';
import type { SecretValues } from '../../backends/backend.js';
import type { Database, Db } from '../../database/database.js';
import { AppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { GatewayMetrics } from '../../metrics/gateway-metrics.js';
import { sameSecretValues } from '../../schemas/secret-values-input.js';
import type { AuditService, RecordAudit } from '../audit/audit-service.js';
import type {
  ManagedSecret,
  ManagedSecretsService,
  SecretsManager,
} from '../managed-secrets/managed-secrets-service.js';
import type { Secret, SecretScope } from '../secrets/secret.js';
import type { StoredSecrets } from '../secrets/stored-secrets.js';
import type { ComponentsService } from '../stacks/components-service.js';
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
  secrets: Pick<
    StoredSecrets,
    'findManyInScope' | 'storedValues' | 'storedValuesMany' | 'createManyIn' | 'replaceIn' | 'discardEntries'
  >;
  managedSecrets: Pick<ManagedSecretsService, 'managerOfStack' | 'batchLoader' | 'entriesOf'>;
  components: Pick<ComponentsService, 'componentById'>;
  tokens: Pick<TokensService, 'findPrincipal'>;
  migrations: Pick<MigrationService, 'publish'>;
  parallelism: number;
  leaseMs: number;
  pollMs?: number;
  /** Counts item outcomes once they are committed. */
  metrics?: Pick<GatewayMetrics, 'migrationItem'>;
}

/** Items per transaction when the source back-end reads in batches (AWS BatchGetSecretValue: 20). */
const BATCH_SIZE = 20;

const COPIED: ReadonlySet<MigrationItemStatus> = new Set(['MIGRATED', 'RENAMED', 'OVERWRITTEN', 'IDENTICAL']);

/** An item's decided outcome (`values`: the source's) and the copy to write, if any. */
interface PlannedItem {
  item: MigrationItem;
  values?: SecretValues;
  create?: {
    id: string;
    name: string;
    scope: SecretScope;
    schema: string;
    values: SecretValues;
    origin: Record<string, unknown>;
  };
  replace?: {
    existing: Secret;
    next: { schema: string; values: SecretValues; origin: Record<string, unknown> };
  };
}

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

  /** Records items' outcomes and one `migration.progress` event per item in `trx`. */
  async function saveItems(
    trx: Transaction<Database>,
    record: RecordAudit,
    job: Migration,
    outcomes: PlannedItem[],
  ): Promise<MigrationItem[]> {
    await repo.saveItems(
      trx,
      job.id,
      outcomes.map((o) => o.item),
    );
    for (const { item, values } of outcomes) {
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
        values: item.status === 'FAILED' ? undefined : values,
      });
    }
    return outcomes.map((o) => o.item);
  }

  /**
   * Decides one item inside the batch's transaction: its outcome, and the copy to write
   * (`create` or `replace`), if any. A conflict under FAIL is the item's outcome, not an error.
   */
  async function planItem(
    trx: Transaction<Database>,
    ctx: { job: Migration; manager: SecretsManager },
    pending: MigrationItem,
    source: ManagedSecret | undefined,
    existing: Secret | undefined,
  ): Promise<PlannedItem> {
    const { job, manager } = ctx;
    const migrated: MigrationItemStatus = pending.targetName !== pending.name ? 'RENAMED' : 'MIGRATED';
    const ours = existing?.origin?.migrationId === job.id;
    const outcome = (status: MigrationItemStatus, error: string | null = null) => ({
      item: { ...pending, status, error },
      values: source?.values,
    });
    if (!source) {
      // Copied and the source deleted by an earlier attempt, or gone before it was copied.
      return ours ? outcome(migrated) : outcome('FAILED', 'the source secret no longer exists');
    }
    const origin = {
      migrationId: job.id,
      stack: job.stackName,
      component: manager.component.name,
      componentId: manager.component.id,
      flavor: manager.component.flavor,
      scope: manager.ctx.scope,
      ...(manager.ctx.namespace ? { namespace: manager.ctx.namespace } : {}),
      secretName: pending.name,
    };
    const next = { schema: source.schema, values: source.values, origin };
    if (!existing) {
      const create = { ...next, id: randomUUID(), name: pending.targetName, scope: job.targetScope };
      return { ...outcome(migrated), create };
    }
    if (sameSecretValues(await deps.secrets.storedValues(existing, trx), source.values))
      return outcome(ours ? migrated : 'IDENTICAL');
    if (ours || job.onConflict === 'OVERWRITE')
      return { ...outcome(ours ? migrated : 'OVERWRITTEN'), replace: { existing, next } };
    if (job.onConflict === 'SKIP') return outcome('SKIPPED');
    return outcome(
      'FAILED',
      `a ${job.targetScope} secret named "${pending.targetName}" exists with other values`,
    );
  }

  /**
   * Writes a batch's planned copies (new secrets in one insert per table), reads them all back
   * from the store and compares with their sources; throws VerificationError on a difference.
   */
  async function writeAndVerify(
    trx: Transaction<Database>,
    record: RecordAudit,
    ctx: { principal: Principal; created: string[] },
    planned: PlannedItem[],
  ): Promise<void> {
    const creates = planned.flatMap((p) => (p.create ? [p.create] : []));
    ctx.created.push(...creates.map((c) => c.id));
    const written = await deps.secrets.createManyIn(trx, record, ctx.principal, creates);
    for (const p of planned) {
      if (p.replace)
        written.push(
          await deps.secrets.replaceIn(trx, record, ctx.principal, p.replace.existing, p.replace.next),
        );
    }
    const readBack = await deps.secrets.storedValuesMany(written, trx);
    const sourceOf = new Map(planned.map((p) => [p.item.targetName, p.values ?? {}]));
    for (const secret of written) {
      if (!sameSecretValues(readBack.get(secret.id) ?? {}, sourceOf.get(secret.name) ?? {}))
        throw new VerificationError('the copy read back from the store differs from the source');
    }
  }

  /** Deletes a verified source's entries (named ones directly: the batch just read them). */
  async function deleteSource(manager: SecretsManager, name: string): Promise<void> {
    const lookup = manager.scoping.entryLookup(manager.ctx, name);
    const entries =
      lookup.by === 'name'
        ? lookup.names
        : (await deps.managedSecrets.entriesOf(manager, name)).map((entry) => entry.name);
    await Promise.all(entries.map((entry) => manager.backend.delete(entry)));
  }

  /**
   * Runs a batch of items in one transaction: writes every copy, reads them all back from the
   * store and compares, then saves the outcomes and their audit events, so they commit
   * together. Verified sources are deleted afterwards when asked. When the batch fails, each
   * item runs on its own, so one bad item fails alone.
   */
  async function runBatch(
    job: Migration,
    principal: Principal,
    manager: SecretsManager,
    loadMany: (names: string[]) => Promise<Map<string, ManagedSecret>>,
    batch: MigrationItem[],
  ): Promise<MigrationItem[]> {
    const ctx = { job, principal, manager, created: [] as string[] };
    try {
      const sources = await loadMany(batch.map((item) => item.name));
      const existing = await deps.secrets.findManyInScope(
        principal,
        batch.map((item) => item.targetName),
        job.targetScope,
      );
      const saved = await deps.audit.audited(async (trx, record) => {
        const planned: PlannedItem[] = [];
        for (const item of batch)
          planned.push(await planItem(trx, ctx, item, sources.get(item.name), existing.get(item.targetName)));
        await writeAndVerify(trx, record, ctx, planned);
        return saveItems(trx, record, job, planned);
      });
      if (job.deleteSource) {
        const verified = saved.filter((item) => COPIED.has(item.status) && sources.has(item.name));
        await Promise.all(verified.map((item) => deleteSource(manager, item.name)));
      }
      return saved;
    } catch (error) {
      await deps.secrets.discardEntries(ctx.created);
      if (batch.length > 1) {
        const out: MigrationItem[] = [];
        for (const item of batch) out.push(...(await runBatch(job, principal, manager, loadMany, [item])));
        return out;
      }
      const expected = error instanceof VerificationError || error instanceof AppError;
      if (!expected)
        log.error('migration item failed', {
          migrationId: job.id,
          name: batch[0].name,
          error: (error as Error).message,
        });
      const failed = {
        item: {
          ...batch[0],
          status: 'FAILED' as const,
          error: expected ? error.message : 'unexpected error',
        },
      };
      return deps.audit.audited((trx, record) => saveItems(trx, record, job, [failed]));
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
      const component = await deps.components.componentById(job.sourceComponentId);
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
      // A back-end with a batch read serves a whole batch in one call; others one item per call.
      const batchSize = manager.backend.getValues ? BATCH_SIZE : 1;
      const loadMany = deps.managedSecrets.batchLoader(manager);
      const worker = async () => {
        for (;;) {
          if (cancelled || leaseLost || stopped) return;
          const batch = queue.splice(0, batchSize);
          if (batch.length === 0) return;
          const saved = await runBatch(job, principal, manager, loadMany, batch);
          for (const item of saved) deps.metrics?.migrationItem(item.status);
          await Promise.all(
            saved.map((item) => {
              job = { ...job, done: job.done + 1 };
              return deps.migrations.publish({ migration: job, item });
            }),
          );
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
