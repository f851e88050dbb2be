import type { Principal } from '../../auth/principal.js';
import type { SecretValidationLevel } from '../../config.js';
import type { Keyring } from '../../crypto/keyring.js';
import type { Db } from '../../database/database.js';
import type { Secret, SecretScope } from '../secrets/secret.js';
import { type Component, componentReferences } from '../stacks/component.js';
import type { Stack } from '../stacks/stack.js';
import { deleteWarnings, referencedBy } from './reference-graph.js';
import { lookupContextOf, problemOf } from './reference-lookup.js';
import { type ResolutionDeps, resolve } from './reference-resolution.js';
import { createReferenceUses, type ReferencedSecret } from './reference-uses.js';

export interface ReferencesServiceDeps extends ResolutionDeps {
  validationLevel: SecretValidationLevel;
  /** Where the reference graph reads components and stacks. */
  db: Db;
  keyring: Keyring;
}

/** Warnings for a component's references (at registration); the stack defaults to the component's or the active one. */
async function check(
  deps: ReferencesServiceDeps,
  principal: Principal,
  component: Component,
  stack?: Stack,
): Promise<string[]> {
  const context = await lookupContextOf(deps.stacks, principal, component, stack);
  const warnings: string[] = [];
  for (const ref of componentReferences(component)) {
    const problem = await problemOf(deps, principal, ref, context, deps.validationLevel);
    if (problem) warnings.push(`Component "${component.name}": ${problem}`);
  }
  return warnings;
}

/** Unresolvable references of every component of a stack. */
async function stackProblems(
  deps: ReferencesServiceDeps,
  principal: Principal,
  stack: Stack,
): Promise<string[]> {
  const problems: string[] = [];
  for (const component of stack.components)
    problems.push(...(await check(deps, principal, component, stack)));
  return problems;
}

/** Secret references in component configurations: validation, stack problems, resolution and the reference graph. */
export function createReferencesService(deps: ReferencesServiceDeps) {
  const uses = createReferenceUses(deps);
  const graph = { ...deps, uses };
  return {
    check: (principal: Principal, component: Component, stack?: Stack) =>
      check(deps, principal, component, stack),
    stackProblems: (principal: Principal, stack: Stack) => stackProblems(deps, principal, stack),
    resolve: (principal: Principal, component: Component) => resolve(deps, principal, component),
    /** `Secret.referencedBy` for the caller (`secret.read`; components only with `stack.read`). */
    referencedBy: (principal: Principal, secret: Secret) => referencedBy(graph, principal, secret),
    /** Warnings for deleting the secret the caller would delete, read before the delete. */
    deleteWarnings: (principal: Principal, name: string, scope?: SecretScope | null) =>
      deleteWarnings(graph, principal, name, scope),
    /** The uses of a secret, unchecked and batched (the change feed checks first). */
    usesOf: (secret: ReferencedSecret) => uses(secret),
  };
}

export type ReferencesService = ReturnType<typeof createReferencesService>;
