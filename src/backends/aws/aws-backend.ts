import { randomUUID } from 'node:crypto';
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { AlreadyExistsError, NotFoundError } from '../../errors.js';
import type { EndpointPolicy } from '../../security/endpoint-policy.js';
import {
  type BackendEntry,
  type BackendListPage,
  type BackendListQuery,
  matchesListQuery,
  payloadFromValues,
  type SecretBackend,
  type SecretValues,
} from '../backend.js';
import {
  retryThrottled,
  type ThrottleRetry,
  type ThrottleRetryBounds,
  throttleRetry,
} from '../throttle-retry.js';
import { awsThrottling } from '../throttled-answer.js';
import { awsClient } from './aws-client.js';
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
  /** Bounds of the retry of throttled calls (default DEFAULT_THROTTLE_RETRY). */
  throttleRetry?: Partial<ThrottleRetryBounds>;
}

/** The client, the bound of its calls and their throttling retry, handed to each operation. */
interface Aws {
  client: SecretsManagerClient;
  timeoutMs: number;
  retry: ThrottleRetry;
}

/** Per-call options: aborted after the back-end's bound. */
const signal = (aws: Aws) => ({ abortSignal: AbortSignal.timeout(aws.timeoutMs) });

/**
 * One SDK call (given its per-attempt options), retried while AWS throttles it
 * (throttle-retry.ts). Only a throttled attempt is repeated, and AWS did nothing for it: a
 * CreateSecret retried so can't meet its own earlier attempt, so ResourceExistsException on a
 * retry is another writer's secret, and stays ALREADY_EXISTS.
 */
const send = <T>(aws: Aws, call: (options: { abortSignal: AbortSignal }) => Promise<T>) =>
  retryThrottled(() => call(signal(aws)), awsThrottling, aws.retry);

/** Tags and deletion state, or undefined when there is no such secret. */
async function describe(aws: Aws, name: string) {
  try {
    const described = await send(aws, (o) =>
      aws.client.send(new DescribeSecretCommand({ SecretId: name }), o),
    );
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
    await send(aws, (o) =>
      aws.client.send(
        new CreateSecretCommand({
          Name: entry.name,
          SecretString: payloadFromValues(entry.values),
          Tags: tagsOf(entry.metadata),
          ClientRequestToken: token,
        }),
        o,
      ),
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
      send(aws, (o) => aws.client.send(new GetSecretValueCommand({ SecretId: name }), o)),
      send(aws, (o) => aws.client.send(new DescribeSecretCommand({ SecretId: name }), o)),
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
  const batch = await send(aws, (o) =>
    aws.client.send(new BatchGetSecretValueCommand({ SecretIdList: chunk }), o),
  );
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
    await send(aws, (o) =>
      aws.client.send(
        new PutSecretValueCommand({ SecretId: entry.name, SecretString: payload, ClientRequestToken: token }),
        o,
      ),
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
    await send(aws, (o) =>
      aws.client.send(new UntagResourceCommand({ SecretId: entry.name, TagKeys: removed }), o),
    );
  if (changed.length > 0)
    await send(aws, (o) =>
      aws.client.send(
        new TagResourceCommand({
          SecretId: entry.name,
          Tags: changed.map(([Key, Value]) => ({ Key, Value })),
        }),
        o,
      ),
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
    await send(aws, (o) =>
      aws.client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }), o),
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
  const page = await send(aws, (o) =>
    aws.client.send(
      new ListSecretsCommand({
        MaxResults: pageSize,
        NextToken: query.pageToken,
        Filters: filters.length > 0 ? filters : undefined,
      }),
      o,
    ),
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
  const aws: Aws = {
    client: awsClient(options),
    timeoutMs: options.timeoutMs,
    retry: throttleRetry(options.throttleRetry),
  };
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
    ...awsVersionCalls({ client: aws.client, send: (call) => send(aws, call) }),
    close: async () => aws.client.destroy(),
  };
}
