import type { TokenCredential } from '@azure/core-auth';
import { ClientSecretCredential, DefaultAzureCredential } from '@azure/identity';
import { BadUserInputError } from '../../errors.js';
import type { EndpointPolicy } from '../../security/endpoint-policy.js';
import { authorityHostProblem, skipsInstanceDiscovery } from './authority-host.js';
import { reportingSignInFailures } from './azure-sign-in-failure.js';
import { guardedConnectionsPolicy } from './guarded-connections-policy.js';
import { servicePrincipalRule } from './service-principal.js';

/** How the Azure back-end signs in to Microsoft Entra ID. */
export interface AzureSignInOptions {
  /** A service principal: all three, or none for DefaultAzureCredential. */
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Entra ID's origin (sovereign clouds, local fakes); unset: AZURE_AUTHORITY_HOST, else Azure's public cloud. */
  authorityHost?: string;
  /** With authorityHost: sign-in connections go only to addresses the policy allows. */
  endpoints?: EndpointPolicy;
}

/** Whether the options name a whole service principal (tenant, client and its secret). */
export function hasServicePrincipal(options: AzureSignInOptions): boolean {
  return Boolean(options.tenantId && options.clientId && options.clientSecret);
}

/** Refuses a partial service principal and a bad authority host (BAD_USER_INPUT). */
function checkSignIn(options: AzureSignInOptions): void {
  const problems = servicePrincipalRule({
    tenant_id: options.tenantId,
    client_id: options.clientId,
    client_secret: options.clientSecret,
  });
  if (problems.length > 0) {
    throw new BadUserInputError(
      'Azure sign-in needs tenant_id, client_id and client_secret together, or none of them (the default Azure credential)',
      problems.map(({ field, message }) => ({ path: field, message })),
    );
  }
  if (options.authorityHost && !hasServicePrincipal(options)) {
    const message =
      'goes with tenant_id, client_id and client_secret (the default Azure credential uses AZURE_AUTHORITY_HOST)';
    throw new BadUserInputError(`authority_host ${message}`, [{ path: 'authority_host', message }]);
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
  const { tenantId, clientId, clientSecret, authorityHost } = options;
  // The gateway's own (ambient) identity signs in only where the operator's environment says
  // (AZURE_AUTHORITY_HOST), never at an authority a component names.
  const credential =
    tenantId && clientId && clientSecret // hasServicePrincipal, spelled out for the types
      ? new ClientSecretCredential(tenantId, clientId, clientSecret, {
          authorityHost: authorityHost || undefined,
          disableInstanceDiscovery: skipsInstanceDiscovery(authorityHost),
          ...(authorityHost && options.endpoints
            ? {
                additionalPolicies: [
                  { policy: guardedConnectionsPolicy(options.endpoints), position: 'perRetry' },
                ],
              }
            : {}),
        })
      : new DefaultAzureCredential({ disableInstanceDiscovery: skipsInstanceDiscovery(undefined) });
  // Entra ID never echoes a secret; scrubbed all the same, the environment's one included.
  return reportingSignInFailures(credential, [clientSecret, process.env.AZURE_CLIENT_SECRET]);
}
