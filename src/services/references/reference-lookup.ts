import type { Principal } from '../../auth/principal.js';
import type { SecretValues } from '../../backends/backend.js';
import type { SecretValidationLevel } from '../../config.js';
import { formatSecretReference } from '../../flavors/secret-reference.js';
import type { FieldReference } from '../../flavors/validate-configuration.js';
import type { SecretScope } from '../secrets/secret.js';
import type { StoredSecrets } from '../secrets/stored-secrets.js';
import type { Component } from '../stacks/component.js';
import type { Stack } from '../stacks/stack.js';
import type { StacksService } from '../stacks/stacks-service.js';

/** Where a referenced secret was found, with its keys (and values when resolving). */
export interface FoundSecret {
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

/** What looking up a referenced secret needs: the store, and the stacks' secrets managers if any. */
export interface ReferenceLookupDeps {
  secrets: Pick<StoredSecrets, 'getSecretForResolution'>;
  managerSecrets?: ManagerSecretSource;
}

/** The stack whose secrets manager a component's references may name: the first stack using it, else the caller's active one. */
export async function stackOf(
  stacks: Pick<StacksService, 'stacksWithComponent' | 'activeStack'>,
  principal: Principal,
  component: Component,
): Promise<Stack | undefined> {
  const owning = await stacks.stacksWithComponent(component.id);
  return owning[0] ?? (await stacks.activeStack(principal));
}

/** Where a component's references are looked up for one reader. */
export interface LookupContext {
  /** The stack whose secrets manager may hold them. */
  stack: Stack | undefined;
  /** WORKSPACE when the reader does not own the component; undefined: USER then WORKSPACE. */
  scope: SecretScope | undefined;
}

/**
 * The context of a component's references for `principal`: the given stack (else `stackOf`), and
 * USER-scoped secrets only for the component's owner — in a component someone else wrote, a
 * reference never yields the reader's private secret (WORKSPACE only; ZenML resolved USER first).
 */
export async function lookupContextOf(
  stacks: Pick<StacksService, 'stacksWithComponent' | 'activeStack'>,
  principal: Principal,
  component: Component,
  stack?: Stack,
): Promise<LookupContext> {
  return {
    stack: stack ?? (await stackOf(stacks, principal, component)),
    scope: component.ownerId === principal.id ? undefined : 'WORKSPACE',
  };
}

/** A referenced secret: the store first (USER then WORKSPACE, or the context's scope), then the stack's secrets manager; undefined when absent. */
export async function findSecret(
  deps: ReferenceLookupDeps,
  principal: Principal,
  name: string,
  { stack, scope }: LookupContext,
  withValues: boolean,
): Promise<FoundSecret | undefined> {
  const stored = await deps.secrets.getSecretForResolution(principal, name, withValues, scope);
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

/** The problem with one reference under a validation level, or undefined (a failed lookup is a problem too). */
export async function problemOf(
  deps: ReferenceLookupDeps,
  principal: Principal,
  ref: FieldReference,
  context: LookupContext,
  level: SecretValidationLevel,
): Promise<string | undefined> {
  if (level === 'NONE') return undefined;
  let found: FoundSecret | undefined;
  try {
    found = await findSecret(deps, principal, ref.secretName, context, false);
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
