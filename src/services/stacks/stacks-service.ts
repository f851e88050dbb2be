import type { Authorize } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import type { Keyring } from '../../crypto/keyring.js';
import type { Db } from '../../database/database.js';
import { NotFoundError } from '../../errors.js';
import type { AuditService } from '../audit/audit-service.js';
import { type Stack, stackOfRow, stacksFromRows } from './stack.js';
import { deleteStack, registerStack, updateStack } from './stack-writes.js';
import * as repo from './stacks-repository.js';

export interface StacksServiceDeps {
  db: Db;
  /** Opens the sealed values of the stacks' components. */
  keyring: Keyring;
  audit: Pick<AuditService, 'audited'>;
  authorize: Authorize;
}

type ReadDeps = Pick<StacksServiceDeps, 'db' | 'keyring'>;

/** Every stack by name; needs `stack.read`. */
async function listStacks(
  deps: ReadDeps & Pick<StacksServiceDeps, 'authorize'>,
  principal: Principal,
): Promise<Stack[]> {
  await deps.authorize(principal, 'stack.read', { action: 'stack.list', target: { kind: 'stack' } });
  return stacksFromRows(deps.db, deps.keyring, await repo.listStacks(deps.db));
}

/** A stack by name, undefined when absent; needs `stack.read`. */
async function getStack(
  deps: ReadDeps & Pick<StacksServiceDeps, 'authorize'>,
  principal: Principal,
  name: string,
): Promise<Stack | undefined> {
  await deps.authorize(principal, 'stack.read', { action: 'stack.get', target: { kind: 'stack', name } });
  return stackOfRow(deps.db, deps.keyring, await repo.findStack(deps.db, name));
}

/** Makes a stack the caller's active one; needs `stack.read`; NOT_FOUND when there is none. */
async function setActiveStack(
  deps: ReadDeps & Pick<StacksServiceDeps, 'authorize'>,
  principal: Principal,
  name: string,
): Promise<Stack> {
  await deps.authorize(principal, 'stack.read', {
    action: 'stack.activate',
    target: { kind: 'stack', name },
  });
  const row = await repo.findStack(deps.db, name);
  if (!row) throw new NotFoundError(`No stack named "${name}"`);
  await repo.setActiveStack(deps.db, principal.id, row.id);
  return (await stackOfRow(deps.db, deps.keyring, row))!;
}

/** The caller's active stack, if set. */
async function activeStack(deps: ReadDeps, principal: Principal): Promise<Stack | undefined> {
  const id = await repo.findActiveStackId(deps.db, principal.id);
  return id ? stackOfRow(deps.db, deps.keyring, await repo.findStackById(deps.db, id)) : undefined;
}

/** The named stack, or the caller's active one; NOT_FOUND when neither exists (no permission check). */
async function stackOrActive(deps: ReadDeps, principal: Principal, name?: string | null): Promise<Stack> {
  if (name) {
    const stack = await stackOfRow(deps.db, deps.keyring, await repo.findStack(deps.db, name));
    if (!stack) throw new NotFoundError(`No stack named "${name}"`);
    return stack;
  }
  const stack = await activeStack(deps, principal);
  if (!stack) throw new NotFoundError('No active stack: pass a stack name or call setActiveStack first');
  return stack;
}

/** The stacks that use a component, by name (no permission check). */
async function stacksWithComponent(deps: ReadDeps, componentId: string): Promise<Stack[]> {
  const names = await repo.stacksUsingComponent(deps.db, componentId);
  const rows = await Promise.all(names.map((n) => repo.findStack(deps.db, n)));
  return stacksFromRows(
    deps.db,
    deps.keyring,
    rows.filter((s) => s !== undefined),
  );
}

/** Stacks: register, update, delete, list; the per-principal active stack. */
export function createStacksService(deps: StacksServiceDeps) {
  return {
    registerStack: (principal: Principal, name: string, components: string[]) =>
      registerStack(deps, principal, name, components),
    updateStack: (principal: Principal, name: string, components: string[]) =>
      updateStack(deps, principal, name, components),
    deleteStack: (principal: Principal, name: string) => deleteStack(deps, principal, name),
    listStacks: (principal: Principal) => listStacks(deps, principal),
    getStack: (principal: Principal, name: string) => getStack(deps, principal, name),
    setActiveStack: (principal: Principal, name: string) => setActiveStack(deps, principal, name),
    activeStack: (principal: Principal) => activeStack(deps, principal),
    /** The id of the caller's active stack, if set (one query). */
    activeStackId: (principal: Principal) => repo.findActiveStackId(deps.db, principal.id),
    stackOrActive: (principal: Principal, name?: string | null) => stackOrActive(deps, principal, name),
    stacksWithComponent: (componentId: string) => stacksWithComponent(deps, componentId),
  };
}

export type StacksService = ReturnType<typeof createStacksService>;
