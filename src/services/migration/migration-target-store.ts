import type { Transaction } from 'kysely';
import type { Principal } from '../../auth/principal.js';
import type { SecretValues } from '../../backends/backend.js';
import type { Database } from '../../database/database.js';
import type { RecordAudit } from '../audit/audit-service.js';
import type { Secret, SecretScope } from '../secrets/secret.js';

/** A copy to create in the store: a validated secret with the id chosen beforehand. */
export interface NewStoredSecret {
  id: string;
  name: string;
  scope: SecretScope;
  schema: string;
  values: SecretValues;
  origin: Record<string, unknown> | null;
}

/** What a copy is replaced with (OVERWRITE, or a copy of this job taken over after a crash). */
export interface StoredSecretReplacement {
  schema: string;
  values: SecretValues;
  origin: Record<string, unknown> | null;
}

/**
 * The centralized store as the migration uses it: no principal checks, no audit of reads (the
 * migration audits itself). Declared here by shape, so the secrets service or a stored-secrets
 * module with the same methods fits.
 */
export interface MigrationTargetStore {
  /** Secrets by name in one scope, as seen by `principal` (no authorization). */
  findManyInScope(principal: Principal, names: string[], scope: SecretScope): Promise<Map<string, Secret>>;
  /** The stored values of a secret; rejects when its entry is missing. */
  storedValues(secret: Secret, trx?: Transaction<Database>): Promise<SecretValues>;
  /** The stored values of many secrets by id; rejects when an entry is missing. */
  storedValuesMany(secrets: Secret[], trx?: Transaction<Database>): Promise<Map<string, SecretValues>>;
  /** Creates secrets in the caller's transaction; ALREADY_EXISTS when a name is taken. */
  createManyIn(
    trx: Transaction<Database>,
    record: RecordAudit,
    principal: Principal,
    list: NewStoredSecret[],
  ): Promise<Secret[]>;
  /** Replaces a secret's values, schema and origin in the caller's transaction. */
  replaceIn(
    trx: Transaction<Database>,
    record: RecordAudit,
    principal: Principal,
    secret: Secret,
    next: StoredSecretReplacement,
  ): Promise<Secret>;
  /** Deletes remote entries of secrets whose transaction did not commit (never rejects). */
  discardEntries(ids: string[]): Promise<void>;
}
