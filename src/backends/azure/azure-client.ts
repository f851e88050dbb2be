import { AsyncLocalStorage } from 'node:async_hooks';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { SecretClient } from '@azure/keyvault-secrets';
import { BadUserInputError } from '../../errors.js';
import { isLoopbackHost } from '../../security/ambient-credentials.js';
import { throttleRetry } from '../throttle-retry.js';
import type { AzureBackendOptions } from './azure-backend.js';
import { azureCredential, hasServicePrincipal } from './azure-credential.js';
import { throttleRetryPolicy } from './azure-throttle-policy.js';
import { guardedConnectionsPolicy } from './guarded-connections-policy.js';

/** Hosts of Azure's Key Vault clouds, where the challenge resource is verified. */
const KEY_VAULT_HOSTS =
  /\.(vault\.azure\.net|vault\.azure\.cn|vault\.usgovcloudapi\.net|vault\.microsoftazure\.de|managedhsm\.azure\.net)$/i;

/** Where a listing call collects the `nextLink` of the page it fetched. */
export const listingPage = new AsyncLocalStorage<{ nextLink?: string }>();

/**
 * Reads `nextLink` off list responses. SecretClient's `byPage` drops the continuation token
 * when it maps items to SecretProperties (4.11), so the token is taken from the wire instead;
 * AsyncLocalStorage ties each response to the listing call that asked for it.
 */
const nextLinkPolicy: PipelinePolicy = {
  name: 'sgwListNextLink',
  async sendRequest(request, next) {
    const response = await next(request);
    const page = listingPage.getStore();
    if (page && request.method === 'GET' && response.status === 200 && response.bodyAsText) {
      try {
        const body = JSON.parse(response.bodyAsText) as { nextLink?: unknown };
        if (typeof body.nextLink === 'string' && body.nextLink !== '') page.nextLink = body.nextLink;
      } catch {
        // not a JSON list page
      }
    }
    return response;
  },
};

/** The vault URL, refused (BadUserInputError) when it is no URL, or plain http without allowInsecure. */
function vaultUrlOf(options: AzureBackendOptions): URL {
  let url: URL;
  try {
    url = new URL(options.vaultUrl);
  } catch {
    throw new BadUserInputError(`vault URL "${options.vaultUrl}" is not a URL`, [
      { path: 'vault_url', message: 'must be a URL such as https://<name>.vault.azure.net' },
    ]);
  }
  if (url.protocol !== 'https:' && !options.allowInsecure)
    throw new BadUserInputError(
      `vault URL ${url.origin} is not https (set allow_insecure for a local emulator)`,
      [{ path: 'vault_url', message: 'must be https unless allow_insecure is set' }],
    );
  return url;
}

/**
 * The Key Vault client for `options`, signed in through azureCredential, with nextLinkPolicy and
 * throttleRetryPolicy (429s retried within the bound; the SDK's maxRetries is for transient failures).
 * Throws BadUserInputError for a bad vault URL or sign-in options.
 */
export function azureSecretClient(options: AzureBackendOptions): SecretClient {
  const url = vaultUrlOf(options);
  return new SecretClient(options.vaultUrl, azureCredential(options), {
    // The challenge names https://vault.azure.net as resource; only a real Key Vault host matches
    // it. Another host may skip that check only with the component's own service principal (its
    // token is worth nothing more to that host) or on this machine (local emulators): the
    // gateway's ambient identity (DefaultAzureCredential) never gets a token for a resource that
    // an arbitrary vault_url names.
    disableChallengeResourceVerification:
      !KEY_VAULT_HOSTS.test(url.hostname) && (hasServicePrincipal(options) || isLoopbackHost(url.hostname)),
    allowInsecureConnection: Boolean(options.allowInsecure),
    retryOptions: { maxRetries: 1, retryDelayInMs: 200, maxRetryDelayInMs: 1000 },
    additionalPolicies: [
      { policy: nextLinkPolicy, position: 'perCall' },
      { policy: throttleRetryPolicy(throttleRetry(options.throttleRetry)), position: 'perRetry' },
      ...(options.endpoints && !KEY_VAULT_HOSTS.test(url.hostname)
        ? [{ policy: guardedConnectionsPolicy(options.endpoints), position: 'perRetry' as const }]
        : []),
    ],
  });
}
