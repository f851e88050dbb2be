import type { Authorize } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import type { Keyring } from '../../crypto/keyring.js';
import type { Db } from '../../database/database.js';
import type { ComponentType } from '../../flavors/component-types.js';
import type { EndpointPolicy } from '../../security/endpoint-policy.js';
import type { AuditService } from '../audit/audit-service.js';
import { type Component, componentFromRow } from './component.js';
import { resealComponents } from './component-sealing.js';
import { deleteComponent, registerComponent, updateComponent } from './component-writes.js';
import * as repo from './components-repository.js';

/** A saved component and the warnings about its configuration (advice, unresolvable references). */
export interface ComponentPayload {
  component: Component;
  warnings: string[];
}

/** Warnings for a saved component's secret references; never throws for a missing secret. */
export type ReferenceChecker = (principal: Principal, component: Component) => Promise<string[]>;

export interface ComponentsServiceDeps {
  db: Db;
  keyring: Keyring;
  audit: Pick<AuditService, 'audited'>;
  authorize: Authorize;
  /** Checks the references of a registered or updated component (the references service's `check`). */
  checkReferences: ReferenceChecker;
  /** Where a secrets manager's endpoints may point (SGW_ALLOWED_ENDPOINTS). */
  endpoints: EndpointPolicy;
}

/** A component by type and name, undefined when absent; needs `stack.read`. */
async function getComponent(
  deps: Pick<ComponentsServiceDeps, 'db' | 'keyring' | 'authorize'>,
  principal: Principal,
  type: ComponentType,
  name: string,
): Promise<Component | undefined> {
  await deps.authorize(principal, 'stack.read', {
    action: 'component.get',
    target: { kind: 'component', type, name },
  });
  const row = await repo.findComponent(deps.db, type, name);
  return row && componentFromRow(row, deps.keyring);
}

/** Every component (of one type when given), by type then name; needs `stack.read`. */
async function listComponents(
  deps: Pick<ComponentsServiceDeps, 'db' | 'keyring' | 'authorize'>,
  principal: Principal,
  type?: ComponentType | null,
): Promise<Component[]> {
  await deps.authorize(principal, 'stack.read', {
    action: 'component.list',
    target: { kind: 'component', type },
  });
  return (await repo.listComponents(deps.db, type)).map((row) => componentFromRow(row, deps.keyring));
}

/** A component by id, undefined when absent (no permission check: internal callers). */
async function componentById(
  deps: Pick<ComponentsServiceDeps, 'db' | 'keyring'>,
  id: string,
): Promise<Component | undefined> {
  const row = await repo.findComponentById(deps.db, id);
  return row && componentFromRow(row, deps.keyring);
}

/** Stack components: register, update, delete, read; sensitive fields sealed at rest, re-sealed on key rotation. */
export function createComponentsService(deps: ComponentsServiceDeps) {
  return {
    registerComponent: (
      principal: Principal,
      type: ComponentType,
      name: string,
      flavor: string,
      configuration: unknown,
    ) => registerComponent(deps, principal, type, name, flavor, configuration),
    updateComponent: (principal: Principal, type: ComponentType, name: string, configuration: unknown) =>
      updateComponent(deps, principal, type, name, configuration),
    deleteComponent: (principal: Principal, type: ComponentType, name: string) =>
      deleteComponent(deps, principal, type, name),
    getComponent: (principal: Principal, type: ComponentType, name: string) =>
      getComponent(deps, principal, type, name),
    listComponents: (principal: Principal, type?: ComponentType | null) =>
      listComponents(deps, principal, type),
    componentById: (id: string) => componentById(deps, id),
    /** Re-seals component sensitive values under the active key; returns rows changed. */
    resealComponents: (batch?: number) => resealComponents(deps, batch),
  };
}

export type ComponentsService = ReturnType<typeof createComponentsService>;
