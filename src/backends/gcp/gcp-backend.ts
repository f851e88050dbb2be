import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { AlreadyExistsError, BackendError, BadUserInputError, NotFoundError } from '../../errors.js';
import type { EndpointPolicy } from '../../security/endpoint-policy.js';
import { checkResolvedHost } from '../../security/guarded-connections.js';
import {
  type BackendEntry,
  type BackendListPage,
  type BackendListQuery,
  matchesListQuery,
  type SecretBackend,
  valuesFromPayload,
} from '../backend.js';
import {
  retryThrottled,
  type ThrottleRetry,
  type ThrottleRetryBounds,
  throttleRetry,
} from '../throttle-retry.js';
import { grpcThrottling } from '../throttled-answer.js';
import { wrapBackendCalls } from '../wrap-backend-calls.js';
import { apiEndpointParts, type GcpConnectionOptions, gcpClientOptions } from './gcp-client-options.js';
import {
  checkLabels,
  checkSecretId,
  DEFAULT_PAGE_SIZE,
  filterFor,
  GRPC_ALREADY_EXISTS,
  GRPC_FAILED_PRECONDITION,
  GRPC_NOT_FOUND,
  grpcCode,
  labelsOf,
  MAX_PAGE_SIZE,
  payloadText,
  SECRET_ID_RULE,
  sameMetadata,
} from './gcp-entry-rules.js';
import {
  addGcpVersion,
  currentGcpVersionId,
  destroyGcpVersions,
  getGcpVersion,
  restoreGcpVersion,
} from './gcp-versions.js';
import { signInProblem } from './google-call-credentials.js';
import { ServiceAccountKeyError } from './service-account-key.js';

export interface GcpBackendOptions extends GcpConnectionOptions {
  /** Deadline of every RPC, in milliseconds. */
  timeoutMs: number;
  /** With apiEndpoint: its resolved address is checked before every call (see checkResolvedHost). */
  endpoints?: EndpointPolicy;
  /** Bounds of the retry of throttled calls (default DEFAULT_THROTTLE_RETRY). */
  throttleRetry?: Partial<ThrottleRetryBounds>;
}

/** The client, the project's resource name, the bound of its calls and their throttling retry. */
interface Gcp {
  client: SecretManagerServiceClient;
  parent: string;
  timeoutMs: number;
  retry: ThrottleRetry;
}

const secretPath = (gcp: Gcp, name: string) => `${gcp.parent}/secrets/${name}`;
/** Per-call options: the deadline, no gax retries (throttling is retried by `rpc`, the guard bounds the whole call). */
const call = (gcp: Gcp) => ({ timeout: gcp.timeoutMs, maxRetries: 0 });

/**
 * One RPC, retried while it is answered RESOURCE_EXHAUSTED (throttle-retry.ts). Only a throttled
 * attempt is repeated, and Google did nothing for it: a CreateSecret retried so can't meet its own
 * earlier attempt, so ALREADY_EXISTS on a retry is another writer's secret.
 */
const rpc = <T>(gcp: Gcp, run: () => Promise<T>) => retryThrottled(run, grpcThrottling, gcp.retry);
type Labels = Record<string, string> | undefined;

/** The client for `options`; a credentialsJson that is no service-account key is BAD_USER_INPUT. */
function clientFor(options: GcpBackendOptions): SecretManagerServiceClient {
  try {
    return new SecretManagerServiceClient(gcpClientOptions(options));
  } catch (error) {
    if (!(error instanceof ServiceAccountKeyError)) throw error;
    throw new BadUserInputError(`GCP credentials_json ${error.message}`, [
      { path: 'configuration.credentials_json', message: error.message },
    ]);
  }
}

/**
 * A back-end whose calls first check where `api_endpoint` resolves to. gRPC resolves the name
 * again when it (re)connects; a DNS answer changed in between is the window checkResolvedHost names.
 */
function checkingEndpoint(backend: SecretBackend, options: GcpBackendOptions): SecretBackend {
  const { apiEndpoint, endpoints } = options;
  if (!apiEndpoint || !endpoints) return backend;
  const { host, port } = apiEndpointParts(apiEndpoint);
  return wrapBackendCalls(backend, async (_operation, run) => {
    await checkResolvedHost(endpoints, host, port ?? 443);
    return run();
  });
}

/** A back-end whose calls refused for their credentials fail with BACKEND_ERROR in our words. */
function explainingSignIn(backend: SecretBackend): SecretBackend {
  return wrapBackendCalls(backend, async (_operation, run) => {
    try {
      return await run();
    } catch (error) {
      const problem = signInProblem(error);
      throw problem ? new BackendError(`gcp back-end could not sign in: ${problem}`) : error;
    }
  });
}

async function getSecret(gcp: Gcp, name: string) {
  try {
    const [secret] = await rpc(gcp, () => gcp.client.getSecret({ name: secretPath(gcp, name) }, call(gcp)));
    return secret;
  } catch (error) {
    if (grpcCode(error) === GRPC_NOT_FOUND) return undefined;
    throw error;
  }
}

/** CreateSecret + AddSecretVersion; the version's number. */
async function createEntry(gcp: Gcp, entry: BackendEntry): Promise<string> {
  checkSecretId(entry.name);
  checkLabels(entry.metadata);
  try {
    await rpc(gcp, () =>
      gcp.client.createSecret(
        {
          parent: gcp.parent,
          secretId: entry.name,
          secret: { replication: { automatic: {} }, labels: { ...entry.metadata } },
        },
        call(gcp),
      ),
    );
  } catch (error) {
    if (grpcCode(error) === GRPC_ALREADY_EXISTS)
      throw new AlreadyExistsError(`Secret entry "${entry.name}" already exists`);
    throw error;
  }
  try {
    return await addGcpVersion(gcp, entry.name, entry.values);
  } catch (error) {
    // Don't leave a secret without a value behind; the caller may simply retry the create.
    await rpc(gcp, () => gcp.client.deleteSecret({ name: secretPath(gcp, entry.name) }, call(gcp))).catch(
      () => undefined,
    );
    throw error;
  }
}

async function getEntry(gcp: Gcp, name: string): Promise<BackendEntry | undefined> {
  if (!SECRET_ID_RULE.test(name)) return undefined;
  try {
    const [[secret], [version]] = await Promise.all([
      rpc(gcp, () => gcp.client.getSecret({ name: secretPath(gcp, name) }, call(gcp))),
      rpc(gcp, () =>
        gcp.client.accessSecretVersion({ name: `${secretPath(gcp, name)}/versions/latest` }, call(gcp)),
      ),
    ]);
    return {
      name,
      values: valuesFromPayload(payloadText(version.payload?.data)),
      metadata: labelsOf(secret.labels as Labels),
    };
  } catch (error) {
    // NOT_FOUND: no secret or no version; FAILED_PRECONDITION: latest version disabled/destroyed.
    const code = grpcCode(error);
    if (code === GRPC_NOT_FOUND || code === GRPC_FAILED_PRECONDITION) return undefined;
    throw error;
  }
}

/** AddSecretVersion (the labels too when they changed); the version's number. */
async function updateEntry(gcp: Gcp, entry: BackendEntry): Promise<string> {
  checkSecretId(entry.name);
  checkLabels(entry.metadata);
  const secret = await getSecret(gcp, entry.name);
  if (!secret) throw new NotFoundError(`Secret entry "${entry.name}" not found`);
  let versionId: string;
  try {
    versionId = await addGcpVersion(gcp, entry.name, entry.values);
  } catch (error) {
    if (grpcCode(error) === GRPC_NOT_FOUND) throw new NotFoundError(`Secret entry "${entry.name}" not found`);
    throw error;
  }
  if (!sameMetadata(labelsOf(secret.labels as Labels), entry.metadata)) {
    await rpc(gcp, () =>
      gcp.client.updateSecret(
        {
          secret: { name: secretPath(gcp, entry.name), labels: { ...entry.metadata } },
          updateMask: { paths: ['labels'] },
        },
        call(gcp),
      ),
    );
  }
  return versionId;
}

async function deleteEntry(gcp: Gcp, name: string): Promise<boolean> {
  if (!SECRET_ID_RULE.test(name)) return false;
  try {
    await rpc(gcp, () => gcp.client.deleteSecret({ name: secretPath(gcp, name) }, call(gcp)));
    return true;
  } catch (error) {
    if (grpcCode(error) === GRPC_NOT_FOUND) return false;
    throw error;
  }
}

async function listEntries(gcp: Gcp, query: BackendListQuery): Promise<BackendListPage> {
  const pageSize = Math.max(1, Math.min(query.pageSize ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE));
  const [secrets, , response] = await rpc(gcp, () =>
    gcp.client.listSecrets(
      { parent: gcp.parent, pageSize, pageToken: query.pageToken, filter: filterFor(query) },
      { ...call(gcp), autoPaginate: false },
    ),
  );
  // Google answers with the project number in resource names, so take the last segment.
  const entries = secrets
    .map((secret) => ({
      name: /\/secrets\/([^/]+)$/.exec(secret.name ?? '')?.[1] ?? '',
      metadata: labelsOf(secret.labels as Labels),
    }))
    .filter((entry) => entry.name !== '' && matchesListQuery(entry, query));
  return { entries, nextPageToken: response?.nextPageToken || undefined };
}

/**
 * The `gcp` back-end (GCP Secret Manager): create = CreateSecret (labels = metadata) +
 * AddSecretVersion; get = GetSecret + AccessSecretVersion `latest`; update adds a version (and
 * updates the labels when they changed); listing pages with the real page token and a label filter.
 * Sign-in: see gcpClientOptions; a call refused for its credentials fails with BACKEND_ERROR in our
 * words. Throws BadUserInputError for a credentialsJson that is no service-account key.
 */
export function createGcpBackend(options: GcpBackendOptions): SecretBackend {
  const gcp: Gcp = {
    client: clientFor(options),
    parent: `projects/${options.projectId}`,
    timeoutMs: options.timeoutMs,
    retry: throttleRetry(options.throttleRetry),
  };
  const backend = explainingSignIn({
    kind: 'gcp',
    create: async (entry) => void (await createEntry(gcp, entry)),
    get: (name) => getEntry(gcp, name),
    update: async (entry) => void (await updateEntry(gcp, entry)),
    delete: (name) => deleteEntry(gcp, name),
    list: (query) => listEntries(gcp, query),
    createVersioned: (entry) => createEntry(gcp, entry),
    putVersion: (entry) => updateEntry(gcp, entry),
    getVersion: (name, versionId) => getGcpVersion(gcp, name, versionId),
    currentVersionId: (name) => currentGcpVersionId(gcp, name),
    restoreVersion: (name, versionId) => restoreGcpVersion(gcp, name, versionId),
    destroyVersions: (name, versionIds) => destroyGcpVersions(gcp, name, versionIds),
    close: () => gcp.client.close(),
  });
  return checkingEndpoint(backend, options);
}
