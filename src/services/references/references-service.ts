import type { Principal } from '../../auth/principal.js';
import type { SecretValidationLevel } from '../../config.js';
import { type Component, componentReferences } from '../stacks/component.js';
import type { Stack } from '../stacks/stack.js';
import { lookupContextOf, problemOf } from './reference-lookup.js';
import { type ResolutionDeps, resolve } from './reference-resolution.js';

export interface ReferencesServiceDeps extends ResolutionDeps {
  validationLevel: SecretValidationLevel;
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

/** Secret references in component configurations: validation, stack problems and resolution. */
export function createReferencesService(deps: ReferencesServiceDeps) {
  return {
    check: (principal: Principal, component: Component, stack?: Stack) =>
      check(deps, principal, component, stack),
    stackProblems: (principal: Principal, stack: Stack) => stackProblems(deps, principal, stack),
    resolve: (principal: Principal, component: Component) => resolve(deps, principal, component),
  };
}

export type ReferencesService = ReturnType<typeof createReferencesService>;
