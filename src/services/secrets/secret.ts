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
  createdAt: Date;
  updatedAt: Date;
}

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
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
