import type { Authorize } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import type { CentralStore } from '../../backends/central-store.js';
import type { Db } from '../../database/database.js';
import type { SecretSchemaRegistry } from '../../schemas/secret-schemas.js';
import type { AuditService } from '../audit/audit-service.js';
import type { Secret, SecretScope } from './secret.js';
import { deleteSecret, listDeletedSecrets, purgeSecret, restoreSecret } from './secret-deletion.js';
import { getSecret, type ListSecretsArgs, listSecrets } from './secret-queries.js';
import { type RollbackSecretInput, rollbackSecret } from './secret-rollback.js';
import { listVersions, readValues } from './secret-value-reads.js';
import { createSecret, renameSecret, updateSecret } from './secret-writes.js';
import type { StoredSecrets } from './stored-secrets.js';

/** What the public secrets service is built from. */
export interface SecretsServiceDeps {
  db: Db;
  store: CentralStore;
  schemas: SecretSchemaRegistry;
  audit: Pick<AuditService, 'audited' | 'record'>;
  authorize: Authorize;
  /** The unchecked store access this service checks in front of (shared micro-batches). */
  stored: Pick<
    StoredSecrets,
    | 'findVisible'
    | 'valuesOf'
    | 'storedValues'
    | 'lockForWrite'
    | 'createManyIn'
    | 'journaled'
    | 'history'
    | 'pinLegacyRow'
    | 'discardDeleted'
    | 'adoptStoreEntries'
  >;
  /** SGW_SECRET_RECOVERY_DAYS: how long a deleted secret stays restorable (0: deleted at once). */
  recoveryDays: number;
}

/** Arguments of `createSecret` (`origin`: set by internal callers only). */
export interface CreateSecretInput {
  name: string;
  scope?: SecretScope | null;
  values?: unknown;
  schema?: string | null;
  origin?: Record<string, unknown> | null;
}

/** Arguments of `updateSecret`: values merged (null removes a key) unless `replace`. */
export interface UpdateSecretInput {
  name: string;
  scope?: SecretScope | null;
  values?: unknown;
  removeKeys?: string[] | null;
  replace?: boolean | null;
  expectedVersion?: number | null;
  /** Moves the secret to this scope (ZenML's `secret update --new-scope`). */
  newScope?: SecretScope | null;
}

/** One page of `listSecrets`; `endCursor` as `secret-cursor.ts` encodes it. */
export interface SecretPage {
  secrets: Secret[];
  hasNextPage: boolean;
  endCursor: string | null;
}

/**
 * The centralized store as resolvers use it: every call takes the caller, checks its permission
 * first (`authorize`, a denial is recorded and FORBIDDEN), then its input, then USER-scope sight.
 * Metadata in Postgres, values in the configured back-end (through `stored`).
 */
export function createSecretsService(deps: SecretsServiceDeps) {
  return {
    getSecret: (principal: Principal, name: string, scope?: SecretScope | null) =>
      getSecret(deps, principal, name, scope),
    readValues: (principal: Principal, secret: Secret, version?: number | null) =>
      readValues(deps, principal, secret, version),
    listVersions: (principal: Principal, secret: Secret, first?: number | null) =>
      listVersions(deps, principal, secret, first),
    listSecrets: (principal: Principal, args: ListSecretsArgs) => listSecrets(deps, principal, args),
    createSecret: (principal: Principal, input: CreateSecretInput) => createSecret(deps, principal, input),
    updateSecret: (principal: Principal, input: UpdateSecretInput) => updateSecret(deps, principal, input),
    renameSecret: (
      principal: Principal,
      name: string,
      scope: SecretScope | null | undefined,
      newName: string,
    ) => renameSecret(deps, principal, name, scope, newName),
    deleteSecret: (principal: Principal, name: string, scope?: SecretScope | null) =>
      deleteSecret(deps, principal, name, scope),
    rollbackSecret: (principal: Principal, input: RollbackSecretInput) =>
      rollbackSecret(deps, principal, input),
    restoreSecret: (principal: Principal, name: string, scope?: SecretScope | null) =>
      restoreSecret(deps, principal, name, scope),
    purgeSecret: (principal: Principal, name: string, scope?: SecretScope | null) =>
      purgeSecret(deps, principal, name, scope),
    deletedSecrets: (principal: Principal, scope?: SecretScope | null) =>
      listDeletedSecrets(deps, principal, scope),
  };
}

/** What `createSecretsService` returns (`Services.secrets`). */
export type SecretsService = ReturnType<typeof createSecretsService>;
