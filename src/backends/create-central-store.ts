import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import { type EndpointPolicy, endpointPolicyOf } from '../security/endpoint-policy.js';
import type { SecretBackend } from './backend.js';
import {
  type CentralStore,
  createRemoteCentralStore,
  createSqlCentralStore,
  type RemoteStoreKind,
} from './central-store.js';
import { createBackend, FLAVOR_OPTIONS } from './create-backend.js';
import { createCustomBackend } from './custom/custom-backend.js';
import { guardBackend } from './guard-backend.js';
import { storeOptionReader } from './store-option-reader.js';
import type { StoreIdentity } from './zenml-store-layout.js';

/** A secrets store that could not be set up; the message names the store and the reason. */
export class SecretsStoreInitError extends Error {
  constructor(
    readonly kind: string,
    reason: string,
  ) {
    super(`Secrets store "${kind}" failed to initialise: ${reason}`);
    this.name = 'SecretsStoreInitError';
  }
}

/**
 * A guarded back-end for a store kind from its options (`SGW_SECRETS_STORE_<OPTION>` names in
 * lower case): `hashicorp` is the `vault` flavor, `custom` a module named by class_path, the
 * others their flavor, built by createBackend (endpoints checked against `context.endpoints`). Throws a plain Error naming the missing or bad
 * option; callers wrap it.
 */
export async function createSecretBackendForKind(
  kind: RemoteStoreKind,
  options: Record<string, string>,
  timeoutMs: number,
  context: { cwd?: string; endpoints?: EndpointPolicy } = {},
): Promise<SecretBackend> {
  if (kind === 'custom') {
    const backend = await createCustomBackend(storeOptionReader(options), context.cwd ?? process.cwd());
    return guardBackend(backend, { kind, timeoutMs });
  }
  const flavor = kind === 'hashicorp' ? 'vault' : kind;
  if (!Object.hasOwn(FLAVOR_OPTIONS, flavor)) throw new Error(`unknown secrets store kind "${String(kind)}"`);
  const read = storeOptionReader(options, FLAVOR_OPTIONS[flavor].storeNames);
  return createBackend(flavor, read, { timeoutMs, name: kind, endpoints: context.endpoints });
}

/**
 * The centralized secrets store chosen by SGW_SECRETS_STORE: the given SQL back-end, or a cloud,
 * Vault or custom back-end configured by SGW_SECRETS_STORE_<OPTION>, guarded by
 * config.backendTimeoutMs. Throws SecretsStoreInitError ("Secrets store "<kind>" failed to
 * initialise: …") when the store can't be set up. A remote store tags its entries with
 * `deps.identity` (the deployment and workspace ids kept in the database; tests may give any).
 */
export async function createCentralStore(
  config: Config,
  deps: { sqlBackend: Parameters<typeof createSqlCentralStore>[0]; cwd?: string; identity?: StoreIdentity },
): Promise<CentralStore> {
  const kind = config.secretsStore;
  if (kind === 'sql') return createSqlCentralStore(deps.sqlBackend);
  let backend: SecretBackend;
  try {
    backend = await createSecretBackendForKind(kind, config.secretsStoreOptions, config.backendTimeoutMs, {
      cwd: deps.cwd,
      endpoints: endpointPolicyOf(config),
    });
  } catch (error) {
    throw new SecretsStoreInitError(kind, error instanceof Error ? error.message : String(error));
  }
  const identity = deps.identity ?? {
    deploymentId: config.deploymentId ?? randomUUID(),
    workspaceId: config.workspaceId ?? randomUUID(),
  };
  return createRemoteCentralStore(kind, backend, identity);
}
