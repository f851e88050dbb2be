import { z } from 'zod';
import type { Principal } from '../../auth/principal.js';
import type { Executor } from '../../database/database.js';
import {
  AlreadyExistsError,
  BadUserInputError,
  type InputIssue,
  issuesFromZod,
  NotFoundError,
} from '../../errors.js';
import { findComponentsByName } from './components-repository.js';
import { resourceNameSchema } from './resource-name.js';
import { type Stack, stackOfRow } from './stack.js';
import * as repo from './stacks-repository.js';
import type { StacksServiceDeps } from './stacks-service.js';

type WriteDeps = Pick<StacksServiceDeps, 'keyring' | 'audit' | 'authorize'>;

/** The arguments of `registerStack` that need no database to check. */
const registrationSchema = z.object({ name: resourceNameSchema });

/** Resolves component names (unique per type) to ids; at most one per type. Problems go to `issues`. */
async function resolveStackComponents(executor: Executor, names: string[], issues: InputIssue[]) {
  const chosen: Array<{ id: string; type: string }> = [];
  for (const [index, name] of names.entries()) {
    const rows = await findComponentsByName(executor, name);
    const path = `components.${index}`;
    if (rows.length === 0) issues.push({ path, message: `no component named "${name}"` });
    else if (rows.length > 1) {
      issues.push({
        path,
        message: `"${name}" names components of several types (${rows.map((r) => r.type).join(', ')})`,
      });
    } else if (chosen.some((c) => c.type === rows[0].type)) {
      issues.push({ path, message: `a stack has at most one ${rows[0].type} component` });
    } else chosen.push({ id: rows[0].id, type: rows[0].type });
  }
  return chosen;
}

/** Registers a stack of the named components; BAD_USER_INPUT listing every problem, ALREADY_EXISTS. */
export async function registerStack(
  deps: WriteDeps,
  principal: Principal,
  name: string,
  componentNames: string[],
): Promise<Stack> {
  const target = { kind: 'stack', name, components: componentNames };
  await deps.authorize(principal, 'stack.write', { action: 'stack.register', target });
  return deps.audit.audited(async (trx, record) => {
    const parsed = registrationSchema.safeParse({ name });
    const issues = parsed.success ? [] : issuesFromZod(parsed.error.issues);
    const components = await resolveStackComponents(trx, componentNames, issues);
    if (issues.length) throw new BadUserInputError('Invalid stack', issues);
    if (await repo.findStack(trx, name))
      throw new AlreadyExistsError(`A stack named "${name}" already exists`);
    const row = await repo.insertStack(trx, name);
    await repo.setStackComponents(trx, row.id, components);
    await record({
      actor: principal.name,
      action: 'stack.register',
      target: { ...target, stackId: row.id },
    });
    return (await stackOfRow(trx, deps.keyring, row))!;
  });
}

/** Replaces a stack's components; NOT_FOUND, BAD_USER_INPUT listing every problem. */
export async function updateStack(
  deps: WriteDeps,
  principal: Principal,
  name: string,
  componentNames: string[],
): Promise<Stack> {
  const target = { kind: 'stack', name, components: componentNames };
  await deps.authorize(principal, 'stack.write', { action: 'stack.update', target });
  return deps.audit.audited(async (trx, record) => {
    const row = await repo.findStack(trx, name);
    if (!row) throw new NotFoundError(`No stack named "${name}"`);
    const issues: InputIssue[] = [];
    const components = await resolveStackComponents(trx, componentNames, issues);
    if (issues.length) throw new BadUserInputError('Invalid stack', issues);
    await repo.setStackComponents(trx, row.id, components);
    await record({ actor: principal.name, action: 'stack.update', target: { ...target, stackId: row.id } });
    return (await stackOfRow(trx, deps.keyring, await repo.findStack(trx, name)))!;
  });
}

/** Deletes a stack (its components stay); NOT_FOUND when there is none. */
export async function deleteStack(deps: WriteDeps, principal: Principal, name: string): Promise<boolean> {
  const target = { kind: 'stack', name };
  await deps.authorize(principal, 'stack.write', { action: 'stack.delete', target });
  return deps.audit.audited(async (trx, record) => {
    const row = await repo.findStack(trx, name);
    if (!row) throw new NotFoundError(`No stack named "${name}"`);
    await repo.deleteStack(trx, row.id);
    await record({ actor: principal.name, action: 'stack.delete', target: { ...target, stackId: row.id } });
    return true;
  });
}
