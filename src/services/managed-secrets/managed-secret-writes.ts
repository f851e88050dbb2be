import type { Principal } from '../../auth/principal.js';
import type { SecretValues } from '../../backends/backend.js';
import { AlreadyExistsError, BadUserInputError, type InputIssue, NotFoundError } from '../../errors.js';
import { secretValuesInput } from '../../schemas/secret-values-input.js';
import { mergeChanges } from '../merge-changes.js';
import { type ManagedSecret, type SecretsManager, managedSecretTarget as target } from './managed-secret.js';
import { entriesOf, requireSecret } from './managed-secret-reads.js';
import type { ManagedSecretsServiceDeps } from './managed-secrets-service.js';
import type { SecretsManagers } from './secrets-managers.js';

type WriteDeps = Pick<ManagedSecretsServiceDeps, 'audit' | 'authorize' | 'schemas'> &
  Pick<SecretsManagers, 'managerOf'>;

/** Adds a rethrown BAD_USER_INPUT's issues to `issues`; any other error is rethrown. */
function collectIssues(issues: InputIssue[], check: () => void): void {
  try {
    check();
  } catch (error) {
    if (!(error instanceof BadUserInputError)) throw error;
    issues.push(...error.issues);
  }
}

/** The `values` argument, checked before any other work (limits, keys, types); BAD_USER_INPUT with `message`. */
function checkedValuesInput(
  input: unknown,
  allowNull: boolean,
  message: string,
): Record<string, string | null> {
  const issues: InputIssue[] = [];
  const values = secretValuesInput(input, issues, allowNull);
  if (issues.length) throw new BadUserInputError(message, issues);
  return values;
}

/** The values of a new secret, normalized by its schema; BAD_USER_INPUT listing every problem (name included). */
function validNewSecret(
  deps: Pick<WriteDeps, 'schemas'>,
  manager: SecretsManager,
  name: string,
  schemaType: string,
  raw: Record<string, unknown>,
): SecretValues {
  const issues: InputIssue[] = [];
  let values: SecretValues = {};
  collectIssues(issues, () => {
    values = deps.schemas.normalize(deps.schemas.get(schemaType), raw, issues);
  });
  collectIssues(issues, () => manager.scoping.validateName(manager.ctx, name));
  if (Object.keys(values).length === 0 && issues.length === 0)
    issues.push({ path: 'values', message: 'at least one key is required' });
  if (issues.length) throw new BadUserInputError('Invalid secret', issues);
  return values;
}

/** Creates a secret in the stack's secrets manager; BAD_USER_INPUT, ALREADY_EXISTS; nothing half-written on failure. */
export async function register(
  deps: WriteDeps,
  principal: Principal,
  input: { name: string; schema?: string | null; values?: unknown; stack?: string | null },
): Promise<ManagedSecret> {
  const schemaType = input.schema ?? 'arbitrary';
  await deps.authorize(principal, 'secret.write', {
    action: 'managed_secret.create',
    target: { kind: 'managed_secret', name: input.name, stack: input.stack },
  });
  const raw = checkedValuesInput(input.values, false, 'Invalid secret');
  const manager = await deps.managerOf(principal, input.stack);
  const values = validNewSecret(deps, manager, input.name, schemaType, raw);
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
    await deps.audit.record({
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

/** Writes a secret's entries: updates the existing ones, creates the new ones, deletes the stale ones. */
async function writeEntries(manager: SecretsManager, name: string, schema: string, values: SecretValues) {
  const entries = manager.scoping.toEntries(manager.ctx, name, schema, values);
  const existing = new Set((await entriesOf(manager, name)).map((e) => e.name));
  for (const entry of entries) {
    if (existing.has(entry.name)) await manager.backend.update(entry);
    else await manager.backend.create(entry);
    existing.delete(entry.name);
  }
  for (const stale of existing) await manager.backend.delete(stale);
}

/** Merges new keys into a secret (a null value removes a key); keeps its schema; BAD_USER_INPUT, NOT_FOUND. */
export async function update(
  deps: WriteDeps,
  principal: Principal,
  input: { name: string; values?: unknown; stack?: string | null },
): Promise<ManagedSecret> {
  await deps.authorize(principal, 'secret.write', {
    action: 'managed_secret.update',
    target: { kind: 'managed_secret', name: input.name, stack: input.stack },
  });
  const changes = checkedValuesInput(input.values, true, 'Invalid secret update');
  const manager = await deps.managerOf(principal, input.stack);
  const issues: InputIssue[] = [];
  const current = await requireSecret(manager, input.name);
  const next: Record<string, unknown> = mergeChanges(current.values, changes);
  const values = deps.schemas.normalize(deps.schemas.get(current.schema), next, issues);
  if (issues.length) throw new BadUserInputError('Invalid secret update', issues);
  await writeEntries(manager, input.name, current.schema, values);
  const changed = Object.fromEntries(Object.entries(values).filter(([k, v]) => current.values[k] !== v));
  await deps.audit.record({
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

/** Deletes a secret's entries from the stack's secrets manager; NOT_FOUND when absent. */
export async function remove(
  deps: WriteDeps,
  principal: Principal,
  name: string,
  stackName?: string | null,
): Promise<boolean> {
  await deps.authorize(principal, 'secret.write', {
    action: 'managed_secret.delete',
    target: { kind: 'managed_secret', name, stack: stackName },
  });
  const manager = await deps.managerOf(principal, stackName);
  manager.scoping.validateName(manager.ctx, name);
  const entries = await entriesOf(manager, name);
  if (entries.length === 0)
    throw new NotFoundError(`Secret "${name}" not found in secrets manager "${manager.component.name}"`);
  for (const entry of entries) await manager.backend.delete(entry.name);
  await deps.audit.record({
    actor: principal.name,
    action: 'managed_secret.delete',
    target: target(manager, name),
  });
  return true;
}
