import { z } from 'zod';
import type { Authorize } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import type { Db } from '../../database/database.js';
import { BadUserInputError, type InputIssue, NotFoundError } from '../../errors.js';
import type { Channels } from '../../events/channels.js';
import type { EventBus } from '../../events/event-bus.js';
import { sameSecretValues } from '../../schemas/secret-values-input.js';
import type { AuditService } from '../audit/audit-service.js';
import type { ManagedSecretsService } from '../managed-secrets/managed-secrets-service.js';
import { SECRET_SCOPES, type SecretScope } from '../secrets/secret.js';
import { secretNameSchema } from '../secrets/secrets-service.js';
import type { StoredSecrets } from '../secrets/stored-secrets.js';
import {
  CONFLICT_POLICIES,
  type ConflictPolicy,
  itemFromRow,
  type Migration,
  type MigrationItem,
  type MigrationProgress,
  migrationFromRow,
  progressFromMessage,
  progressToMessage,
  TERMINAL,
} from './migration.js';
import * as repo from './migration-repository.js';

export interface MigrationServiceDeps {
  db: Db;
  bus: EventBus;
  channels: Channels;
  audit: Pick<AuditService, 'audited'>;
  authorize: Authorize;
  managedSecrets: Pick<ManagedSecretsService, 'managerOf' | 'listNames' | 'load'>;
  secrets: Pick<StoredSecrets, 'findManyInScope' | 'storedValues'>;
  /** Wakes this process's worker when a job is queued. */
  onQueued?: () => void;
}

export interface MigrationPlanItem {
  name: string;
  status: 'NEW' | 'IDENTICAL' | 'CONFLICT';
}

export interface StartMigrationInput {
  stack?: string | null;
  names?: string[] | null;
  targetScope?: SecretScope | null;
  onConflict?: ConflictPolicy | null;
  renames?: unknown;
  deleteSource?: boolean | null;
}

/** Server-side migration of secrets-manager secrets into the centralized store. */
export function createMigrationService(deps: MigrationServiceDeps) {
  const { db, bus, channels, audit, authorize, managedSecrets, secrets } = deps;

  async function publish(progress: MigrationProgress): Promise<void> {
    await bus.publish(channels.migration(progress.migration.id), progressToMessage(progress)).catch(() => {});
  }

  /** The source secrets to consider: the given names (each must exist) or all of the manager's. */
  async function sourceNames(
    manager: Awaited<ReturnType<typeof managedSecrets.managerOf>>,
    names?: string[] | null,
  ) {
    const all = await managedSecrets.listNames(manager);
    if (!names?.length) return all;
    const present = new Set(all);
    const missing = names.filter((n) => !present.has(n));
    if (missing.length) {
      throw new BadUserInputError(
        `Secrets not found in secrets manager "${manager.component.name}": ${missing.join(', ')}`,
        missing.map((n) => ({ path: 'names', message: `no secret named "${n}" in the source` })),
      );
    }
    return [...new Set(names)];
  }

  function checkScope(scope: unknown, issues: InputIssue[]): SecretScope {
    if (!SECRET_SCOPES.includes(scope as SecretScope))
      issues.push({ path: 'targetScope', message: `must be one of ${SECRET_SCOPES.join(', ')}` });
    return scope as SecretScope;
  }

  /** Classifies each source secret against the target scope: NEW, IDENTICAL or CONFLICT. */
  async function plan(
    principal: Principal,
    args: { stack?: string | null; names?: string[] | null; targetScope: SecretScope },
  ): Promise<MigrationPlanItem[]> {
    await authorize(principal, 'migration.run', {
      action: 'migration.plan',
      target: { kind: 'migration', stack: args.stack },
    });
    await authorize(principal, 'secret.values', {
      action: 'migration.plan',
      target: { kind: 'migration', stack: args.stack },
    });
    const issues: InputIssue[] = [];
    checkScope(args.targetScope, issues);
    if (issues.length) throw new BadUserInputError('Invalid migration plan', issues);
    const manager = await managedSecrets.managerOf(principal, args.stack);
    const names = await sourceNames(manager, args.names);
    const found = await secrets.findManyInScope(principal, names, args.targetScope);
    const out: MigrationPlanItem[] = [];
    for (const name of names) {
      const existing = found.get(name);
      if (!existing) {
        out.push({ name, status: 'NEW' });
        continue;
      }
      const source = await managedSecrets.load(manager, name);
      const stored = await secrets.storedValues(existing);
      out.push({
        name,
        status: source && sameSecretValues(source.values, stored) ? 'IDENTICAL' : 'CONFLICT',
      });
    }
    return out;
  }

  /** Records a job and one row per secret, then returns at once; a worker runs it. */
  async function start(principal: Principal, input: StartMigrationInput): Promise<Migration> {
    const target = { kind: 'migration', stack: input.stack ?? null };
    await authorize(principal, 'migration.run', { action: 'migration.start', target });
    await authorize(principal, 'secret.values', { action: 'migration.start', target });
    const issues: InputIssue[] = [];
    const targetScope = checkScope(input.targetScope ?? 'WORKSPACE', issues);
    const onConflict = input.onConflict ?? 'SKIP';
    if (!CONFLICT_POLICIES.includes(onConflict))
      issues.push({ path: 'onConflict', message: `must be one of ${CONFLICT_POLICIES.join(', ')}` });
    const renamesParsed = z.record(z.string(), z.string()).nullish().safeParse(input.renames);
    const renames = renamesParsed.success ? (renamesParsed.data ?? {}) : {};
    if (!renamesParsed.success)
      issues.push({ path: 'renames', message: 'must be a JSON object of old name to new name' });
    for (const [from, to] of Object.entries(renames)) {
      const check = secretNameSchema.safeParse(to);
      if (!check.success) issues.push({ path: `renames.${from}`, message: check.error.issues[0].message });
    }
    if (issues.length) throw new BadUserInputError('Invalid migration', issues);
    const manager = await managedSecrets.managerOf(principal, input.stack);
    const names = await sourceNames(manager, input.names);
    const unknownRenames = Object.keys(renames).filter((n) => !names.includes(n));
    if (unknownRenames.length) {
      throw new BadUserInputError(
        'Invalid migration',
        unknownRenames.map((n) => ({
          path: `renames.${n}`,
          message: `"${n}" is not one of the secrets to migrate`,
        })),
      );
    }
    for (const name of names) {
      const check = secretNameSchema.safeParse(renames[name] ?? name);
      if (!check.success && !renames[name]) {
        issues.push({
          path: `names.${name}`,
          message: `${check.error.issues[0].message}; give it a new name in renames`,
        });
      }
    }
    if (issues.length) throw new BadUserInputError('Invalid migration', issues);
    const migration = await audit.audited(async (trx, record) => {
      const row = await repo.insertJob(trx, {
        stackName: manager.stack.name,
        sourceComponentId: manager.component.id,
        ownerId: principal.id,
        targetScope,
        onConflict,
        renames,
        deleteSource: input.deleteSource ?? false,
        items: names.map((name) => ({ name, targetName: renames[name] ?? name })),
      });
      await record({
        actor: principal.name,
        action: 'migration.start',
        target: {
          kind: 'migration',
          migrationId: row.id,
          stack: manager.stack.name,
          component: manager.component.name,
          componentId: manager.component.id,
          targetScope,
          onConflict,
          deleteSource: row.delete_source,
          names,
        },
      });
      return migrationFromRow(row);
    });
    await publish({ migration, item: null });
    deps.onQueued?.();
    return migration;
  }

  /** A job with `done` counted from its items while it runs (the row holds it once finished). */
  async function withDone(row: NonNullable<Awaited<ReturnType<typeof repo.findJob>>>): Promise<Migration> {
    const migration = migrationFromRow(row);
    return TERMINAL.has(migration.status)
      ? migration
      : { ...migration, done: await repo.countDone(db, migration.id) };
  }

  async function requireJob(id: string): Promise<Migration> {
    if (!z.uuid().safeParse(id).success) throw new NotFoundError(`Migration ${id} not found`);
    const row = await repo.findJob(db, id);
    if (!row) throw new NotFoundError(`Migration ${id} not found`);
    return withDone(row);
  }

  async function get(principal: Principal, id: string): Promise<Migration | undefined> {
    await authorize(principal, 'migration.run', {
      action: 'migration.get',
      target: { kind: 'migration', migrationId: id },
    });
    if (!z.uuid().safeParse(id).success) return undefined;
    const row = await repo.findJob(db, id);
    return row && withDone(row);
  }

  async function list(principal: Principal): Promise<Migration[]> {
    await authorize(principal, 'migration.run', {
      action: 'migration.list',
      target: { kind: 'migration' },
    });
    return Promise.all((await repo.listJobs(db)).map(withDone));
  }

  async function items(id: string): Promise<MigrationItem[]> {
    return (await repo.listItems(db, id)).map(itemFromRow);
  }

  /** Stops a job between items (a pending one at once). */
  async function cancel(principal: Principal, id: string): Promise<Migration> {
    await authorize(principal, 'migration.run', {
      action: 'migration.cancel',
      target: { kind: 'migration', migrationId: id },
    });
    const job = await requireJob(id);
    if (TERMINAL.has(job.status)) return job;
    const cancelled = await repo.cancelPending(db, id);
    if (cancelled) {
      const migration = migrationFromRow(cancelled);
      await publish({ migration, item: null });
      return migration;
    }
    return migrationFromRow((await repo.requestCancel(db, id))!);
  }

  /** The current state first, then every change until the job is finished; `done` never goes down. */
  async function* progress(principal: Principal, id: string): AsyncGenerator<MigrationProgress> {
    await authorize(principal, 'migration.run', {
      action: 'migration.watch',
      target: { kind: 'migration', migrationId: id },
    });
    const live = bus.subscribe(channels.migration(id));
    try {
      let current = await requireJob(id);
      yield { migration: current, item: null };
      if (TERMINAL.has(current.status)) return;
      for (;;) {
        const next = await live.next();
        if (next.done) return;
        const message = progressFromMessage(next.value);
        const done = Math.max(current.done, message.migration.done);
        const status = TERMINAL.has(current.status) ? current.status : message.migration.status;
        current = { ...message.migration, done, status };
        yield { migration: current, item: message.item };
        if (TERMINAL.has(current.status)) return;
      }
    } finally {
      await live.return?.();
    }
  }

  return { plan, start, get, list, items, cancel, progress, publish };
}

export type MigrationService = ReturnType<typeof createMigrationService>;
