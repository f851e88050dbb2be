import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Authorize } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import type { Keyring } from '../../crypto/keyring.js';
import type { Db, Executor } from '../../database/database.js';
import {
  AlreadyExistsError,
  BadUserInputError,
  type InputIssue,
  issuesFromZod,
  NotFoundError,
} from '../../errors.js';
import {
  COMPONENT_TYPES,
  type ComponentType,
  type SecretsManagerScope,
} from '../../flavors/component-types.js';
import { findFlavor, listFlavors } from '../../flavors/flavor-catalog.js';
import { validateConfiguration } from '../../flavors/validate-configuration.js';
import { scopingFor } from '../../scoping/scoping.js';
import type { AuditService } from '../audit/audit-service.js';
import { mergeChanges } from '../merge-changes.js';
import { parseSecretReference } from '../references/secret-reference.js';
import { type Component, componentAad, componentFromRow } from './component.js';
import * as repo from './stacks-repository.js';

export const resourceNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
    'must start with a letter or digit and contain only letters, digits, _ . -',
  );

export interface Stack {
  id: string;
  name: string;
  components: Component[];
  createdAt: Date;
  updatedAt: Date;
}

export interface ComponentPayload {
  component: Component;
  warnings: string[];
}

/** Checks secret references of a configuration; returns warnings (never throws for missing secrets). */
export type ReferenceChecker = (
  principal: Principal,
  component: Component,
  stack: Stack | undefined,
) => Promise<string[]>;

export interface StacksServiceDeps {
  db: Db;
  keyring: Keyring;
  audit: Pick<AuditService, 'audited'>;
  authorize: Authorize;
}

function checkName(name: string, path: string, issues: InputIssue[]): void {
  const parsed = resourceNameSchema.safeParse(name);
  if (!parsed.success) issues.push(...issuesFromZod(parsed.error.issues, path));
}

function checkType(type: string, issues: InputIssue[]): void {
  if (!COMPONENT_TYPES.includes(type as ComponentType)) {
    issues.push({ path: 'type', message: `must be one of ${COMPONENT_TYPES.join(', ')}` });
  }
}

function asObject(value: unknown, path: string, issues: InputIssue[]): Record<string, unknown> {
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  issues.push({ path, message: 'must be a JSON object' });
  return {};
}

/** Stacks and their components: register, update, delete, list, the per-principal active stack. */
export function createStacksService(deps: StacksServiceDeps) {
  const { db, keyring, audit, authorize } = deps;
  /** Set once the references service exists (it needs this service). */
  let checkReferences: ReferenceChecker | undefined;
  const toComponent = (row: Parameters<typeof componentFromRow>[0]) => componentFromRow(row, keyring);

  /**
   * A secrets manager's scope as its back-end will take it (the namespace and the tag/label
   * values its metadata carries), checked when the component is saved rather than at first use.
   */
  function checkScopeContext(
    type: ComponentType,
    flavor: string,
    component: { id: string; name: string },
    configuration: Record<string, unknown>,
    issues: InputIssue[],
  ): void {
    if (type !== 'SECRETS_MANAGER' || issues.length > 0) return;
    try {
      scopingFor(flavor).validateContext({
        scope: configuration.scope as SecretsManagerScope,
        namespace: configuration.namespace as string | undefined,
        componentId: component.id,
        componentName: component.name,
      });
    } catch (error) {
      if (!(error instanceof BadUserInputError)) throw error;
      for (const issue of error.issues)
        issues.push({
          path: issue.path === 'componentName' ? 'name' : `configuration.${issue.path}`,
          message: issue.message,
        });
    }
  }

  /** Splits a configuration into stored JSON and sealed sensitive plain values. */
  function sealConfiguration(
    id: string,
    type: ComponentType,
    flavor: string,
    configuration: Record<string, unknown>,
  ) {
    const spec = findFlavor(type, flavor)!;
    const plain: Record<string, unknown> = {};
    const sensitive: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(configuration)) {
      const isSensitive = spec.configFields.find((f) => f.name === field)?.sensitive;
      // Validated already: a reference here is well formed, and stays readable (it is no secret).
      const isReference = parseSecretReference(value) !== undefined;
      if (isSensitive && !isReference && value !== '') sensitive[field] = value;
      else plain[field] = value;
    }
    const sealed =
      Object.keys(sensitive).length > 0 ? keyring.seal(JSON.stringify(sensitive), componentAad(id)) : null;
    return {
      id,
      type,
      name: '',
      flavor,
      configuration: plain,
      sensitiveCiphertext: sealed?.ciphertext ?? null,
      sensitiveKeyId: sealed?.keyId ?? null,
    };
  }

  async function requireComponent(executor: Executor, type: ComponentType, name: string): Promise<Component> {
    const row = await repo.findComponent(executor, type, name);
    if (!row) throw new NotFoundError(`No ${type} component named "${name}"`);
    return toComponent(row);
  }

  async function stacksFromRows(
    executor: Executor,
    rows: Awaited<ReturnType<typeof repo.listStacks>>,
  ): Promise<Stack[]> {
    const components = await repo.componentsOfStacks(
      executor,
      rows.map((r) => r.id),
    );
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      components: (components.get(row.id) ?? []).map(toComponent),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }));
  }

  async function stackOfRow(
    executor: Executor,
    row: Awaited<ReturnType<typeof repo.findStack>>,
  ): Promise<Stack | undefined> {
    if (!row) return undefined;
    return (await stacksFromRows(executor, [row]))[0];
  }

  async function warningsFor(principal: Principal, component: Component): Promise<string[]> {
    if (!checkReferences) return [];
    const stacks = await stacksWithComponent(component.id);
    return checkReferences(principal, component, stacks[0]);
  }

  async function stacksWithComponent(componentId: string): Promise<Stack[]> {
    const names = await repo.stacksUsingComponent(db, componentId);
    const stacks = await Promise.all(names.map((n) => repo.findStack(db, n)));
    return stacksFromRows(
      db,
      stacks.filter((s) => s !== undefined),
    );
  }

  async function registerComponent(
    principal: Principal,
    type: ComponentType,
    name: string,
    flavorName: string,
    configurationInput: unknown,
  ): Promise<ComponentPayload> {
    const target = { kind: 'component', type, name, flavor: flavorName };
    await authorize(principal, 'stack.write', { action: 'component.register', target });
    const issues: InputIssue[] = [];
    checkType(type, issues);
    checkName(name, 'name', issues);
    const input = asObject(configurationInput, 'configuration', issues);
    const flavor = findFlavor(type, flavorName);
    if (!flavor && !issues.some((i) => i.path === 'type')) {
      const known = listFlavors(type).map((f) => f.name);
      issues.push({
        path: 'flavor',
        message: `unknown ${type} flavor "${flavorName}"; known: ${known.join(', ')}`,
      });
    }
    const validated = flavor ? validateConfiguration(flavor, input, issues) : undefined;
    const id = randomUUID();
    if (validated) checkScopeContext(type, flavorName, { id, name }, validated.configuration, issues);
    if (issues.length || !validated) throw new BadUserInputError('Invalid component', issues);
    const record = { ...sealConfiguration(id, type, flavorName, validated.configuration), name };
    const component = await audit.audited(async (trx, record_) => {
      if (await repo.findComponent(trx, type, name)) {
        throw new AlreadyExistsError(`A ${type} component named "${name}" already exists`);
      }
      const row = await repo.insertComponent(trx, record);
      await record_({
        actor: principal.name,
        action: 'component.register',
        target: { ...target, componentId: id },
      });
      return toComponent(row);
    });
    return { component, warnings: [...validated.warnings, ...(await warningsFor(principal, component))] };
  }

  /** Merges `configurationInput` into the configuration (a null value removes the field). */
  async function updateComponent(
    principal: Principal,
    type: ComponentType,
    name: string,
    configurationInput: unknown,
  ): Promise<ComponentPayload> {
    const target = { kind: 'component', type, name };
    await authorize(principal, 'stack.write', { action: 'component.update', target });
    const issues: InputIssue[] = [];
    checkType(type, issues);
    const input = asObject(configurationInput, 'configuration', issues);
    if (issues.length) throw new BadUserInputError('Invalid component update', issues);
    const { component, warnings } = await audit.audited(async (trx, record) => {
      const current = await requireComponent(trx, type, name);
      const merged = mergeChanges(current.configuration, input);
      const flavor = findFlavor(type, current.flavor)!;
      const validated = validateConfiguration(flavor, merged, issues);
      checkScopeContext(type, current.flavor, current, validated.configuration, issues);
      if (issues.length) throw new BadUserInputError('Invalid component update', issues);
      const sealed = {
        ...sealConfiguration(current.id, type, current.flavor, validated.configuration),
        name,
      };
      const row = await repo.updateComponent(trx, sealed);
      await record({
        actor: principal.name,
        action: 'component.update',
        target: { ...target, componentId: current.id, fields: Object.keys(input).sort() },
      });
      return { component: toComponent(row), warnings: validated.warnings };
    });
    return { component, warnings: [...warnings, ...(await warningsFor(principal, component))] };
  }

  async function deleteComponent(principal: Principal, type: ComponentType, name: string): Promise<boolean> {
    const target = { kind: 'component', type, name };
    await authorize(principal, 'stack.write', { action: 'component.delete', target });
    return audit.audited(async (trx, record) => {
      const row = await repo.findComponent(trx, type, name);
      if (!row) throw new NotFoundError(`No ${type} component named "${name}"`);
      const users = await repo.stacksUsingComponent(trx, row.id);
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

  async function getComponent(
    principal: Principal,
    type: ComponentType,
    name: string,
  ): Promise<Component | undefined> {
    await authorize(principal, 'stack.read', {
      action: 'component.get',
      target: { kind: 'component', type, name },
    });
    const row = await repo.findComponent(db, type, name);
    return row && toComponent(row);
  }

  /** A component by id (no permission check: internal callers). */
  async function componentById(id: string): Promise<Component | undefined> {
    const row = await repo.findComponentById(db, id);
    return row && toComponent(row);
  }

  async function listComponents(principal: Principal, type?: ComponentType | null): Promise<Component[]> {
    await authorize(principal, 'stack.read', {
      action: 'component.list',
      target: { kind: 'component', type },
    });
    return (await repo.listComponents(db, type)).map(toComponent);
  }

  /** Resolves component names (unique per type) to rows; at most one per type. */
  async function resolveStackComponents(executor: Executor, names: string[], issues: InputIssue[]) {
    const chosen: Array<{ id: string; type: string }> = [];
    for (const [index, name] of names.entries()) {
      const rows = await repo.findComponentsByName(executor, name);
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

  async function registerStack(principal: Principal, name: string, componentNames: string[]): Promise<Stack> {
    const target = { kind: 'stack', name, components: componentNames };
    await authorize(principal, 'stack.write', { action: 'stack.register', target });
    return audit.audited(async (trx, record) => {
      const issues: InputIssue[] = [];
      checkName(name, 'name', issues);
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
      return (await stackOfRow(trx, row))!;
    });
  }

  async function updateStack(principal: Principal, name: string, componentNames: string[]): Promise<Stack> {
    const target = { kind: 'stack', name, components: componentNames };
    await authorize(principal, 'stack.write', { action: 'stack.update', target });
    return audit.audited(async (trx, record) => {
      const row = await repo.findStack(trx, name);
      if (!row) throw new NotFoundError(`No stack named "${name}"`);
      const issues: InputIssue[] = [];
      const components = await resolveStackComponents(trx, componentNames, issues);
      if (issues.length) throw new BadUserInputError('Invalid stack', issues);
      await repo.setStackComponents(trx, row.id, components);
      await record({ actor: principal.name, action: 'stack.update', target: { ...target, stackId: row.id } });
      return (await stackOfRow(trx, (await repo.findStack(trx, name))!))!;
    });
  }

  async function deleteStack(principal: Principal, name: string): Promise<boolean> {
    const target = { kind: 'stack', name };
    await authorize(principal, 'stack.write', { action: 'stack.delete', target });
    return audit.audited(async (trx, record) => {
      const row = await repo.findStack(trx, name);
      if (!row) throw new NotFoundError(`No stack named "${name}"`);
      await repo.deleteStack(trx, row.id);
      await record({ actor: principal.name, action: 'stack.delete', target: { ...target, stackId: row.id } });
      return true;
    });
  }

  async function listStacks(principal: Principal): Promise<Stack[]> {
    await authorize(principal, 'stack.read', { action: 'stack.list', target: { kind: 'stack' } });
    return stacksFromRows(db, await repo.listStacks(db));
  }

  async function getStack(principal: Principal, name: string): Promise<Stack | undefined> {
    await authorize(principal, 'stack.read', { action: 'stack.get', target: { kind: 'stack', name } });
    return stackOfRow(db, await repo.findStack(db, name));
  }

  async function setActiveStack(principal: Principal, name: string): Promise<Stack> {
    await authorize(principal, 'stack.read', {
      action: 'stack.activate',
      target: { kind: 'stack', name },
    });
    const row = await repo.findStack(db, name);
    if (!row) throw new NotFoundError(`No stack named "${name}"`);
    await repo.setActiveStack(db, principal.id, row.id);
    return (await stackOfRow(db, row))!;
  }

  /** The caller's active stack, if set. */
  async function activeStack(principal: Principal): Promise<Stack | undefined> {
    const id = await repo.findActiveStackId(db, principal.id);
    return id ? stackOfRow(db, await repo.findStackById(db, id)) : undefined;
  }

  async function activeStackId(principal: Principal): Promise<string | undefined> {
    return repo.findActiveStackId(db, principal.id);
  }

  /** The named stack, or the caller's active one; NOT_FOUND when neither exists (no permission check). */
  async function stackOrActive(principal: Principal, name?: string | null): Promise<Stack> {
    if (name) {
      const stack = await stackOfRow(db, await repo.findStack(db, name));
      if (!stack) throw new NotFoundError(`No stack named "${name}"`);
      return stack;
    }
    const stack = await activeStack(principal);
    if (!stack) throw new NotFoundError('No active stack: pass a stack name or call setActiveStack first');
    return stack;
  }

  /** Re-seals component sensitive values under the active key; returns rows changed. */
  async function resealComponents(batch = 200): Promise<number> {
    let total = 0;
    for (;;) {
      const changed = await db.transaction().execute(async (trx) => {
        const rows = await repo.componentsWithSealedValues(trx, keyring.activeKeyId, batch);
        for (const row of rows) {
          const aad = componentAad(row.id);
          const plain = keyring.open(
            { keyId: row.sensitive_key_id!, ciphertext: row.sensitive_ciphertext! },
            aad,
          );
          const sealed = keyring.seal(plain, aad);
          await repo.updateComponentSealed(trx, row.id, sealed.ciphertext, sealed.keyId);
        }
        return rows.length;
      });
      total += changed;
      if (changed < batch) return total;
    }
  }

  return {
    setReferenceChecker: (checker: ReferenceChecker) => {
      checkReferences = checker;
    },
    registerComponent,
    updateComponent,
    deleteComponent,
    getComponent,
    listComponents,
    componentById,
    registerStack,
    updateStack,
    deleteStack,
    listStacks,
    getStack,
    setActiveStack,
    activeStack,
    activeStackId,
    stackOrActive,
    stacksWithComponent,
    resealComponents,
  };
}

export type StacksService = ReturnType<typeof createStacksService>;
