import { localSecretsFileLocation } from '../flavors/local-secrets-file.js';
import { endpointChecks } from '../security/endpoint-checks.js';
import type { EndpointPolicy } from '../security/endpoint-policy.js';
import { createAwsBackend } from './aws/aws-backend.js';
import { awsOptions } from './aws/aws-options.js';
import { createAzureBackend } from './azure/azure-backend.js';
import { azureOptions } from './azure/azure-options.js';
import type { SecretBackend } from './backend.js';
import type { FlavorOptions } from './backend-options.js';
import { createGcpBackend } from './gcp/gcp-backend.js';
import { gcpOptions } from './gcp/gcp-options.js';
import { guardBackend } from './guard-backend.js';
import { createLocalBackend } from './local/local-backend.js';
import { localOptions } from './local/local-options.js';
import type { OptionReader } from './option-reader.js';
import { createVaultBackend } from './vault/vault-backend.js';
import { vaultOptions } from './vault/vault-options.js';

/**
 * Flavors with a built-in adapter: every secrets manager flavor; the store's aws, gcp, azure and
 * hashicorp (the vault flavor) kinds.
 */
export const BUILT_IN_FLAVORS = ['local', 'aws', 'gcp', 'azure', 'vault'] as const;
export type BuiltInFlavor = (typeof BUILT_IN_FLAVORS)[number];

/** Each built-in flavor's options module. */
export const FLAVOR_OPTIONS: Record<BuiltInFlavor, FlavorOptions<unknown>> = {
  local: localOptions,
  aws: awsOptions,
  gcp: gcpOptions,
  azure: azureOptions,
  vault: vaultOptions,
};

/** What a back-end is built with besides its options. */
export interface BackendContext {
  /** Upper bound of every call, in milliseconds. */
  timeoutMs: number;
  /** The back-end's name in guard errors (the store's `hashicorp`); default: the flavor. */
  name?: string;
  /**
   * Where the back-end may connect (SGW_ALLOWED_ENDPOINTS): its endpoint options are checked
   * (the store's reader throws naming the option; a component's was checked at registration) and
   * every connection's resolved address. Unset: no check (tests of the adapters alone).
   */
  endpoints?: EndpointPolicy;
  /** `local`: the data directory and the component whose default file it is. */
  local?: { dataDir: string; componentId: string };
}

function localBackend(read: OptionReader, context: BackendContext): SecretBackend {
  if (!context.local) throw new Error('a local back-end needs the data directory and its component id');
  const { secretsFile } = localOptions.parse(read);
  return createLocalBackend(
    localSecretsFileLocation(context.local.dataDir, context.local.componentId, secretsFile),
  );
}

/** The adapter of a remote flavor, unguarded. */
function remoteBackend(
  flavor: Exclude<BuiltInFlavor, 'local'>,
  read: OptionReader,
  { timeoutMs, endpoints }: Pick<BackendContext, 'timeoutMs' | 'endpoints'>,
) {
  if (endpoints)
    for (const { field, problem } of endpointChecks(flavor, endpoints)) read.check(field, problem);
  switch (flavor) {
    case 'aws':
      return createAwsBackend({ ...awsOptions.parse(read), timeoutMs, endpoints });
    case 'gcp':
      return createGcpBackend({ ...gcpOptions.parse(read), timeoutMs, endpoints });
    case 'azure':
      return createAzureBackend({ ...azureOptions.parse(read), timeoutMs, endpoints });
    case 'vault':
      return createVaultBackend({ ...vaultOptions.parse(read), timeoutMs, endpoints });
  }
}

/**
 * The back-end of a built-in flavor from its options, for the centralized store and a secrets
 * manager component alike: `local` as it is (file I/O, no timeout), a remote one wrapped by
 * guardBackend (timeout, failures in our words). Throws what the options
 * reader throws for a bad option (the store's: a plain Error naming the variable), and the
 * adapter's BadUserInputError for options it can't use.
 */
export function createBackend(
  flavor: BuiltInFlavor,
  read: OptionReader,
  context: BackendContext,
): SecretBackend {
  if (flavor === 'local') return localBackend(read, context);
  const backend = remoteBackend(flavor, read, context);
  return guardBackend(backend, {
    kind: context.name ?? flavor,
    timeoutMs: context.timeoutMs,
  });
}
