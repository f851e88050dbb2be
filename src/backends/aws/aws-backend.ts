import { randomUUID } from 'node:crypto';
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { AlreadyExistsError, NotFoundError } from '../../errors.js';
import { requireOwnCredentialsFor } from '../../security/ambient-credentials.js';
import type { EndpointPolicy } from '../../security/endpoint-policy.js';
import { guardedAgents } from '../../security/guarded-connections.js';
import {
  type BackendEntry,
  type BackendListPage,
  type BackendListQuery,
  matchesListQuery,
  payloadFromValues,
  type SecretBackend,
  type SecretValues,
} from '../backend.js';
import { awsSignInFailure, staticAwsCredentials } from './aws-credentials.js';
import {
  checkName,
  checkTags,
  errorName,
  filtersFor,
  MAX_BATCH_GET,
  MAX_PAGE_SIZE,
  metadataOf,
  NAME_RULE,
  tagsOf,
  valuesOf,
} from './aws-entry-rules.js';
import { awsVersionCalls } from './aws-versions.js';

export interface AwsBackendOptions {
  region: string;
  /** e.g. `http://127.0.0.1:4566` for a local emulator; unset: the regional AWS endpoint. */
  endpoint?: string;
  /** With secretAccessKey (and sessionToken for temporary credentials); none: the SDK's default chain. */
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** Per-request bound (connection and response), in milliseconds. */
  timeoutMs: number;
  /** With `endpoint`: connections go only to addresses the policy allows (checked per connection). */
  endpoints?: EndpointPolicy;
}

/** The client and the bound of its calls, handed to each operation. */
interface Aws {
  client: SecretsManagerClient;
  timeoutMs: number;
}

/** Per-call options: aborted after the back-end's bound. */
const signal = (aws: Aws) => ({ abortSignal: AbortSignal.timeout(aws.timeoutMs) });

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

/** The SDK client; a refused sign-in is rethrown as awsSignInFailure's BACKEND_ERROR. */
function clientFor(options: AwsBackendOptions): SecretsManagerClient {
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

/** Tags and deletion state, or undefined when there is no such secret. */
async function describe(aws: Aws, name: string) {
  try {
    const described = await aws.client.send(new DescribeSecretCommand({ SecretId: name }), signal(aws));
    return described.DeletedDate ? undefined : described;
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/** Creates the secret; the VersionId of its first version. */
async function createEntry(aws: Aws, entry: BackendEntry): Promise<string> {
  checkName(entry.name);
  checkTags(entry.metadata);
  const token = randomUUID();
  try {
    await aws.client.send(
      new CreateSecretCommand({
        Name: entry.name,
        SecretString: payloadFromValues(entry.values),
        Tags: tagsOf(entry.metadata),
        ClientRequestToken: token,
      }),
      signal(aws),
    );
    return token;
  } catch (error) {
    if (errorName(error) === 'ResourceExistsException')
      throw new AlreadyExistsError(`Secret entry "${entry.name}" already exists`);
    // A name whose secret is scheduled for deletion (by another tool) can't be re-created yet.
    if (errorName(error) === 'InvalidRequestException' && /deletion/i.test(String((error as Error).message)))
      throw new AlreadyExistsError(`Secret entry "${entry.name}" is scheduled for deletion in AWS`);
    throw error;
  }
}

async function getEntry(aws: Aws, name: string): Promise<BackendEntry | undefined> {
  if (!NAME_RULE.test(name)) return undefined;
  try {
    const [value, described] = await Promise.all([
      aws.client.send(new GetSecretValueCommand({ SecretId: name }), signal(aws)),
      aws.client.send(new DescribeSecretCommand({ SecretId: name }), signal(aws)),
    ]);
    return { name: value.Name ?? name, values: valuesOf(value), metadata: metadataOf(described.Tags) };
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return undefined;
    // Marked for deletion: gone as far as the gateway is concerned.
    if (errorName(error) === 'InvalidRequestException') return undefined;
    throw error;
  }
}

/** One BatchGetSecretValue call (at most MAX_BATCH_GET names), its values added to `found`. */
async function getBatch(aws: Aws, chunk: string[], found: Map<string, SecretValues>): Promise<void> {
  const batch = await aws.client.send(new BatchGetSecretValueCommand({ SecretIdList: chunk }), signal(aws));
  // Missing or marked-for-deletion secrets come back in Errors: absent, like get().
  const failed = (batch.Errors ?? []).filter(
    (e) => e.ErrorCode !== 'ResourceNotFoundException' && e.ErrorCode !== 'InvalidRequestException',
  );
  if (failed.length > 0) {
    throw Object.assign(new Error(failed[0].Message ?? 'BatchGetSecretValue failed'), {
      name: failed[0].ErrorCode,
    });
  }
  for (const value of batch.SecretValues ?? []) {
    if (value.Name) found.set(value.Name, valuesOf(value));
  }
}

async function getValues(aws: Aws, names: string[]): Promise<Map<string, SecretValues>> {
  const valid = names.filter((name) => NAME_RULE.test(name));
  const chunks: string[][] = [];
  for (let i = 0; i < valid.length; i += MAX_BATCH_GET) chunks.push(valid.slice(i, i + MAX_BATCH_GET));
  const found = new Map<string, SecretValues>();
  await Promise.all(chunks.map((chunk) => getBatch(aws, chunk, found)));
  return found;
}

/** A new AWSCURRENT version (ClientRequestToken = its VersionId) and the tags; the VersionId. */
async function updateEntry(aws: Aws, entry: BackendEntry): Promise<string> {
  checkName(entry.name);
  checkTags(entry.metadata);
  const current = await describe(aws, entry.name);
  if (!current) throw new NotFoundError(`Secret entry "${entry.name}" not found`);
  const token = randomUUID();
  try {
    const payload = payloadFromValues(entry.values);
    await aws.client.send(
      new PutSecretValueCommand({ SecretId: entry.name, SecretString: payload, ClientRequestToken: token }),
      signal(aws),
    );
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException')
      throw new NotFoundError(`Secret entry "${entry.name}" not found`);
    throw error;
  }
  await retag(aws, entry, metadataOf(current.Tags));
  return token;
}

/** Removes the tags `entry` no longer has and sets the new or changed ones. */
async function retag(aws: Aws, entry: BackendEntry, before: Record<string, string>): Promise<void> {
  const removed = Object.keys(before).filter((key) => !Object.hasOwn(entry.metadata, key));
  const changed = Object.entries(entry.metadata).filter(
    ([key, value]) => !Object.hasOwn(before, key) || before[key] !== value,
  );
  if (removed.length > 0)
    await aws.client.send(new UntagResourceCommand({ SecretId: entry.name, TagKeys: removed }), signal(aws));
  if (changed.length > 0)
    await aws.client.send(
      new TagResourceCommand({ SecretId: entry.name, Tags: changed.map(([Key, Value]) => ({ Key, Value })) }),
      signal(aws),
    );
}

async function deleteEntry(aws: Aws, name: string): Promise<boolean> {
  if (!NAME_RULE.test(name)) return false;
  // A forced delete of an unknown name succeeds, so look first to answer false for it.
  const exists = (await describe(aws, name)) !== undefined;
  try {
    // Without a recovery window: AWS keeps a deleted secret's name reserved for 7-30 days
    // otherwise, and the gateway must be able to re-create a secret under the same name
    // (ZenML's naming is deterministic) right after deleting it.
    await aws.client.send(
      new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }),
      signal(aws),
    );
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return false;
    // Already scheduled for deletion by another tool: gone as far as the gateway is concerned.
    if (!exists && errorName(error) === 'InvalidRequestException') return false;
    throw error;
  }
  return exists;
}

async function listEntries(aws: Aws, query: BackendListQuery): Promise<BackendListPage> {
  const pageSize = Math.max(1, Math.min(query.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE));
  const filters = filtersFor(query);
  const page = await aws.client.send(
    new ListSecretsCommand({
      MaxResults: pageSize,
      NextToken: query.pageToken,
      Filters: filters.length > 0 ? filters : undefined,
    }),
    signal(aws),
  );
  const entries = (page.SecretList ?? [])
    .filter((secret) => secret.Name && !secret.DeletedDate)
    .map((secret) => ({ name: secret.Name as string, metadata: metadataOf(secret.Tags) }))
    .filter((entry) => matchesListQuery(entry, query));
  return { entries, nextPageToken: page.NextToken || undefined };
}

/**
 * The `aws` back-end (AWS Secrets Manager): SecretString = JSON of the values (or the raw
 * payload under RAW_VALUE_KEY), tags = metadata. Listing pages with the real NextToken.
 * Signs in with the given access key, else through the SDK's default credential chain (a key id
 * without its secret is BadUserInputError); a refused sign-in is a BACKEND_ERROR in our words.
 */
export function createAwsBackend(options: AwsBackendOptions): SecretBackend {
  const aws: Aws = { client: clientFor(options), timeoutMs: options.timeoutMs };
  return {
    kind: 'aws',
    create: async (entry) => void (await createEntry(aws, entry)),
    get: (name) => getEntry(aws, name),
    getValues: (names) => getValues(aws, names),
    update: async (entry) => void (await updateEntry(aws, entry)),
    delete: (name) => deleteEntry(aws, name),
    list: (query) => listEntries(aws, query),
    createVersioned: (entry) => createEntry(aws, entry),
    putVersion: (entry) => updateEntry(aws, entry),
    ...awsVersionCalls(aws),
    close: async () => aws.client.destroy(),
  };
}
