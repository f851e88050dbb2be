import type { Authorize } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import {
  listAll,
  type SecretBackend,
  type SecretMetadata,
  type SecretValues,
} from '../../backends/backend.js';
import { backendFlavor, observeBackend } from '../../backends/observe-backend.js';
import { AlreadyExistsError, BadUserInputError, type InputIssue, NotFoundError } from '../../errors.js';
import type { SecretsManagerScope } from '../../flavors/component-types.js';
import type { GatewayMetrics } from '../../metrics/gateway-metrics.js';
import type { SecretSchemaRegistry } from '../../schemas/secret-schemas.js';
import { secretValuesInput } from '../../schemas/secret-values-input.js';
import {
  type FlavorScoping,
  type ScopeContext,
  type ScopedEntry,
  scopingFor,
} from '../../scoping/scoping.js';
import type { AuditService } from '../audit/audit-service.js';
import { mergeChanges } from '../merge-changes.js';
import type { Component } from '../stacks/component.js';
import type { Stack, StacksService } from '../stacks/stacks-service.js';
import { backendForComponent } from './component-backend.js';

/** A stack's secrets manager, ready to use: its component, scoping, scope context and back-end. */
export interface SecretsManager {
  stack: Stack;
  component: Component;
  scoping: FlavorScoping;
  ctx: ScopeContext;
  backend: SecretBackend;
}

/** A secret inside a secrets manager, loaded once. */
export interface ManagedSecret {
  name: string;
  schema: string;
  keys: string[];
  /** Internal: handed out only through `readValues` (authorized and audited). */
  values: SecretValues;
  manager: SecretsManager;
}

/** A managed secret known by name, loaded from the back-end on first use. */
export interface ManagedSecretRef {
  name: string;
  load(): Promise<ManagedSecret>;
}

export interface ManagedSecretsServiceDeps {
  stacks: Pick<StacksService, 'stackOrActive'>;
  audit: Pick<AuditService, 'record'>;
  authorize: Authorize;
  schemas: SecretSchemaRegistry;
  dataDir: string;
  timeoutMs: number;
  /** Builds the back-end of a component (tests and benchmarks may wrap it). */
  backendFor?: (component: Component) => SecretBackend;
  /** Records the duration and failures of every back-end call. */
  metrics?: Pick<GatewayMetrics, 'backendCall'>;
}

/** Secrets inside a stack's secrets manager component, scoped exactly as ZenML did. */
export function createManagedSecretsService(deps: ManagedSecretsServiceDeps) {
  const { stacks, audit, authorize, schemas } = deps;
  const backends = new Map<string, { updatedAt: number; backend: SecretBackend }>();

  function backendOf(component: Component): SecretBackend {
    if (deps.backendFor) return deps.backendFor(component);
    const cached = backends.get(component.id);
    if (cached && cached.updatedAt === component.updatedAt.getTime()) return cached.backend;
    const built = backendForComponent(component, deps.dataDir, deps.timeoutMs);
    const backend = deps.metrics
      ? observeBackend(built, backendFlavor(component.flavor), deps.metrics.backendCall)
      : built;
    backends.set(component.id, { updatedAt: component.updatedAt.getTime(), backend });
    return backend;
  }

  /** The secrets manager of a stack (default: the caller's active stack). */
  async function managerOf(principal: Principal, stackName?: string | null): Promise<SecretsManager> {
    const stack = await stacks.stackOrActive(principal, stackName);
    return managerOfStack(stack);
  }

  function managerOfStack(stack: Stack): SecretsManager {
    const component = stack.components.find((c) => c.type === 'SECRETS_MANAGER');
    if (!component) {
      throw new BadUserInputError(`Stack "${stack.name}" has no secrets manager`, [
        {
          path: 'stack',
          message: `stack "${stack.name}" has no SECRETS_MANAGER component; register one and add it`,
        },
      ]);
    }
    const c = component.configuration;
    const ctx: ScopeContext = {
      scope: (c.scope as SecretsManagerScope | undefined) ?? 'none',
      namespace: typeof c.namespace === 'string' ? c.namespace : undefined,
      componentId: component.id,
      componentName: component.name,
    };
    return { stack, component, scoping: scopingFor(component.flavor), ctx, backend: backendOf(component) };
  }

  /** The secrets manager of one component, known without its stack (the migration worker's case). */
  function managerOfComponent(component: Component): SecretsManager {
    const { createdAt, updatedAt } = component;
    return managerOfStack({ id: '', name: '', components: [component], createdAt, updatedAt });
  }

  function target(manager: SecretsManager, name: string, extra: Record<string, unknown> = {}) {
    return {
      kind: 'managed_secret',
      name,
      stack: manager.stack.name,
      componentId: manager.component.id,
      component: manager.component.name,
      flavor: manager.component.flavor,
      scope: manager.ctx.scope,
      ...(manager.ctx.namespace ? { namespace: manager.ctx.namespace } : {}),
      ...extra,
    };
  }

  /** The backend entries holding one secret (empty when absent). */
  async function entriesOf(manager: SecretsManager, name: string): Promise<ScopedEntry[]> {
    const { scoping, ctx, backend } = manager;
    const lookup = scoping.entryLookup(ctx, name);
    const names =
      lookup.by === 'name'
        ? lookup.names
        : (await listAll(backend, lookup.query))
            .filter((e) => scoping.secretNameOf(ctx, e) === name)
            .map((e) => e.name);
    const entries = await Promise.all(names.map((n) => backend.get(n)));
    return entries.filter((e): e is ScopedEntry => e !== undefined && scoping.secretNameOf(ctx, e) === name);
  }

  /** Loads one secret; undefined when absent. No audit: callers audit value access. */
  async function load(manager: SecretsManager, name: string): Promise<ManagedSecret | undefined> {
    manager.scoping.validateName(manager.ctx, name);
    const entries = await entriesOf(manager, name);
    if (entries.length === 0) return undefined;
    const { schema, values } = manager.scoping.fromEntries(entries);
    return { name, schema, values, keys: Object.keys(values).sort(), manager };
  }

  /**
   * Loads many secrets of one manager; absent ones are left out. A back-end with a batch read
   * (`getValues`) is listed once (the metadata that shows an entry belongs to the scope) and
   * then read in batches; otherwise each secret is loaded on its own.
   */
  function batchLoader(manager: SecretsManager): (names: string[]) => Promise<Map<string, ManagedSecret>> {
    const { scoping, ctx, backend } = manager;
    let listing: Promise<Map<string, SecretMetadata>> | undefined;
    const loadEach = async (names: string[]) => {
      const loaded = await Promise.all(names.map((name) => load(manager, name)));
      return new Map(loaded.filter((s) => s !== undefined).map((s) => [s.name, s]));
    };
    return async (names) => {
      const lookups = names.map((name) => {
        scoping.validateName(ctx, name);
        return { name, lookup: scoping.entryLookup(ctx, name) };
      });
      if (!backend.getValues || lookups.some(({ lookup }) => lookup.by !== 'name')) return loadEach(names);
      listing ??= listAll(backend, scoping.listQuery(ctx)).then(
        (entries) => new Map(entries.map((e) => [e.name, e.metadata])),
      );
      const listed = await listing;
      const entryNames = lookups.flatMap(({ lookup }) => (lookup.by === 'name' ? lookup.names : []));
      const values = await backend.getValues(entryNames);
      const found = new Map<string, ManagedSecret>();
      const unlisted: string[] = [];
      for (const { name, lookup } of lookups) {
        if (lookup.by !== 'name') continue;
        const entries = lookup.names.flatMap((entryName) => {
          const entryValues = values.get(entryName);
          const metadata = listed.get(entryName);
          return entryValues && metadata ? [{ name: entryName, values: entryValues, metadata }] : [];
        });
        const mine = entries.filter((e) => scoping.secretNameOf(ctx, e) === name);
        if (mine.length > 0) {
          const secret = scoping.fromEntries(mine);
          found.set(name, { name, ...secret, keys: Object.keys(secret.values).sort(), manager });
        } else if (lookup.names.some((n) => values.has(n))) unlisted.push(name); // created after the listing
      }
      for (const [name, secret] of await loadEach(unlisted)) found.set(name, secret);
      return found;
    };
  }

  async function require(manager: SecretsManager, name: string): Promise<ManagedSecret> {
    const secret = await load(manager, name);
    if (!secret) {
      throw new NotFoundError(
        `Secret "${name}" not found in secrets manager "${manager.component.name}" (stack ${manager.stack.name})`,
      );
    }
    return secret;
  }

  /** Names of every secret of the manager's scope, sorted (real pagination on the wire). */
  async function listNames(manager: SecretsManager): Promise<string[]> {
    const entries = await listAll(manager.backend, manager.scoping.listQuery(manager.ctx));
    const names = new Set<string>();
    for (const entry of entries) {
      const name = manager.scoping.secretNameOf(manager.ctx, entry);
      if (name !== undefined) names.add(name);
    }
    return [...names].sort();
  }

  async function getSecret(
    principal: Principal,
    name: string,
    stackName?: string | null,
  ): Promise<ManagedSecretRef | undefined> {
    await authorize(principal, 'secret.read', {
      action: 'managed_secret.get',
      target: { kind: 'managed_secret', name },
    });
    const secret = await load(await managerOf(principal, stackName), name);
    return secret && { name, load: async () => secret };
  }

  /** Every secret of the manager's scope by name; each loads from the back-end on first use. */
  async function listSecrets(principal: Principal, stackName?: string | null): Promise<ManagedSecretRef[]> {
    await authorize(principal, 'secret.read', {
      action: 'managed_secret.list',
      target: { kind: 'managed_secret' },
    });
    const manager = await managerOf(principal, stackName);
    return (await listNames(manager)).map((name) => {
      let loaded: Promise<ManagedSecret> | undefined;
      return {
        name,
        load: () => {
          loaded ??= require(manager, name);
          return loaded;
        },
      };
    });
  }

  /** A managed secret's values; needs value access; one `managed_secret.read` event before they return. */
  async function readValues(principal: Principal, secret: ManagedSecret): Promise<SecretValues> {
    const t = target(secret.manager, secret.name, { keys: secret.keys });
    await authorize(principal, 'secret.values', { action: 'managed_secret.read', target: t });
    await audit.record({
      actor: principal.name,
      action: 'managed_secret.read',
      target: t,
      values: secret.values,
    });
    return secret.values;
  }

  async function register(
    principal: Principal,
    input: { name: string; schema?: string | null; values?: unknown; stack?: string | null },
  ): Promise<ManagedSecret> {
    const schemaType = input.schema ?? 'arbitrary';
    await authorize(principal, 'secret.write', {
      action: 'managed_secret.create',
      target: { kind: 'managed_secret', name: input.name, stack: input.stack },
    });
    const manager = await managerOf(principal, input.stack);
    const issues: InputIssue[] = [];
    const raw = secretValuesInput(input.values, issues, false);
    let values: SecretValues = {};
    try {
      values = schemas.normalize(schemas.get(schemaType), raw, issues);
    } catch (error) {
      if (!(error instanceof BadUserInputError)) throw error;
      issues.push(...error.issues);
    }
    try {
      manager.scoping.validateName(manager.ctx, input.name);
    } catch (error) {
      if (!(error instanceof BadUserInputError)) throw error;
      issues.push(...error.issues);
    }
    if (Object.keys(values).length === 0 && issues.length === 0)
      issues.push({ path: 'values', message: 'at least one key is required' });
    if (issues.length) throw new BadUserInputError('Invalid secret', issues);
    if ((await entriesOf(manager, input.name)).length) {
      throw new AlreadyExistsError(
        `Secret "${input.name}" already exists in secrets manager "${manager.component.name}"`,
      );
    }
    const entries = manager.scoping.toEntries(manager.ctx, input.name, schemaType, values);
    const written: string[] = [];
    try {
      for (const entry of entries) {
        await manager.backend.create(entry);
        written.push(entry.name);
      }
      await audit.record({
        actor: principal.name,
        action: 'managed_secret.create',
        target: target(manager, input.name, { keys: Object.keys(values).sort(), schema: schemaType }),
        values,
      });
    } catch (error) {
      // Nothing half-written: undo the entries this call created.
      await Promise.all(written.map((n) => manager.backend.delete(n).catch(() => false)));
      throw error;
    }
    return { name: input.name, schema: schemaType, values, keys: Object.keys(values).sort(), manager };
  }

  /** Merges new keys into a secret (a null value removes a key); keeps its schema. */
  async function update(
    principal: Principal,
    input: { name: string; values?: unknown; stack?: string | null },
  ): Promise<ManagedSecret> {
    await authorize(principal, 'secret.write', {
      action: 'managed_secret.update',
      target: { kind: 'managed_secret', name: input.name, stack: input.stack },
    });
    const manager = await managerOf(principal, input.stack);
    const issues: InputIssue[] = [];
    const changes = secretValuesInput(input.values, issues, true);
    if (issues.length) throw new BadUserInputError('Invalid secret update', issues);
    const current = await require(manager, input.name);
    const next: Record<string, unknown> = mergeChanges(current.values, changes);
    const values = schemas.normalize(schemas.get(current.schema), next, issues);
    if (issues.length) throw new BadUserInputError('Invalid secret update', issues);
    const entries = manager.scoping.toEntries(manager.ctx, input.name, current.schema, values);
    const existing = new Set((await entriesOf(manager, input.name)).map((e) => e.name));
    for (const entry of entries) {
      if (existing.has(entry.name)) await manager.backend.update(entry);
      else await manager.backend.create(entry);
      existing.delete(entry.name);
    }
    for (const stale of existing) await manager.backend.delete(stale);
    const changed = Object.fromEntries(Object.entries(values).filter(([k, v]) => current.values[k] !== v));
    await audit.record({
      actor: principal.name,
      action: 'managed_secret.update',
      target: target(manager, input.name, {
        keys: Object.keys(values).sort(),
        changedKeys: Object.keys(changed).sort(),
        removedKeys: current.keys.filter((k) => !(k in values)),
      }),
      values: changed,
    });
    return { name: input.name, schema: current.schema, values, keys: Object.keys(values).sort(), manager };
  }

  async function remove(principal: Principal, name: string, stackName?: string | null): Promise<boolean> {
    await authorize(principal, 'secret.write', {
      action: 'managed_secret.delete',
      target: { kind: 'managed_secret', name, stack: stackName },
    });
    const manager = await managerOf(principal, stackName);
    manager.scoping.validateName(manager.ctx, name);
    const entries = await entriesOf(manager, name);
    if (entries.length === 0)
      throw new NotFoundError(`Secret "${name}" not found in secrets manager "${manager.component.name}"`);
    for (const entry of entries) await manager.backend.delete(entry.name);
    await audit.record({
      actor: principal.name,
      action: 'managed_secret.delete',
      target: target(manager, name),
    });
    return true;
  }

  return {
    managerOf,
    managerOfStack,
    managerOfComponent,
    load,
    batchLoader,
    listNames,
    entriesOf,
    getSecret,
    listSecrets,
    readValues,
    register,
    update,
    remove,
    target,
  };
}

export type ManagedSecretsService = ReturnType<typeof createManagedSecretsService>;
