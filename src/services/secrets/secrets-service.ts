import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { Authorize } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import type { BackendCallOptions, SecretValues } from '../../backends/backend.js';
import type { CentralStore } from '../../backends/central-store.js';
import type { Database, Db, Executor } from '../../database/database.js';
import {
  AlreadyExistsError,
  BadUserInputError,
  ConflictError,
  type InputIssue,
  issuesFromZod,
  NotFoundError,
} from '../../errors.js';
import type { SecretSchemaRegistry } from '../../schemas/secret-schemas.js';
import { secretValuesInput } from '../../schemas/secret-values-input.js';
import type { AuditService, RecordAudit } from '../audit/audit-service.js';
import { mergeChanges } from '../merge-changes.js';
import { microBatch } from '../micro-batch.js';
import { SECRET_SCOPES, type Secret, type SecretScope, secretFromRow } from './secret.js';
import * as repo from './secrets-repository.js';

export const secretNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'may contain letters, digits, _ and - only')
  .refine((n) => n !== 'name', '"name" is reserved and may not be a secret name');

export interface SecretsServiceDeps {
  db: Db;
  store: CentralStore;
  schemas: SecretSchemaRegistry;
  audit: Pick<AuditService, 'audited' | 'record'>;
  authorize: Authorize;
}

export interface CreateSecretInput {
  name: string;
  scope?: SecretScope | null;
  values?: unknown;
  schema?: string | null;
  origin?: Record<string, unknown> | null;
}

export interface UpdateSecretInput {
  name: string;
  scope?: SecretScope | null;
  values?: unknown;
  removeKeys?: string[] | null;
  replace?: boolean | null;
  expectedVersion?: number | null;
}

export interface SecretPage {
  secrets: Secret[];
  hasNextPage: boolean;
  endCursor: string | null;
}

const MAX_PAGE = 10_000;
const DEFAULT_PAGE = 50;

function encodeCursor(secret: Secret): string {
  return Buffer.from(JSON.stringify([secret.name, secret.id])).toString('base64url');
}

function decodeCursor(cursor: string): { name: string; id: string } {
  try {
    const [name, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof name === 'string' && typeof id === 'string') return { name, id };
  } catch {}
  throw new BadUserInputError('Invalid cursor', [{ path: 'after', message: 'not a cursor from this API' }]);
}

function checkScope(scope: unknown, issues: InputIssue[]): void {
  if (scope != null && !SECRET_SCOPES.includes(scope as SecretScope)) {
    issues.push({ path: 'scope', message: `must be one of ${SECRET_SCOPES.join(', ')}` });
  }
}

function secretTarget(
  secret: Pick<Secret, 'id' | 'name' | 'scope' | 'keys'>,
  extra: Record<string, unknown> = {},
) {
  return {
    kind: 'secret',
    secretId: secret.id,
    name: secret.name,
    scope: secret.scope,
    keys: secret.keys,
    ...extra,
  };
}

interface SharedLookup {
  name: string;
  scope: SecretScope | null;
  ownerId: string;
}

/** The centralized secrets store: metadata in Postgres, values in the configured back-end. */
export function createSecretsService(deps: SecretsServiceDeps) {
  const { db, store, schemas, audit, authorize } = deps;
  const backend = store.backend;
  const remote = store.kind !== 'sql';

  function canSee(principal: Principal, secret: Secret): boolean {
    return secret.scope === 'WORKSPACE' || secret.ownerId === principal.id || principal.role === 'ADMIN';
  }

  /** Looks a secret up by name: the given scope, or USER first then WORKSPACE. */
  async function lookup(
    executor: Executor,
    principal: Principal,
    name: string,
    scope?: SecretScope | null,
    forUpdate = false,
  ) {
    const row = await repo.findSecret(executor, { name, scope, ownerId: principal.id }, forUpdate);
    return row ? secretFromRow(row) : undefined;
  }

  /** Lookups outside transactions, keyed by their JSON `SharedLookup`: concurrent ones share one query. */
  const lookupShared = microBatch(async (keys: string[]) => {
    const asked = keys.map((key) => JSON.parse(key) as SharedLookup);
    const rows = await repo.findSecretsVisibleTo(db, {
      names: [...new Set(asked.map((a) => a.name))],
      ownerIds: [...new Set(asked.map((a) => a.ownerId))],
    });
    const found = new Map<string, Secret>();
    for (const [i, a] of asked.entries()) {
      const candidates = rows.filter(
        (row) =>
          row.name === a.name &&
          (a.scope ? row.scope === a.scope : true) &&
          (row.scope !== 'USER' || row.owner_id === a.ownerId),
      );
      const row = candidates.find((c) => c.scope === 'USER') ?? candidates[0];
      if (row) found.set(keys[i], secretFromRow(row));
    }
    return found;
  });

  /** A secret by name as `lookup` finds it, in one query with the lookups asked at the same time. */
  function lookupBatched(principal: Principal, name: string, scope?: SecretScope | null) {
    // No stored name holds NUL (Postgres text can't), and it would fail the shared query.
    if (name.includes('\u0000')) return Promise.resolve(undefined);
    const asked: SharedLookup = { name, scope: scope ?? null, ownerId: principal.id };
    return lookupShared(JSON.stringify(asked));
  }

  async function require(
    executor: Executor,
    principal: Principal,
    name: string,
    scope?: SecretScope | null,
    forUpdate = false,
  ) {
    const secret = await lookup(executor, principal, name, scope, forUpdate);
    if (!secret) throw new NotFoundError(`Secret "${name}" not found${scope ? ` in scope ${scope}` : ''}`);
    return secret;
  }

  /** Values of store entries by name, in one read where the store can; absent ones left out. */
  async function entryValues(
    names: string[],
    options?: BackendCallOptions,
  ): Promise<Map<string, SecretValues>> {
    if (backend.getValues) return backend.getValues(names, options);
    const entries = await Promise.all(names.map((name) => backend.get(name, options)));
    return new Map(entries.flatMap((entry, i) => (entry ? [[names[i], entry.values] as const] : [])));
  }

  /** Values of store entries, read together with those asked for at the same time. */
  const loadEntryValues = microBatch<string, SecretValues>((names) => entryValues(names));

  const missingValues = (secret: Secret) =>
    new NotFoundError(`Values of secret "${secret.name}" are missing from the ${store.kind} store`);

  /** A secret's values outside any transaction, batched with concurrent reads. */
  async function batchedEntryValues(secret: Secret): Promise<SecretValues> {
    const values = await loadEntryValues(store.entryName(secret.id));
    if (!values) throw missingValues(secret);
    return values;
  }

  async function readEntryValues(secret: Secret, options?: BackendCallOptions): Promise<SecretValues> {
    const entry = await backend.get(store.entryName(secret.id), options);
    if (!entry) throw missingValues(secret);
    return entry.values;
  }

  /** The secret's metadata (no values); undefined when absent or not visible. */
  async function getSecret(
    principal: Principal,
    name: string,
    scope?: SecretScope | null,
  ): Promise<Secret | undefined> {
    await authorize(principal, 'secret.read', {
      action: 'secret.get',
      target: { kind: 'secret', name, scope },
    });
    const issues: InputIssue[] = [];
    checkScope(scope, issues);
    if (name.includes('\u0000')) issues.push({ path: 'name', message: 'must not contain NUL characters' });
    if (issues.length) throw new BadUserInputError('Invalid secret lookup', issues);
    return lookupBatched(principal, name, scope);
  }

  /** A secret's values; needs value access; one `secret.read` event committed before they return. */
  async function readValues(principal: Principal, secret: Secret): Promise<SecretValues> {
    await authorize(principal, 'secret.values', {
      action: 'secret.read',
      target: secretTarget(secret),
    });
    if (!canSee(principal, secret)) throw new NotFoundError(`Secret "${secret.name}" not found`);
    const values = await batchedEntryValues(secret);
    // Committed before the values leave; concurrent reads share one audit commit.
    await audit.record({
      actor: principal.name,
      action: 'secret.read',
      target: secretTarget(secret),
      values,
    });
    return values;
  }

  /** A visible secret by name (USER then WORKSPACE), with values when asked; the caller audits. */
  async function getSecretForResolution(
    principal: Principal,
    name: string,
    withValues: boolean,
  ): Promise<{ secret: Secret; values?: SecretValues } | undefined> {
    const secret = await lookupBatched(principal, name);
    if (!secret) return undefined;
    return { secret, values: withValues ? await batchedEntryValues(secret) : undefined };
  }

  async function listSecrets(
    principal: Principal,
    args: { name?: string | null; scope?: SecretScope | null; first?: number | null; after?: string | null },
  ): Promise<SecretPage> {
    await authorize(principal, 'secret.read', { action: 'secret.list', target: { kind: 'secret' } });
    const issues: InputIssue[] = [];
    checkScope(args.scope, issues);
    const first = args.first ?? DEFAULT_PAGE;
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
      issues.push({ path: 'first', message: `must be between 1 and ${MAX_PAGE}` });
    }
    if (issues.length) throw new BadUserInputError('Invalid secret listing', issues);
    const rows = await repo.listSecrets(db, {
      viewerId: principal.id,
      seesAllUsers: principal.role === 'ADMIN',
      name: args.name,
      scope: args.scope,
      after: args.after ? decodeCursor(args.after) : null,
      limit: first + 1,
    });
    const secrets = rows.slice(0, first).map(secretFromRow);
    return {
      secrets,
      hasNextPage: rows.length > first,
      endCursor: secrets.length ? encodeCursor(secrets[secrets.length - 1]) : null,
    };
  }

  /** Creates a secret; `record` lets a caller (migration) add to the same audit transaction. */
  async function createSecret(principal: Principal, input: CreateSecretInput): Promise<Secret> {
    const scope = input.scope ?? 'WORKSPACE';
    await authorize(principal, 'secret.write', {
      action: 'secret.create',
      target: { kind: 'secret', name: input.name, scope },
    });
    const issues: InputIssue[] = [];
    const nameCheck = secretNameSchema.safeParse(input.name);
    if (!nameCheck.success) issues.push(...issuesFromZod(nameCheck.error.issues, 'name'));
    checkScope(scope, issues);
    const raw = secretValuesInput(input.values, issues, false);
    let values: SecretValues = {};
    const schemaType = input.schema ?? 'arbitrary';
    try {
      values = schemas.normalize(schemas.get(schemaType), raw, issues);
    } catch (error) {
      if (!(error instanceof BadUserInputError)) throw error;
      issues.push(...error.issues);
    }
    if (issues.length) throw new BadUserInputError('Invalid secret', issues);
    return createValidated(principal, {
      name: input.name,
      scope,
      schema: schemaType,
      values,
      origin: input.origin ?? null,
    });
  }

  /** A validated secret to create (migration and createSecret). */
  type ValidatedSecret = {
    name: string;
    scope: SecretScope;
    schema: string;
    values: SecretValues;
    origin: Record<string, unknown> | null;
  };

  /**
   * Creates validated secrets inside the caller's audited transaction, in one statement per
   * table where the store allows. With a remote store the values are written outside the
   * transaction: the caller discards the ids (discardEntries) if it fails.
   */
  async function createManyIn(
    trx: Transaction<Database>,
    record: RecordAudit,
    principal: Principal,
    list: Array<ValidatedSecret & { id: string }>,
  ): Promise<Secret[]> {
    if (list.length === 0) return [];
    const rows = await repo.insertSecrets(
      trx,
      list.map((s) => ({
        id: s.id,
        name: s.name,
        scope: s.scope,
        ownerId: principal.id,
        schema: s.schema,
        keys: Object.keys(s.values).sort(),
        origin: s.origin,
        store: store.kind,
      })),
    );
    const inserted = new Map(rows.map((row) => [row.id, secretFromRow(row)]));
    const taken = list.find((s) => !inserted.has(s.id));
    if (taken) throw new AlreadyExistsError(`A ${taken.scope} secret named "${taken.name}" already exists`);
    const secrets = list.map((s) => inserted.get(s.id) as Secret);
    const entries = secrets.map((secret, i) => ({
      name: store.entryName(secret.id),
      values: list[i].values,
      metadata: store.entryMetadata(secret),
    }));
    if (backend.createMany) await backend.createMany(entries, { trx });
    else for (const entry of entries) await backend.create(entry, { trx });
    for (const [i, secret] of secrets.entries())
      await record({
        actor: principal.name,
        action: 'secret.create',
        target: secretTarget(secret),
        values: list[i].values,
      });
    return secrets;
  }

  async function createValidated(
    principal: Principal,
    s: ValidatedSecret,
    extraRecord?: (secret: Secret, trx: Transaction<Database>, record: RecordAudit) => Promise<void>,
  ): Promise<Secret> {
    const id = randomUUID();
    try {
      return await audit.audited(async (trx, record) => {
        const [secret] = await createManyIn(trx, record, principal, [{ ...s, id }]);
        if (extraRecord) await extraRecord(secret, trx, record);
        return secret;
      });
    } catch (error) {
      await discardEntries([id]);
      throw error;
    }
  }

  /** Deletes the remote store entries of secrets whose transaction did not commit (no-op for SQL). */
  async function discardEntries(ids: string[]): Promise<void> {
    if (!remote) return;
    await Promise.all(ids.map((id) => backend.delete(store.entryName(id)).catch(() => false)));
  }

  async function updateSecret(principal: Principal, input: UpdateSecretInput): Promise<Secret> {
    await authorize(principal, 'secret.write', {
      action: 'secret.update',
      target: { kind: 'secret', name: input.name, scope: input.scope },
    });
    const issues: InputIssue[] = [];
    checkScope(input.scope, issues);
    const changes = secretValuesInput(input.values, issues, true);
    if (issues.length) throw new BadUserInputError('Invalid secret update', issues);
    return audit.audited(async (trx, record) => {
      const secret = await require(trx, principal, input.name, input.scope, true);
      if (input.expectedVersion != null && input.expectedVersion !== secret.version) {
        throw new ConflictError(
          `Secret "${secret.name}" is at version ${secret.version}, not ${input.expectedVersion}; read it again and retry`,
        );
      }
      const current = await readEntryValues(secret, { trx });
      const next: Record<string, unknown> = mergeChanges(input.replace ? {} : current, changes);
      for (const key of input.removeKeys ?? []) delete next[key];
      const values = schemas.normalize(schemas.get(secret.schema), next, issues);
      if (issues.length) throw new BadUserInputError('Invalid secret update', issues);
      const changed = Object.fromEntries(Object.entries(values).filter(([k, v]) => current[k] !== v));
      const removed = Object.keys(current).filter((k) => !(k in values));
      const row = await repo.updateSecretMeta(trx, secret.id, { keys: Object.keys(values).sort() });
      const updated = secretFromRow(row);
      await backend.update(
        { name: store.entryName(secret.id), values, metadata: store.entryMetadata(updated) },
        { trx },
      );
      await record({
        actor: principal.name,
        action: 'secret.update',
        target: secretTarget(updated, {
          changedKeys: Object.keys(changed).sort(),
          removedKeys: removed.sort(),
        }),
        values: changed,
      });
      return updated;
    });
  }

  /** Replaces a secret's values, schema and origin (migration OVERWRITE) in the caller's transaction. */
  async function replaceIn(
    trx: Transaction<Database>,
    record: RecordAudit,
    principal: Principal,
    secret: Secret,
    next: { schema: string; values: SecretValues; origin: Record<string, unknown> | null },
  ): Promise<Secret> {
    const row = await repo.updateSecretMeta(trx, secret.id, {
      keys: Object.keys(next.values).sort(),
      schema: next.schema,
      origin: next.origin,
    });
    const updated = secretFromRow(row);
    await backend.update(
      { name: store.entryName(secret.id), values: next.values, metadata: store.entryMetadata(updated) },
      { trx },
    );
    await record({
      actor: principal.name,
      action: 'secret.update',
      target: secretTarget(updated, { replaced: true }),
      values: next.values,
    });
    return updated;
  }

  /** The stored values of a secret (no authorization, no audit: internal callers audit). */
  function storedValues(secret: Secret, trx?: Transaction<Database>): Promise<SecretValues> {
    return readEntryValues(secret, trx ? { trx } : undefined);
  }

  /** The stored values of many secrets by id, in one read where the store can (no audit). */
  async function storedValuesMany(
    secrets: Secret[],
    trx?: Transaction<Database>,
  ): Promise<Map<string, SecretValues>> {
    const found = await entryValues(
      secrets.map((secret) => store.entryName(secret.id)),
      trx ? { trx } : undefined,
    );
    const out = new Map<string, SecretValues>();
    for (const secret of secrets) {
      const values = found.get(store.entryName(secret.id));
      if (!values) throw missingValues(secret);
      out.set(secret.id, values);
    }
    return out;
  }

  /** Secrets by name in one scope, as seen by `principal` (no authorization). */
  async function findManyInScope(
    principal: Principal,
    names: string[],
    scope: SecretScope,
  ): Promise<Map<string, Secret>> {
    const found = new Map<string, Secret>();
    for (let i = 0; i < names.length; i += 1000) {
      const rows = await repo.findSecrets(db, {
        names: names.slice(i, i + 1000),
        scope,
        ownerId: principal.id,
      });
      for (const row of rows) found.set(row.name, secretFromRow(row));
    }
    return found;
  }

  async function renameSecret(
    principal: Principal,
    name: string,
    scope: SecretScope | null | undefined,
    newName: string,
  ) {
    await authorize(principal, 'secret.write', {
      action: 'secret.rename',
      target: { kind: 'secret', name, scope, newName },
    });
    const issues: InputIssue[] = [];
    checkScope(scope, issues);
    const nameCheck = secretNameSchema.safeParse(newName);
    if (!nameCheck.success) issues.push(...issuesFromZod(nameCheck.error.issues, 'newName'));
    if (issues.length) throw new BadUserInputError('Invalid rename', issues);
    return audit.audited(async (trx, record) => {
      const secret = await require(trx, principal, name, scope, true);
      if (await repo.findSecret(trx, { name: newName, scope: secret.scope, ownerId: secret.ownerId })) {
        throw new AlreadyExistsError(`A ${secret.scope} secret named "${newName}" already exists`);
      }
      const updated = secretFromRow(await repo.updateSecretMeta(trx, secret.id, { name: newName }));
      await record({
        actor: principal.name,
        action: 'secret.rename',
        target: secretTarget(updated, { previousName: name }),
      });
      return updated;
    });
  }

  async function deleteSecret(
    principal: Principal,
    name: string,
    scope?: SecretScope | null,
  ): Promise<boolean> {
    await authorize(principal, 'secret.write', {
      action: 'secret.delete',
      target: { kind: 'secret', name, scope },
    });
    const issues: InputIssue[] = [];
    checkScope(scope, issues);
    if (issues.length) throw new BadUserInputError('Invalid secret lookup', issues);
    return audit.audited(async (trx, record) => {
      const secret = await require(trx, principal, name, scope, true);
      await repo.deleteSecret(trx, secret.id);
      await backend.delete(store.entryName(secret.id), { trx });
      await record({ actor: principal.name, action: 'secret.delete', target: secretTarget(secret) });
      return true;
    });
  }

  return {
    getSecret,
    readValues,
    getSecretForResolution,
    listSecrets,
    createSecret,
    createValidated,
    createManyIn,
    replaceIn,
    discardEntries,
    storedValues,
    storedValuesMany,
    findManyInScope,
    updateSecret,
    renameSecret,
    deleteSecret,
    canSee,
  };
}

export type SecretsService = ReturnType<typeof createSecretsService>;
