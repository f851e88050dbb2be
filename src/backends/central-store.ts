import type { SecretBackend, SecretMetadata } from './backend.js';

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
