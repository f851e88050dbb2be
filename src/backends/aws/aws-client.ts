import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { requireOwnCredentialsFor } from '../../security/ambient-credentials.js';
import { guardedAgents } from '../../security/guarded-connections.js';
import type { AwsBackendOptions } from './aws-backend.js';
import { awsSignInFailure, staticAwsCredentials } from './aws-credentials.js';
import { transientOnlyRetry } from './aws-retry-strategy.js';

/** Guarded agents for a component's own endpoint; AWS's regional endpoints are the SDK's choice. */
function agentsFor(options: AwsBackendOptions) {
  if (!options.endpoint || !options.endpoints) return {};
  const agents = guardedAgents(options.endpoints);
  return { httpAgent: agents.http, httpsAgent: agents.https };
}

/** AWS's own endpoints, where the default credential chain may sign. */
const AWS_HOSTS = /(^|\.)(amazonaws\.com|amazonaws\.com\.cn|api\.aws)$/;

/** The host of an endpoint URL (undefined when it does not parse; the SDK then refuses it). */
function hostOf(endpoint: string): string | undefined {
  try {
    return new URL(endpoint).hostname;
  } catch {
    return undefined;
  }
}

/**
 * The SDK client; a refused sign-in is rethrown as awsSignInFailure's BACKEND_ERROR. Its own retry
 * is transientOnlyRetry: throttling is the adapter's (throttle-retry.ts).
 */
export function awsClient(options: AwsBackendOptions): SecretsManagerClient {
  const credentials = staticAwsCredentials(options);
  if (!credentials && options.endpoint)
    requireOwnCredentialsFor(
      hostOf(options.endpoint),
      AWS_HOSTS,
      'endpoint_url',
      'aws_access_key_id and aws_secret_access_key',
    );
  const client = new SecretsManagerClient({
    region: options.region,
    endpoint: options.endpoint,
    // undefined: the SDK resolves credentials itself (environment, profile, web identity, metadata).
    credentials,
    maxAttempts: 2,
    retryStrategy: transientOnlyRetry(),
    requestHandler: {
      connectionTimeout: options.timeoutMs,
      requestTimeout: options.timeoutMs,
      ...agentsFor(options),
    },
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        throw awsSignInFailure(error) ?? error;
      }
    },
    { step: 'initialize', name: 'explainSignInFailures' },
  );
  return client;
}
