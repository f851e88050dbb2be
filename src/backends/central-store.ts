import type { SecretsStoreKind } from '../config.js';
import type { SecretBackend, SecretMetadata } from './backend.js';

/** The store kinds served by a remote or pluggable back-end (everything but `sql`). */
export type RemoteStoreKind = Exclude<SecretsStoreKind, 'sql'>;

/** The centralized secrets store: a back-end plus how secret ids become backend names. */
export interface CentralStore {
  kind: string;
  backend: SecretBackend;
  /** Backend-native name of the secret with this id. */
  entryName(secretId: string): string;
  /** Metadata (tags/labels) stored beside the values, ZenML-style. */
  entryMetadata(secret: { id: string; name: string; scope: string; ownerId: string }): SecretMetadata;
}

/** The SQL store: entries named by secret id, no extra metadata needed. */
export function createSqlCentralStore(backend: SecretBackend): CentralStore {
  return {
    kind: 'sql',
    backend,
    entryName: (id) => id,
    entryMetadata: (s) => ({
      zenml_secret_id: s.id,
      zenml_secret_name: s.name,
      zenml_secret_scope: s.scope.toLowerCase(),
    }),
  };
}

/** Backend-native name of a ZenML secret id in each store, as ZenML named them. */
const ENTRY_NAMES: Record<RemoteStoreKind, (id: string) => string> = {
  aws: (id) => `zenml/${id}`,
  gcp: (id) => `zenml-${id}`,
  azure: (id) => `zenml-${id}`,
  hashicorp: (id) => `zenml/${id}`,
  custom: (id) => id,
};

/** GCP label values: at most 63 of lowercase letters, digits, `_` and `-`. */
const gcpLabelValue = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^\p{Ll}\p{Lo}\p{N}_-]/gu, '_')
    .slice(0, 63);

/** AWS tag values: at most 256 of letters, digits, spaces and `+ - = . _ : / @`. */
const awsTagValue = (text: string) => text.replace(/[^\p{L}\p{N}\s+\-=._:/@]/gu, '_').slice(0, 256);

/** Azure tag values: at most 256 characters. */
const azureTagValue = (text: string) => text.slice(0, 256);

const TAG_VALUE: Record<RemoteStoreKind, (text: string) => string> = {
  aws: awsTagValue,
  gcp: gcpLabelValue,
  azure: azureTagValue,
  hashicorp: (text) => text,
  custom: (text) => text,
};

/**
 * ZenML's secret metadata (tags, labels or Vault custom metadata): `zenml` marks the entry as a
 * gateway secret, then id, name, scope and owning user, each value fitted to the back-end's
 * tag/label rules (GCP: lowercase).
 */
function zenmlMetadata(
  kind: RemoteStoreKind,
  secret: { id: string; name: string; scope: string; ownerId: string },
): SecretMetadata {
  const fitted = TAG_VALUE[kind];
  return {
    zenml: 'true',
    zenml_secret_id: fitted(secret.id),
    zenml_secret_name: fitted(secret.name),
    zenml_secret_scope: fitted(secret.scope.toLowerCase()),
    zenml_secret_user: fitted(secret.ownerId),
  };
}

/** A remote or custom store: entries named and tagged as ZenML's store of this kind did. */
export function createRemoteCentralStore(kind: RemoteStoreKind, backend: SecretBackend): CentralStore {
  return {
    kind,
    backend,
    entryName: ENTRY_NAMES[kind],
    entryMetadata: (secret) => zenmlMetadata(kind, secret),
  };
}
