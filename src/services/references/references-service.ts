import type { Authorize } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import type { SecretValues } from '../../backends/backend.js';
import type { SecretValidationLevel } from '../../config.js';
import { NotFoundError } from '../../errors.js';
import type { FieldReference } from '../../flavors/validate-configuration.js';
import type { AuditService } from '../audit/audit-service.js';
import type { StoredSecrets } from '../secrets/stored-secrets.js';
import { type Component, componentReferences } from '../stacks/component.js';
import type { Stack, StacksService } from '../stacks/stacks-service.js';
import { formatSecretReference } from './secret-reference.js';

/** Where a referenced secret was found, with its keys (and values when resolving). */
interface FoundSecret {
  source: 'store' | 'secrets_manager';
  name: string;
  keys: string[];
  target: Record<string, unknown>;
  values?: SecretValues;
}

/** Reads secrets of a stack's secrets manager (provided by the managed-secrets service). */
export interface ManagerSecretSource {
  /** Keys (and values when `withValues`) of a managed secret, or undefined if absent; throws if the stack has no manager. */
  find(
    principal: Principal,
    stack: Stack,
    name: string,
    withValues: boolean,
  ): Promise<{ keys: string[]; values?: SecretValues; target: Record<string, unknown> } | undefined>;
}

export interface ReferencesServiceDeps {
  secrets: Pick<StoredSecrets, 'getSecretForResolution'>;
  stacks: Pick<StacksService, 'stacksWithComponent' | 'activeStack'>;
  audit: Pick<AuditService, 'record'>;
  authorize: Authorize;
  validationLevel: SecretValidationLevel;
  managerSecrets?: ManagerSecretSource;
}

/** Secret references in component configurations: validation, stack problems and resolution. */
export function createReferencesService(deps: ReferencesServiceDeps) {
  const { secrets, stacks, audit, authorize } = deps;

  /** Store first (USER then WORKSPACE), then the stack's secrets manager. */
  async function findSecret(
    principal: Principal,
    name: string,
    stack: Stack | undefined,
    withValues: boolean,
  ): Promise<FoundSecret | undefined> {
    const stored = await secrets.getSecretForResolution(principal, name, withValues);
    if (stored) {
      return {
        source: 'store',
        name,
        keys: stored.secret.keys,
        values: stored.values,
        target: { source: 'store', name, scope: stored.secret.scope, secretId: stored.secret.id },
      };
    }
    if (!stack || !deps.managerSecrets || !stack.components.some((c) => c.type === 'SECRETS_MANAGER'))
      return undefined;
    const managed = await deps.managerSecrets.find(principal, stack, name, withValues);
    return managed && { source: 'secrets_manager', name, ...managed };
  }

  /** The problem with one reference under the configured validation level, or undefined. */
  async function problemOf(
    principal: Principal,
    ref: FieldReference,
    stack: Stack | undefined,
    level = deps.validationLevel,
  ) {
    if (level === 'NONE') return undefined;
    let found: FoundSecret | undefined;
    try {
      found = await findSecret(principal, ref.secretName, stack, false);
    } catch (error) {
      return `Field "${ref.field}": secret "${ref.secretName}" could not be checked (${(error as Error).message})`;
    }
    if (!found)
      return `Field "${ref.field}": secret "${ref.secretName}" referenced by ${formatSecretReference(ref)} does not exist`;
    if (level === 'SECRET_AND_KEY_EXISTS' && !found.keys.includes(ref.key)) {
      return `Field "${ref.field}": secret "${ref.secretName}" has no key "${ref.key}" (available: ${found.keys.join(', ') || 'none'})`;
    }
    return undefined;
  }

  async function stackOf(principal: Principal, component: Component): Promise<Stack | undefined> {
    const owning = await stacks.stacksWithComponent(component.id);
    return owning[0] ?? (await stacks.activeStack(principal));
  }

  /** Warnings for a component's references (used at registration). */
  async function check(principal: Principal, component: Component, stack?: Stack): Promise<string[]> {
    const context = stack ?? (await stackOf(principal, component));
    const warnings: string[] = [];
    for (const ref of componentReferences(component)) {
      const problem = await problemOf(principal, ref, context);
      if (problem) warnings.push(`Component "${component.name}": ${problem}`);
    }
    return warnings;
  }

  /** Unresolvable references of every component of a stack. */
  async function stackProblems(principal: Principal, stack: Stack): Promise<string[]> {
    const problems: string[] = [];
    for (const component of stack.components) problems.push(...(await check(principal, component, stack)));
    return problems;
  }

  /** The configuration with every reference replaced by its value; one audited `component.resolve`. */
  async function resolve(principal: Principal, component: Component): Promise<Record<string, unknown>> {
    const refs = componentReferences(component);
    const target = {
      kind: 'component',
      type: component.type,
      name: component.name,
      componentId: component.id,
    };
    await authorize(principal, 'secret.values', { action: 'component.resolve', target });
    const stack = await stackOf(principal, component);
    const found = new Map<string, FoundSecret>();
    for (const ref of refs) {
      if (found.has(ref.secretName)) continue;
      const secret = await findSecret(principal, ref.secretName, stack, true);
      if (!secret) {
        throw new NotFoundError(
          `Secret "${ref.secretName}" referenced by ${formatSecretReference(ref)} in field "${ref.field}" does not exist`,
        );
      }
      found.set(ref.secretName, secret);
    }
    const resolved: Record<string, unknown> = { ...component.configuration };
    const fingerprinted: Record<string, string> = {};
    for (const ref of refs) {
      const secret = found.get(ref.secretName)!;
      const value = secret.values?.[ref.key];
      if (value === undefined) {
        throw new NotFoundError(
          `Secret "${ref.secretName}" has no key "${ref.key}" (field "${ref.field}"); available keys: ${secret.keys.join(', ') || 'none'}`,
        );
      }
      resolved[ref.field] = value;
      fingerprinted[`${ref.secretName}.${ref.key}`] = value;
    }
    await audit.record({
      actor: principal.name,
      action: 'component.resolve',
      target: {
        ...target,
        stack: stack?.name ?? null,
        secrets: [...found.values()].map((s) => ({
          ...s.target,
          keys: refs.filter((r) => r.secretName === s.name).map((r) => r.key),
        })),
      },
      values: fingerprinted,
    });
    return resolved;
  }

  return { check, stackProblems, resolve };
}

export type ReferencesService = ReturnType<typeof createReferencesService>;
