import { GoogleAuth } from 'google-auth-library';
import type { ClientOptions } from 'google-gax';
import { requireOwnCredentialsFor } from '../../security/ambient-credentials.js';
import type { EndpointPolicy } from '../../security/endpoint-policy.js';
import { insecureChannel, type RequestHeaderSource, signedInChannel } from './google-call-credentials.js';
import { CLOUD_PLATFORM_SCOPE, serviceAccountClient } from './service-account-client.js';
import { parseServiceAccountKey } from './service-account-key.js';

/** How the `gcp` back-end reaches Secret Manager and signs in. */
export interface GcpConnectionOptions {
  projectId: string;
  /** `host:port` of another endpoint (a local emulator, a private endpoint); unset: Google's endpoint. */
  apiEndpoint?: string;
  /** Plain-text gRPC without Google auth, for local emulators only. */
  insecure?: boolean;
  /** A service-account key (JSON); unset: application default credentials. */
  credentialsJson?: string;
  /** PEM certificate(s) to trust for the endpoint's TLS instead of the default roots. */
  caCert?: string;
}

/** The host and port (if given) of an `api_endpoint` (`host:port`, a scheme ignored). */
export function apiEndpointParts(apiEndpoint: string): { host: string; port?: number } {
  const match = /^(.*?)(?::(\d+))?$/.exec(apiEndpoint.replace(/^[a-z]+:\/\//, ''));
  return { host: match?.[1] ?? apiEndpoint, ...(match?.[2] ? { port: Number(match[2]) } : {}) };
}

/** Google's own endpoints, where application default credentials may sign. */
const GOOGLE_HOSTS = /(^|\.)googleapis\.com$/;

function endpointSettings(apiEndpoint: string | undefined): ClientOptions {
  if (!apiEndpoint) return {};
  const { host, port } = apiEndpointParts(apiEndpoint);
  return { apiEndpoint: host, ...(port ? { port } : {}) };
}

/**
 * SecretManagerServiceClient options: plain text without auth (`insecure`); TLS with our own
 * sign-in when a service-account key or a CA certificate is given (the key's JWT client, else
 * application default credentials); otherwise the SDK's default (TLS, application default
 * credentials). Our sign-in is handed over as channel credentials, so google-gax adds no auth of
 * its own; universeDomain keeps it from looking for credentials it won't use.
 * Throws ServiceAccountKeyError for a credentialsJson that is no service-account key.
 */
export function gcpClientOptions(
  options: GcpConnectionOptions & { endpoints?: EndpointPolicy },
): ClientOptions {
  const settings: ClientOptions = { projectId: options.projectId, ...endpointSettings(options.apiEndpoint) };
  if (options.insecure) return { ...settings, sslCreds: insecureChannel(), universeDomain: 'googleapis.com' };
  if (!options.credentialsJson && options.apiEndpoint)
    requireOwnCredentialsFor(
      apiEndpointParts(options.apiEndpoint).host,
      GOOGLE_HOSTS,
      'api_endpoint',
      'credentials_json',
    );
  if (!options.credentialsJson && !options.caCert) return settings;
  const auth: RequestHeaderSource = options.credentialsJson
    ? serviceAccountClient(parseServiceAccountKey(options.credentialsJson), options.endpoints)
    : new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE] });
  return { ...settings, sslCreds: signedInChannel(auth, options.caCert), universeDomain: 'googleapis.com' };
}
