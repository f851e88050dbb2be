import type { TokenCredential } from '@azure/core-auth';
import { ClientSecretCredential, DefaultAzureCredential } from '@azure/identity';
import { BadUserInputError } from '../../errors.js';
import { authorityHostProblem, skipsInstanceDiscovery } from './authority-host.js';
import { reportingSignInFailures } from './azure-sign-in-failure.js';

/** How the Azure back-end signs in to Microsoft Entra ID. */
export interface AzureSignInOptions {
  /** A service principal: all three, or none for DefaultAzureCredential. */
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Entra ID's origin (sovereign clouds, local fakes); unset: AZURE_AUTHORITY_HOST, else Azure's public cloud. */
  authorityHost?: string;
}

const SERVICE_PRINCIPAL = [
  ['tenantId', 'tenant_id'],
  ['clientId', 'client_id'],
  ['clientSecret', 'client_secret'],
] as const;

/** Refuses a partial service principal and a bad authority host (BAD_USER_INPUT). */
function checkSignIn(options: AzureSignInOptions): void {
  const missing = SERVICE_PRINCIPAL.filter(([key]) => !options[key]).map(([, field]) => field);
  if (missing.length > 0 && missing.length < SERVICE_PRINCIPAL.length) {
    throw new BadUserInputError(
      'Azure sign-in needs tenant_id, client_id and client_secret together, or none of them (the default Azure credential)',
      missing.map((field) => ({ path: field, message: 'required with the other service principal fields' })),
    );
  }
  const problem = options.authorityHost ? authorityHostProblem(options.authorityHost) : undefined;
  if (problem)
    throw new BadUserInputError(`authority_host ${problem}`, [{ path: 'authority_host', message: problem }]);
}

/**
 * The credential the Azure back-end signs in with: ClientSecretCredential for a service principal,
 * else DefaultAzureCredential (environment, workload identity, managed identity, developer tools).
 * Its failures read "Azure sign-in failed: …" (BACKEND_ERROR) and name no credential.
 * Throws BadUserInputError for a partial service principal or a bad authority host.
 */
export function azureCredential(options: AzureSignInOptions): TokenCredential {
  checkSignIn(options);
  const authority = {
    authorityHost: options.authorityHost || undefined,
    disableInstanceDiscovery: skipsInstanceDiscovery(options.authorityHost),
  };
  const { tenantId, clientId, clientSecret } = options;
  const credential =
    tenantId && clientId && clientSecret
      ? new ClientSecretCredential(tenantId, clientId, clientSecret, authority)
      : new DefaultAzureCredential(authority);
  // Entra ID never echoes a secret; scrubbed all the same, the environment's one included.
  return reportingSignInFailures(credential, [clientSecret, process.env.AZURE_CLIENT_SECRET]);
}
