import type { Authorize } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import type { SecretValues } from '../../backends/backend.js';
import type { SecretSchemaRegistry } from '../../schemas/secret-schemas.js';
import type { AuditService } from '../audit/audit-service.js';
import { type ManagedSecret, type ManagedSecretRef, managedSecretTarget } from './managed-secret.js';
import { batchLoader, entriesOf, listNames, listScope, load, requireSecret } from './managed-secret-reads.js';
import { register, remove, update } from './managed-secret-writes.js';
import { createSecretsManagers, type SecretsManagers, type SecretsManagersDeps } from './secrets-managers.js';

export type { ManagedSecret, ManagedSecretRef, SecretsManager } from './managed-secret.js';

export interface ManagedSecretsServiceDeps extends SecretsManagersDeps {
  audit: Pick<AuditService, 'record'>;
  authorize: Authorize;
  schemas: SecretSchemaRegistry;
}

type ReadDeps = Pick<ManagedSecretsServiceDeps, 'audit' | 'authorize'> & Pick<SecretsManagers, 'managerOf'>;

/** One secret of the stack's (default: active) secrets manager, undefined when absent; needs `secret.read`. */
async function getSecret(
  deps: ReadDeps,
  principal: Principal,
  name: string,
  stackName?: string | null,
): Promise<ManagedSecretRef | undefined> {
  await deps.authorize(principal, 'secret.read', {
    action: 'managed_secret.get',
    target: { kind: 'managed_secret', name },
  });
  const secret = await load(await deps.managerOf(principal, stackName), name);
  return secret && { name, load: async () => secret };
}

/** Every secret of the manager's scope by name; each loads from the back-end on first use; needs `secret.read`. */
async function listSecrets(
  deps: ReadDeps,
  principal: Principal,
  stackName?: string | null,
): Promise<ManagedSecretRef[]> {
  await deps.authorize(principal, 'secret.read', {
    action: 'managed_secret.list',
    target: { kind: 'managed_secret' },
  });
  const manager = await deps.managerOf(principal, stackName);
  return (await listNames(manager)).map((name) => {
    let loaded: Promise<ManagedSecret> | undefined;
    return {
      name,
      load: () => {
        loaded ??= requireSecret(manager, name);
        return loaded;
      },
    };
  });
}

/** A managed secret's values; needs value access; one `managed_secret.read` event before they return. */
async function readValues(
  deps: ReadDeps,
  principal: Principal,
  secret: ManagedSecret,
): Promise<SecretValues> {
  const t = managedSecretTarget(secret.manager, secret.name, { keys: secret.keys });
  await deps.authorize(principal, 'secret.values', { action: 'managed_secret.read', target: t });
  await deps.audit.record({
    actor: principal.name,
    action: 'managed_secret.read',
    target: t,
    values: secret.values,
  });
  return secret.values;
}

/** Secrets inside a stack's secrets manager component, scoped exactly as ZenML did. */
export function createManagedSecretsService(deps: ManagedSecretsServiceDeps) {
  const { managerOf, managerOfStack, managerOfComponent } = createSecretsManagers(deps);
  const bound = { ...deps, managerOf };
  return {
    managerOf,
    managerOfStack,
    managerOfComponent,
    load,
    batchLoader,
    listNames,
    listScope,
    entriesOf,
    getSecret: (principal: Principal, name: string, stackName?: string | null) =>
      getSecret(bound, principal, name, stackName),
    listSecrets: (principal: Principal, stackName?: string | null) =>
      listSecrets(bound, principal, stackName),
    readValues: (principal: Principal, secret: ManagedSecret) => readValues(bound, principal, secret),
    register: (principal: Principal, input: Parameters<typeof register>[2]) =>
      register(bound, principal, input),
    update: (principal: Principal, input: Parameters<typeof update>[2]) => update(bound, principal, input),
    remove: (principal: Principal, name: string, stackName?: string | null) =>
      remove(bound, principal, name, stackName),
    target: managedSecretTarget,
  };
}

export type ManagedSecretsService = ReturnType<typeof createManagedSecretsService>;
