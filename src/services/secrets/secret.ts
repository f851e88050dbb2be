import type { Principal } from '../../auth/principal.js';
import type { SecretRow } from '../../database/tables/secrets-table.js';

export const SECRET_SCOPES = ['WORKSPACE', 'USER'] as const;
export type SecretScope = (typeof SECRET_SCOPES)[number];

/** A secret of the centralized store, without its values. */
export interface Secret {
  id: string;
  name: string;
  scope: SecretScope;
  ownerId: string;
  schema: string;
  keys: string[];
  version: number;
  origin: Record<string, unknown> | null;
  store: string;
  /** The back-end version holding the committed values; null: the entry's current (no versions, or a row from before). */
  storeVersion: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The secret a `secrets` row holds. */
export function secretFromRow(row: SecretRow): Secret {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope as SecretScope,
    ownerId: row.owner_id,
    schema: row.schema,
    keys: row.keys,
    version: row.version,
    origin: row.origin,
    store: row.store,
    storeVersion: row.store_version ?? null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Whether the principal may see the secret: WORKSPACE ones, its own USER ones, or any as ADMIN. */
export function canSee(principal: Principal, secret: Secret): boolean {
  return secret.scope === 'WORKSPACE' || secret.ownerId === principal.id || principal.role === 'ADMIN';
}

/** A secret as an audit event's target (never its values): its version after the action, and extra fields of the action. */
export function secretAuditTarget(
  secret: Pick<Secret, 'id' | 'name' | 'scope' | 'keys' | 'ownerId' | 'version'>,
  extra: Record<string, unknown> = {},
) {
  return {
    kind: 'secret',
    secretId: secret.id,
    name: secret.name,
    scope: secret.scope,
    // Who owns a USER secret, so that feeds show its changes only to whoever may see it.
    ownerId: secret.ownerId,
    keys: secret.keys,
    version: secret.version,
    ...extra,
  };
}
