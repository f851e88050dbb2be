import { z } from 'zod';
import type { Authorize } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import { BadUserInputError, type InputIssue } from '../../errors.js';
import { RESERVED_KEYS } from '../../schemas/secret-limits.js';
import type { AuditService } from '../audit/audit-service.js';
import { INPUT_LIMITS } from '../input-limits.js';
import type { StackSecretsManager } from '../managed-secrets/managed-secret.js';
import type { ManagedSecretsService } from '../managed-secrets/managed-secrets-service.js';
import type { SecretScope } from '../secrets/secret.js';
import { secretNameSchema } from '../secrets/secret-inputs.js';
import type { ListingHandoff } from './listing-handoff.js';
import { CONFLICT_POLICIES, type ConflictPolicy, type Migration, migrationFromRow } from './migration.js';
import { targetScopeSchema } from './migration-plan.js';
import type { ProgressFeed } from './migration-progress.js';
import * as repo from './migration-repository.js';
import { sourceListing } from './migration-source-names.js';

export interface StartMigrationInput {
  stack?: string | null;
  names?: string[] | null;
  targetScope?: SecretScope | null;
  onConflict?: ConflictPolicy | null;
  renames?: unknown;
  deleteSource?: boolean | null;
}

export interface MigrationStartDeps {
  audit: Pick<AuditService, 'audited'>;
  authorize: Authorize;
  managedSecrets: Pick<ManagedSecretsService, 'managerOf' | 'listScope'>;
  progress: Pick<ProgressFeed, 'publish'>;
  /** Hands the start's listing to this process's worker (listing-handoff.ts). */
  listings?: Pick<ListingHandoff, 'keep'>;
  /** Wakes this process's worker when a job is queued. */
  onQueued?: () => void;
}

const renameMap = z.record(z.string(), z.string());

/** What is wrong with a rename map's size or keys before it is parsed (zod would drop `__proto__`). */
function renamesShapeProblem(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const names = Object.keys(value);
  if (names.length > INPUT_LIMITS.maxListItems) return `at most ${INPUT_LIMITS.maxListItems} renames`;
  const reserved = names.find((name) => RESERVED_KEYS.has(name));
  return reserved ? `"${reserved}" is not a secret name` : undefined;
}

/** Renames: absent, or a JSON object of old name to new name, each new name a valid secret name. */
const renamesSchema = z
  .unknown()
  .optional()
  .transform((value, ctx): Record<string, string> => {
    const problem = renamesShapeProblem(value);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return {};
    }
    const parsed = renameMap.nullish().safeParse(value);
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object of old name to new name' });
      return {};
    }
    const renames = parsed.data ?? {};
    for (const [from, to] of Object.entries(renames)) {
      const check = secretNameSchema.safeParse(to);
      if (!check.success)
        ctx.addIssue({ code: 'custom', path: [from], message: check.error.issues[0].message });
    }
    return renames;
  });

/** The settings of a job to start, with their defaults: WORKSPACE scope, SKIP conflicts, no renames. */
const startSettingsSchema = z.object({
  targetScope: targetScopeSchema.nullish().transform((scope) => scope ?? 'WORKSPACE'),
  onConflict: z
    .enum(CONFLICT_POLICIES, { error: `must be one of ${CONFLICT_POLICIES.join(', ')}` })
    .nullish()
    .transform((policy) => policy ?? 'SKIP'),
  renames: renamesSchema,
});

export type StartSettings = z.infer<typeof startSettingsSchema>;

/** The settings of a job to start, defaults applied; BAD_USER_INPUT with one issue per bad field (or rename). */
export function parseStartSettings(input: StartMigrationInput): StartSettings {
  const parsed = startSettingsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  throw new BadUserInputError('Invalid migration', issues);
}

/**
 * Records a job and one item per source secret, publishes its state and wakes the worker, then
 * returns at once. Needs `migration.run` and `secret.values`; BAD_USER_INPUT (path per field)
 * for bad settings, absent names, renames of secrets not migrated or names that need a rename.
 */
export async function startMigration(
  deps: MigrationStartDeps,
  principal: Principal,
  input: StartMigrationInput,
): Promise<Migration> {
  const target = { kind: 'migration', stack: input.stack ?? null };
  await deps.authorize(principal, 'migration.run', { action: 'migration.start', target });
  await deps.authorize(principal, 'secret.values', { action: 'migration.start', target });
  const settings = parseStartSettings(input);
  const manager = await deps.managedSecrets.managerOf(principal, input.stack);
  const { names, listed } = await sourceListing(deps.managedSecrets, manager, input.names);
  checkNames(names, settings.renames);
  const migration = await recordJob(deps, principal, manager, {
    ...settings,
    names,
    deleteSource: input.deleteSource ?? false,
  });
  deps.listings?.keep(migration.id, listed);
  await deps.progress.publish({ migration, item: null });
  deps.onQueued?.();
  return migration;
}

/** Throws BAD_USER_INPUT for a rename of a secret not migrated, or a name not valid in the store and not renamed. */
function checkNames(names: string[], renames: Record<string, string>): void {
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
  const issues: InputIssue[] = [];
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
}

/** Inserts the job and its items with a `migration.start` event, in one audited transaction. */
async function recordJob(
  deps: Pick<MigrationStartDeps, 'audit'>,
  principal: Principal,
  manager: StackSecretsManager,
  job: StartSettings & { names: string[]; deleteSource: boolean },
): Promise<Migration> {
  const { targetScope, onConflict, renames, names } = job;
  return deps.audit.audited(async (trx, record) => {
    const row = await repo.insertJob(trx, {
      stackName: manager.stack.name,
      sourceComponentId: manager.component.id,
      ownerId: principal.id,
      targetScope,
      onConflict,
      renames,
      deleteSource: job.deleteSource,
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
}
