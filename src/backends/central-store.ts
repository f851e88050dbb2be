import type { SecretsStoreKind } from '../config.js';
import type { SecretBackend, SecretMetadata, SecretValues } from './backend.js';
import type { SealedValuesRow } from './sql/sql-backend.js';
import { zenmlLayoutBackend } from './zenml-layout-backend.js';
import {
  type StoreIdentity,
  type StoreSecretFacts,
  ZENML_ENTRY_NAMES,
  zenmlMetadata,
} from './zenml-store-layout.js';

/** The store kinds served by a remote or pluggable back-end (everything but `sql`). */
export type RemoteStoreKind = Exclude<SecretsStoreKind, 'sql'>;

/** The centralized secrets store: a back-end plus how secret ids become backend names. */
export interface CentralStore {
  kind: string;
  backend: SecretBackend;
  /** The deployment and workspace ids its entries are tagged with (remote stores). */
  identity?: StoreIdentity;
  /** Backend-native name of the secret with this id. */
  entryName(secretId: string): string;
  /** Metadata (tags/labels) stored beside the values, ZenML-style. */
  entryMetadata(secret: StoreSecretFacts): SecretMetadata;
  /**
   * The SQL store only: opens the sealed `secret_values` row a secret lookup joined (entry named
   * by the secret's id), so a value read needs no second query.
   */
  openJoined?(row: SealedValuesRow): SecretValues;
}

/** The SQL store: entries named by secret id, no extra metadata needed. */
export function createSqlCentralStore(
  backend: SecretBackend & { openSealed?(row: SealedValuesRow): SecretValues },
): CentralStore {
  return {
    kind: 'sql',
    backend,
    openJoined: backend.openSealed,
    entryName: (id) => id,
    entryMetadata: (s) => ({
      zenml_secret_id: s.id,
      zenml_secret_name: s.name,
      zenml_secret_scope: s.scope.toLowerCase(),
    }),
  };
}

/**
 * A remote or custom store. aws, gcp, azure and hashicorp: entries named, tagged and laid out as
 * ZenML's store of that kind writes them (zenml-store-layout.ts), the `zenml` tag holding the
 * deployment id. custom: entries named by id, the same metadata as tags, values as given.
 */
export function createRemoteCentralStore(
  kind: RemoteStoreKind,
  backend: SecretBackend,
  identity: StoreIdentity,
): CentralStore {
  if (kind === 'custom')
    return {
      kind,
      backend,
      identity,
      entryName: (id) => id,
      entryMetadata: (secret) => zenmlMetadata('aws', identity, secret),
    };
  return {
    kind,
    backend: zenmlLayoutBackend(kind, backend),
    identity,
    entryName: ZENML_ENTRY_NAMES[kind],
    entryMetadata: (secret) => zenmlMetadata(kind, identity, secret),
  };
}
