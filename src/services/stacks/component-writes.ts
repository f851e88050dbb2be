import { randomUUID } from 'node:crypto';
import type { Principal } from '../../auth/principal.js';
import type { Executor } from '../../database/database.js';
import { AlreadyExistsError, BadUserInputError, NotFoundError } from '../../errors.js';
import type { ComponentType } from '../../flavors/component-types.js';
import { repointingIssues } from '../../flavors/credential-destinations.js';
import { findFlavor } from '../../flavors/flavor-catalog.js';
import { mergeChanges } from '../merge-changes.js';
import { type Component, componentFromRow } from './component.js';
import { validChanges, validRegistration, validUpdate } from './component-input.js';
import { sealConfiguration } from './component-sealing.js';
import * as repo from './components-repository.js';
import type { ComponentPayload, ComponentsServiceDeps } from './components-service.js';
import { stacksUsingComponent } from './stacks-repository.js';

type WriteDeps = Pick<
  ComponentsServiceDeps,
  'keyring' | 'audit' | 'authorize' | 'checkReferences' | 'endpoints'
>;

/** Registers a component owned by the caller (sensitive values sealed); BAD_USER_INPUT, ALREADY_EXISTS; warnings for its references. */
export async function registerComponent(
  deps: WriteDeps,
  principal: Principal,
  type: ComponentType,
  name: string,
  flavorName: string,
  configurationInput: unknown,
): Promise<ComponentPayload> {
  const target = { kind: 'component', type, name, flavor: flavorName };
  await deps.authorize(principal, 'stack.write', { action: 'component.register', target });
  const id = randomUUID();
  const validated = validRegistration(
    { id, type, name, flavor: flavorName, configuration: configurationInput },
    deps.endpoints,
  );
  const sealed = {
    ...sealConfiguration(deps.keyring, id, type, flavorName, validated.configuration),
    name,
    ownerId: principal.id,
  };
  const component = await deps.audit.audited(async (trx, record) => {
    if (await repo.findComponent(trx, type, name)) {
      throw new AlreadyExistsError(`A ${type} component named "${name}" already exists`);
    }
    const row = await repo.insertComponent(trx, sealed);
    await record({
      actor: principal.name,
      action: 'component.register',
      target: { ...target, componentId: id },
    });
    return componentFromRow(row, deps.keyring);
  });
  return {
    component,
    warnings: [...validated.warnings, ...(await deps.checkReferences(principal, component))],
  };
}

/**
 * Merges `configurationInput` into the configuration (a null value removes the field); the caller
 * becomes its owner. NOT_FOUND; BAD_USER_INPUT, also for moving credentials without giving them again.
 */
export async function updateComponent(
  deps: WriteDeps,
  principal: Principal,
  type: ComponentType,
  name: string,
  configurationInput: unknown,
): Promise<ComponentPayload> {
  const target = { kind: 'component', type, name };
  await deps.authorize(principal, 'stack.write', { action: 'component.update', target });
  const changes = validChanges(type, configurationInput);
  const { component, warnings } = await deps.audit.audited(async (trx, record) => {
    const current = await requireComponent(trx, deps, type, name);
    const validated = validUpdate(current, mergeChanges(current.configuration, changes), deps.endpoints);
    requireCredentialsIfRepointed(current, validated.configuration, changes);
    // Whoever writes the configuration owns it: another owner's USER secrets stop resolving into it.
    const sealed = {
      ...sealConfiguration(deps.keyring, current.id, type, current.flavor, validated.configuration),
      name,
      ownerId: principal.id,
    };
    const row = await repo.updateComponent(trx, sealed);
    await record({
      actor: principal.name,
      action: 'component.update',
      target: { ...target, componentId: current.id, fields: Object.keys(changes).sort() },
    });
    return { component: componentFromRow(row, deps.keyring), warnings: validated.warnings };
  });
  return { component, warnings: [...warnings, ...(await deps.checkReferences(principal, component))] };
}

/** Deletes a component no stack uses; NOT_FOUND, or BAD_USER_INPUT naming the stacks that use it. */
export async function deleteComponent(
  deps: WriteDeps,
  principal: Principal,
  type: ComponentType,
  name: string,
): Promise<boolean> {
  const target = { kind: 'component', type, name };
  await deps.authorize(principal, 'stack.write', { action: 'component.delete', target });
  return deps.audit.audited(async (trx, record) => {
    const row = await repo.findComponent(trx, type, name);
    if (!row) throw new NotFoundError(`No ${type} component named "${name}"`);
    const users = await stacksUsingComponent(trx, row.id);
    if (users.length) {
      throw new BadUserInputError(`Component "${name}" is used by stack(s) ${users.join(', ')}`, [
        { path: 'name', message: `in use by stack(s) ${users.join(', ')}; remove it from them first` },
      ]);
    }
    await repo.deleteComponent(trx, row.id);
    await record({
      actor: principal.name,
      action: 'component.delete',
      target: { ...target, componentId: row.id },
    });
    return true;
  });
}

/** BAD_USER_INPUT naming the credential fields to give again when an update moves where they are sent. */
function requireCredentialsIfRepointed(
  current: Component,
  next: Record<string, unknown>,
  changes: Record<string, unknown>,
): void {
  const flavor = findFlavor(current.type, current.flavor)!;
  const issues = repointingIssues(flavor, current.configuration, next, changes);
  if (issues.length === 0) return;
  const fields = issues.map((i) => i.path.replace(/^configuration\./, ''));
  throw new BadUserInputError(
    `Changing where the credentials of "${current.name}" are sent needs them again: give ${fields.join(', ')}`,
    issues,
  );
}

/** The component of that type and name; NOT_FOUND when there is none. */
async function requireComponent(
  executor: Executor,
  deps: Pick<WriteDeps, 'keyring'>,
  type: ComponentType,
  name: string,
): Promise<Component> {
  const row = await repo.findComponent(executor, type, name);
  if (!row) throw new NotFoundError(`No ${type} component named "${name}"`);
  return componentFromRow(row, deps.keyring);
}
