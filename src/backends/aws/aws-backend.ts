import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  type Filter,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  type Tag,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { AlreadyExistsError, BadUserInputError, NotFoundError } from '../../errors.js';
import {
  matchesListQuery,
  payloadFromValues,
  RAW_VALUE_KEY,
  type SecretBackend,
  type SecretMetadata,
  type SecretValues,
  valuesFromPayload,
} from '../backend.js';
import { awsSignInFailure, staticAwsCredentials } from './aws-credentials.js';

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
}

/** Secrets Manager's own limits, checked before a call so the error names the rule. */
const NAME_RULE = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const MAX_TAGS = 50;
const MAX_PAGE_SIZE = 100;
const MAX_FILTERS = 10;
const MAX_BATCH_GET = 20;
/** What ListSecrets accepts as a filter value (longer or other values are checked client-side only). */
const FILTER_VALUE_RULE = /^[a-zA-Z0-9 :_@/+=.\-!]{1,512}$/;

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { name?: string }).name : undefined;
}

function checkName(name: string): void {
  if (!NAME_RULE.test(name)) {
    throw new BadUserInputError(
      `"${name}" is not a valid AWS Secrets Manager name: 1-512 characters of [A-Za-z0-9/_+=.@-]`,
      [{ path: 'name', message: 'AWS secret names are 1-512 characters of [A-Za-z0-9/_+=.@-]' }],
    );
  }
}

function checkTags(metadata: SecretMetadata): void {
  const entries = Object.entries(metadata);
  const issues = [];
  if (entries.length > MAX_TAGS)
    issues.push({ path: 'metadata', message: `AWS allows at most ${MAX_TAGS} tags per secret` });
  for (const [key, value] of entries) {
    if (key.length < 1 || key.length > 128 || key.startsWith('aws:'))
      issues.push({
        path: `metadata.${key}`,
        message: 'AWS tag keys are 1-128 characters, not starting with aws:',
      });
    if (value.length > 256)
      issues.push({ path: `metadata.${key}`, message: 'AWS tag values are at most 256 characters' });
  }
  if (issues.length > 0) throw new BadUserInputError('Metadata does not fit AWS tag rules', issues);
}

const tagsOf = (metadata: SecretMetadata): Tag[] =>
  Object.entries(metadata).map(([Key, Value]) => ({ Key, Value }));

const metadataOf = (tags: Tag[] | undefined): SecretMetadata =>
  Object.fromEntries((tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));

/** Server-side filters for a listing (AWS matches prefixes, so results are re-checked exactly). */
function filtersFor(query: {
  namePrefix?: string;
  metadata?: SecretMetadata;
  withoutMetadataKey?: string;
}): Filter[] {
  const filters: Filter[] = [];
  const usable = (value: string) => FILTER_VALUE_RULE.test(value) && !value.startsWith('!');
  if (query.namePrefix && usable(query.namePrefix)) filters.push({ Key: 'name', Values: [query.namePrefix] });
  for (const [key, value] of Object.entries(query.metadata ?? {})) {
    if (usable(key)) filters.push({ Key: 'tag-key', Values: [key] });
    if (value !== '' && usable(value)) filters.push({ Key: 'tag-value', Values: [value] });
  }
  if (query.withoutMetadataKey && usable(query.withoutMetadataKey))
    filters.push({ Key: 'tag-key', Values: [`!${query.withoutMetadataKey}`] });
  return filters.slice(0, MAX_FILTERS);
}

/** Values of a GetSecretValue/BatchGetSecretValue answer (binary: the raw payload in base64). */
function valuesOf(value: { SecretString?: string; SecretBinary?: Uint8Array }): SecretValues {
  if (value.SecretString !== undefined) return valuesFromPayload(value.SecretString);
  if (value.SecretBinary) return { [RAW_VALUE_KEY]: Buffer.from(value.SecretBinary).toString('base64') };
  return valuesFromPayload('');
}

/**
 * The `aws` back-end (AWS Secrets Manager): SecretString = JSON of the values (or the raw
 * payload under RAW_VALUE_KEY), tags = metadata. Listing pages with the real NextToken.
 * Signs in with the given access key, else through the SDK's default credential chain (a key id
 * without its secret is BadUserInputError); a refused sign-in is a BACKEND_ERROR in our words.
 */
export function createAwsBackend(options: AwsBackendOptions): SecretBackend {
  const client = new SecretsManagerClient({
    region: options.region,
    endpoint: options.endpoint,
    // undefined: the SDK resolves credentials itself (environment, profile, web identity, metadata).
    credentials: staticAwsCredentials(options),
    maxAttempts: 2,
    requestHandler: { connectionTimeout: options.timeoutMs, requestTimeout: options.timeoutMs },
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
  const signal = () => ({ abortSignal: AbortSignal.timeout(options.timeoutMs) });

  /** Tags and deletion state, or undefined when there is no such secret. */
  async function describe(name: string) {
    try {
      const described = await client.send(new DescribeSecretCommand({ SecretId: name }), signal());
      return described.DeletedDate ? undefined : described;
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  }

  return {
    kind: 'aws',
    async create(entry) {
      checkName(entry.name);
      checkTags(entry.metadata);
      try {
        await client.send(
          new CreateSecretCommand({
            Name: entry.name,
            SecretString: payloadFromValues(entry.values),
            Tags: tagsOf(entry.metadata),
          }),
          signal(),
        );
      } catch (error) {
        if (errorName(error) === 'ResourceExistsException')
          throw new AlreadyExistsError(`Secret entry "${entry.name}" already exists`);
        // A name whose secret is scheduled for deletion (by another tool) can't be re-created yet.
        if (
          errorName(error) === 'InvalidRequestException' &&
          /deletion/i.test(String((error as Error).message))
        )
          throw new AlreadyExistsError(`Secret entry "${entry.name}" is scheduled for deletion in AWS`);
        throw error;
      }
    },
    async get(name) {
      if (!NAME_RULE.test(name)) return undefined;
      try {
        const [value, described] = await Promise.all([
          client.send(new GetSecretValueCommand({ SecretId: name }), signal()),
          client.send(new DescribeSecretCommand({ SecretId: name }), signal()),
        ]);
        return { name: value.Name ?? name, values: valuesOf(value), metadata: metadataOf(described.Tags) };
      } catch (error) {
        if (errorName(error) === 'ResourceNotFoundException') return undefined;
        // Marked for deletion: gone as far as the gateway is concerned.
        if (errorName(error) === 'InvalidRequestException') return undefined;
        throw error;
      }
    },
    async getValues(names) {
      const valid = names.filter((name) => NAME_RULE.test(name));
      const chunks: string[][] = [];
      for (let i = 0; i < valid.length; i += MAX_BATCH_GET) chunks.push(valid.slice(i, i + MAX_BATCH_GET));
      const found = new Map<string, SecretValues>();
      await Promise.all(
        chunks.map(async (chunk) => {
          const batch = await client.send(new BatchGetSecretValueCommand({ SecretIdList: chunk }), signal());
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
        }),
      );
      return found;
    },
    async update(entry) {
      checkName(entry.name);
      checkTags(entry.metadata);
      const current = await describe(entry.name);
      if (!current) throw new NotFoundError(`Secret entry "${entry.name}" not found`);
      try {
        await client.send(
          new PutSecretValueCommand({ SecretId: entry.name, SecretString: payloadFromValues(entry.values) }),
          signal(),
        );
      } catch (error) {
        if (errorName(error) === 'ResourceNotFoundException')
          throw new NotFoundError(`Secret entry "${entry.name}" not found`);
        throw error;
      }
      const before = metadataOf(current.Tags);
      const removed = Object.keys(before).filter((key) => !Object.hasOwn(entry.metadata, key));
      const changed = Object.entries(entry.metadata).filter(
        ([key, value]) => !Object.hasOwn(before, key) || before[key] !== value,
      );
      if (removed.length > 0)
        await client.send(new UntagResourceCommand({ SecretId: entry.name, TagKeys: removed }), signal());
      if (changed.length > 0)
        await client.send(
          new TagResourceCommand({
            SecretId: entry.name,
            Tags: changed.map(([Key, Value]) => ({ Key, Value })),
          }),
          signal(),
        );
    },
    async delete(name) {
      if (!NAME_RULE.test(name)) return false;
      // A forced delete of an unknown name succeeds, so look first to answer false for it.
      const exists = (await describe(name)) !== undefined;
      try {
        // Without a recovery window: AWS keeps a deleted secret's name reserved for 7-30 days
        // otherwise, and the gateway must be able to re-create a secret under the same name
        // (ZenML's naming is deterministic) right after deleting it.
        await client.send(
          new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }),
          signal(),
        );
      } catch (error) {
        if (errorName(error) === 'ResourceNotFoundException') return false;
        // Already scheduled for deletion by another tool: gone as far as the gateway is concerned.
        if (!exists && errorName(error) === 'InvalidRequestException') return false;
        throw error;
      }
      return exists;
    },
    async list(query) {
      const pageSize = Math.max(1, Math.min(query.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE));
      const filters = filtersFor(query);
      const page = await client.send(
        new ListSecretsCommand({
          MaxResults: pageSize,
          NextToken: query.pageToken,
          Filters: filters.length > 0 ? filters : undefined,
        }),
        signal(),
      );
      const entries = (page.SecretList ?? [])
        .filter((secret) => secret.Name && !secret.DeletedDate)
        .map((secret) => ({ name: secret.Name as string, metadata: metadataOf(secret.Tags) }))
        .filter((entry) => matchesListQuery(entry, query));
      return { entries, nextPageToken: page.NextToken || undefined };
    },
    async close() {
      client.destroy();
    },
  };
}
