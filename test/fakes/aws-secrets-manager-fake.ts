/**
 * A local fake of AWS Secrets Manager that speaks the AWS JSON 1.1 protocol
 * (`POST /`, `x-amz-target: secretsmanager.<Op>`), so the real
 * `@aws-sdk/client-secrets-manager` can be pointed at it. SigV4 is not checked; the
 * signing region (from the credential scope) only decides the region in new ARNs.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listen } from './fake-http-server.js';

/** Options shared by the local fake servers (port 0 = random; `token` is used by the Vault fake only). */
export interface FakeOptions {
  port?: number;
  host?: string;
  delayMs?: number;
  token?: string;
}

/** AWS-only options: the account id in ARNs and the region used when a request is unsigned. */
export interface AwsSecretsManagerFakeOptions extends FakeOptions {
  accountId?: string;
  region?: string;
}

/** A tag exactly as Secrets Manager stores it. */
export interface AwsTag {
  Key: string;
  Value: string;
}

/** One stored version of a secret; timestamps are epoch seconds. */
export interface AwsSecretVersion {
  readonly versionId: string;
  readonly secretString?: string;
  readonly secretBinary?: Uint8Array;
  stages: string[];
  readonly createdDate: number;
}

/** Raw state of one secret; `deletedDate`/`deletionDate` are set while it is pending deletion. */
export interface AwsSecret {
  readonly name: string;
  readonly arn: string;
  description?: string;
  kmsKeyId?: string;
  tags: AwsTag[];
  readonly versions: Map<string, AwsSecretVersion>;
  readonly createdDate: number;
  lastChangedDate: number;
  lastAccessedDate?: number;
  deletedDate?: number;
  deletionDate?: number;
}

/** Options of `fake.put`: tags (replace the current ones when given), description, version id, region. */
export interface AwsPutOptions {
  tags?: AwsTag[];
  description?: string;
  versionId?: string;
  region?: string;
}

/** A running fake; `delayMs` may be changed at any time and is added to every call. */
export interface AwsSecretsManagerFake {
  readonly url: string;
  readonly port: number;
  delayMs: number;
  /** Secrets by name, including those pending deletion. */
  readonly secrets: ReadonlyMap<string, AwsSecret>;
  /** Operation names in the order they were received. */
  readonly calls: readonly string[];
  /** Writes a secret straight into the state (new AWSCURRENT version), as another tool would have. */
  put(name: string, value: string | Uint8Array, options?: AwsPutOptions): AwsSecret;
  /** Makes the next call of `operation` (or `*` for any) fail with the given error type. */
  failNext(operation: string, type: string, message?: string, status?: number): void;
  /** Forgets every secret and recorded call. */
  reset(): void;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
type Handler = (input: Json, region: string) => Json | undefined;

const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
const MAX_VALUE_BYTES = 65_536;
const MAX_TAGS = 50;
const MAX_VERSIONS = 100;
const DAY_SECONDS = 86_400;
const NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]+$/;
const FILTER_VALUE_PATTERN = /^!?[a-zA-Z0-9 :_@/+=.\-!]*$/;
const FILTER_KEYS = [
  'all',
  'description',
  'name',
  'tag-key',
  'tag-value',
  'primary-region',
  'owning-service',
];
const SUFFIX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const NOT_FOUND = "Secrets Manager can't find the specified secret.";
const MARKED_FOR_DELETION =
  "You can't perform this operation on the secret because it was marked for deletion.";

/** An error the fake answers with: `{"__type": type, "message": message}`. */
class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const notFound = (message = NOT_FOUND) => new AwsError('ResourceNotFoundException', message);
const invalidParameter = (message: string) => new AwsError('InvalidParameterException', message);
const invalidRequest = (message: string) => new AwsError('InvalidRequestException', message);

/** Mirrors the wording of AWS model-constraint failures. */
function validation(member: string, value: unknown, constraint: string): AwsError {
  const shown = value === undefined ? 'null' : `'${String(value)}'`;
  return new AwsError(
    'ValidationException',
    `1 validation error detected: Value ${shown} at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

const nowSeconds = () => Date.now() / 1000;
const memberName = (key: string) => key[0].toLowerCase() + key.slice(1);

function optString(input: Json, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AwsError('SerializationException', `${key} must be a string`);
  return value;
}

function reqString(input: Json, key: string): string {
  const value = optString(input, key);
  if (value === undefined) throw validation(memberName(key), undefined, 'Member must not be null');
  return value;
}

function optNumber(input: Json, key: string): number | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw new AwsError('SerializationException', `${key} must be a number`);
  return value;
}

function optBoolean(input: Json, key: string): boolean {
  const value = input[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new AwsError('SerializationException', `${key} must be a boolean`);
  return value;
}

function optArray(input: Json, key: string): unknown[] | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new AwsError('SerializationException', `${key} must be a list`);
  return value;
}

function stringList(input: Json, key: string): string[] | undefined {
  const list = optArray(input, key);
  if (list?.some((item) => typeof item !== 'string')) {
    throw new AwsError('SerializationException', `${key} must be a list of strings`);
  }
  return list as string[] | undefined;
}

function validateName(name: string): void {
  if (name.length < 1 || name.length > 512) {
    throw validation('name', name, 'Member must have length between 1 and 512');
  }
  if (!NAME_PATTERN.test(name)) {
    throw invalidParameter(
      'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
    );
  }
}

function readToken(input: Json): string | undefined {
  const token = optString(input, 'ClientRequestToken');
  if (token !== undefined && (token.length < 32 || token.length > 64)) {
    throw validation('clientRequestToken', token, 'Member must have length between 32 and 64');
  }
  return token;
}

function readDescription(input: Json): string | undefined {
  const description = optString(input, 'Description');
  if (description !== undefined && description.length > 2048) {
    throw validation('description', description, 'Member must have length less than or equal to 2048');
  }
  return description;
}

interface SecretValue {
  string?: string;
  binary?: Uint8Array;
}

function checkValueSize(bytes: number, member: string): void {
  if (bytes > MAX_VALUE_BYTES) {
    throw validation(member, '***', `Member must have length less than or equal to ${MAX_VALUE_BYTES}`);
  }
}

function readValue(input: Json): SecretValue | undefined {
  const text = optString(input, 'SecretString');
  const base64 = optString(input, 'SecretBinary');
  if (text !== undefined && base64 !== undefined) {
    throw invalidParameter(
      "You can't specify both a binary secret value and a string secret value in the same secret.",
    );
  }
  if (text !== undefined) {
    checkValueSize(Buffer.byteLength(text, 'utf8'), 'secretString');
    return { string: text };
  }
  if (base64 === undefined) return undefined;
  const binary = new Uint8Array(Buffer.from(base64, 'base64'));
  checkValueSize(binary.length, 'secretBinary');
  return { binary };
}

function toValue(value: string | Uint8Array): SecretValue {
  return typeof value === 'string' ? { string: value } : { binary: new Uint8Array(value) };
}

function sameValue(version: AwsSecretVersion, value: SecretValue): boolean {
  if (value.string !== undefined) return version.secretString === value.string;
  const stored = version.secretBinary;
  return stored !== undefined && value.binary !== undefined && Buffer.from(stored).equals(value.binary);
}

function readTags(raw: unknown[] | undefined): AwsTag[] {
  return (raw ?? []).map((item, index) => {
    const tag = (item ?? {}) as Json;
    const key = optString(tag, 'Key') ?? '';
    const value = optString(tag, 'Value') ?? '';
    if (key.length < 1 || key.length > 128) {
      throw validation(`tags.${index + 1}.member.key`, key, 'Member must have length between 1 and 128');
    }
    if (value.length > 256) {
      throw validation(
        `tags.${index + 1}.member.value`,
        value,
        'Member must have length less than or equal to 256',
      );
    }
    return { Key: key, Value: value };
  });
}

/** Existing keys get the new value in place, new keys are appended. */
function mergeTags(existing: AwsTag[], incoming: AwsTag[]): AwsTag[] {
  const merged = existing.map((tag) => ({ ...tag }));
  for (const tag of incoming) {
    const found = merged.find((candidate) => candidate.Key === tag.Key);
    if (found) found.Value = tag.Value;
    else merged.push({ ...tag });
  }
  if (merged.filter((tag) => !tag.Key.startsWith('aws:')).length > MAX_TAGS) {
    throw new AwsError('LimitExceededException', `A secret can have at most ${MAX_TAGS} tags.`);
  }
  return merged;
}

function readStages(input: Json): string[] | undefined {
  const stages = stringList(input, 'VersionStages');
  if (stages === undefined) return undefined;
  if (stages.length < 1 || stages.length > 20) {
    throw validation('versionStages', stages.join(','), 'Member must have length between 1 and 20');
  }
  return [...new Set(stages)];
}

function currentVersion(secret: AwsSecret): AwsSecretVersion | undefined {
  return [...secret.versions.values()].find((version) => version.stages.includes(CURRENT));
}

/** Versions without labels are deprecated; AWS keeps roughly 100 versions and drops the oldest of those. */
function pruneDeprecated(secret: AwsSecret): void {
  for (const version of [...secret.versions.values()]) {
    if (secret.versions.size <= MAX_VERSIONS) return;
    if (version.stages.length === 0) secret.versions.delete(version.versionId);
  }
}

/** Attaches `stages` to a new version; moving AWSCURRENT turns the old current version into AWSPREVIOUS. */
function attachVersion(secret: AwsSecret, version: AwsSecretVersion, stages: string[]): void {
  const previous = currentVersion(secret);
  for (const other of secret.versions.values()) {
    other.stages = other.stages.filter((stage) => !stages.includes(stage));
  }
  if (stages.includes(CURRENT) && previous) {
    for (const other of secret.versions.values()) {
      other.stages = other.stages.filter((stage) => stage !== PREVIOUS);
    }
    previous.stages.push(PREVIOUS);
  }
  version.stages = [...stages];
  secret.versions.set(version.versionId, version);
  secret.lastChangedDate = version.createdDate;
  pruneDeprecated(secret);
}

function makeVersion(versionId: string, value: SecretValue): AwsSecretVersion {
  return {
    versionId,
    ...(value.string !== undefined ? { secretString: value.string } : { secretBinary: value.binary }),
    stages: [],
    createdDate: nowSeconds(),
  };
}

function versionsToStages(secret: AwsSecret): Record<string, string[]> | undefined {
  const labelled = [...secret.versions.values()].filter((version) => version.stages.length > 0);
  if (labelled.length === 0) return undefined;
  return Object.fromEntries(labelled.map((version) => [version.versionId, [...version.stages]]));
}

/** The fields DescribeSecret and ListSecrets share; absent values are left out like AWS does. */
function secretSummary(secret: AwsSecret): Json {
  return {
    ARN: secret.arn,
    Name: secret.name,
    Description: secret.description,
    KmsKeyId: secret.kmsKeyId,
    LastChangedDate: secret.lastChangedDate,
    LastAccessedDate: secret.lastAccessedDate,
    Tags: secret.tags.length > 0 ? secret.tags.map((tag) => ({ ...tag })) : undefined,
    CreatedDate: secret.createdDate,
    DeletedDate: secret.deletedDate,
  };
}

const short = (secret: AwsSecret, versionId?: string): Json => ({
  ARN: secret.arn,
  Name: secret.name,
  VersionId: versionId,
});

function selectVersion(secret: AwsSecret, versionId?: string, stage?: string): AwsSecretVersion {
  if (versionId !== undefined) {
    const version = secret.versions.get(versionId);
    if (!version)
      throw notFound(`Secrets Manager can't find the specified secret value for VersionId: ${versionId}`);
    if (stage !== undefined && !version.stages.includes(stage)) {
      throw invalidRequest('You provided a VersionStage that is not associated to the provided VersionId.');
    }
    return version;
  }
  const label = stage ?? CURRENT;
  const version = [...secret.versions.values()].find((candidate) => candidate.stages.includes(label));
  if (!version)
    throw notFound(`Secrets Manager can't find the specified secret value for staging label: ${label}`);
  return version;
}

interface Filter {
  key: string;
  values: string[];
}

function readFilters(raw: unknown[] | undefined): Filter[] {
  const filters = raw ?? [];
  if (filters.length > 10)
    throw validation('filters', filters.length, 'Member must have length less than or equal to 10');
  return filters.map((item, index) => {
    const filter = (item ?? {}) as Json;
    const member = `filters.${index + 1}.member`;
    const key = optString(filter, 'Key');
    if (key === undefined || !FILTER_KEYS.includes(key)) {
      throw validation(
        `${member}.key`,
        key,
        `Member must satisfy enum value set: [${FILTER_KEYS.join(', ')}]`,
      );
    }
    const values = stringList(filter, 'Values') ?? [];
    if (values.length < 1 || values.length > 10) {
      throw validation(`${member}.values`, values.join(','), 'Member must have length between 1 and 10');
    }
    for (const value of values) {
      if (value.length > 512 || !FILTER_VALUE_PATTERN.test(value)) {
        throw validation(
          `${member}.values`,
          value,
          `Member must satisfy regular expression pattern: ${FILTER_VALUE_PATTERN.source}`,
        );
      }
    }
    return { key, values };
  });
}

const words = (text: string) =>
  text
    .toLowerCase()
    .split(/[\s/_+=.@:-]+/)
    .filter(Boolean);

/** `all`: every word of the pattern must start some word of one attribute, ignoring case. */
function wordMatch(attributes: string[], pattern: string): boolean {
  const wanted = words(pattern);
  if (wanted.length === 0) return false;
  return attributes.some((attribute) => {
    const have = words(attribute);
    return wanted.every((word) => have.some((candidate) => candidate.startsWith(word)));
  });
}

function attributeMatch(secret: AwsSecret, key: string, pattern: string): boolean {
  const prefixed = (values: string[]) => values.some((value) => value.startsWith(pattern));
  const description = secret.description === undefined ? [] : [secret.description];
  switch (key) {
    case 'name':
      return prefixed([secret.name]);
    case 'description':
      return description.some((value) => value.toLowerCase().startsWith(pattern.toLowerCase()));
    case 'tag-key':
      return prefixed(secret.tags.map((tag) => tag.Key));
    case 'tag-value':
      return prefixed(secret.tags.map((tag) => tag.Value));
    case 'all': {
      const tagWords = secret.tags.flatMap((tag) => [tag.Key, tag.Value]);
      return wordMatch([secret.name, ...description, ...tagWords], pattern);
    }
    default:
      return false; // primary-region / owning-service: the fake has no replicas or managed secrets
  }
}

/** A leading `!` negates: the value matches when no attribute matches the rest. Values OR, filters AND. */
function matchesFilters(secret: AwsSecret, filters: Filter[]): boolean {
  return filters.every((filter) =>
    filter.values.some((value) => {
      const negated = value.startsWith('!');
      const hit = attributeMatch(secret, filter.key, negated ? value.slice(1) : value);
      return negated ? !hit : hit;
    }),
  );
}

/** Region from the SigV4 credential scope: `Credential=AKID/20240101/<region>/secretsmanager/aws4_request`. */
function signingRegion(req: IncomingMessage): string | undefined {
  const match = /Credential=[^/,]+\/\d{8}\/([^/,]+)\//.exec(req.headers.authorization ?? '');
  return match?.[1];
}

function randomSuffix(): string {
  return Array.from({ length: 6 }, () => SUFFIX_CHARS[randomInt(SUFFIX_CHARS.length)]).join('');
}

/** The state and operations of the service, independent of HTTP. */
class SecretsManagerBackend {
  readonly secrets = new Map<string, AwsSecret>();
  /** Secrets scheduled for deletion, so a purge does not scan every secret. */
  private readonly pendingDeletion = new Set<AwsSecret>();
  private readonly order = new WeakMap<AwsSecret, number>();
  private sequence = 0;

  constructor(private readonly accountId: string) {}

  readonly handlers: Record<string, Handler> = {
    CreateSecret: (input, region) => this.createSecret(input, region),
    GetSecretValue: (input) => this.getSecretValue(input),
    BatchGetSecretValue: (input) => this.batchGetSecretValue(input),
    PutSecretValue: (input) => this.putSecretValue(input),
    UpdateSecret: (input) => this.updateSecret(input),
    DescribeSecret: (input) => this.describeSecret(input),
    DeleteSecret: (input, region) => this.deleteSecret(input, region),
    RestoreSecret: (input) => this.restoreSecret(input),
    ListSecrets: (input) => this.listSecrets(input),
    TagResource: (input) => this.tagResource(input),
    UntagResource: (input) => this.untagResource(input),
  };

  arnFor(name: string, region: string): string {
    return `arn:aws:secretsmanager:${region}:${this.accountId}:secret:${name}-${randomSuffix()}`;
  }

  /** Drops secrets whose recovery window has run out. */
  purgeExpired(): void {
    if (this.pendingDeletion.size === 0) return;
    const now = nowSeconds();
    for (const secret of [...this.pendingDeletion]) {
      if (secret.deletionDate === undefined) this.pendingDeletion.delete(secret);
      else if (secret.deletionDate <= now) {
        this.pendingDeletion.delete(secret);
        if (this.secrets.get(secret.name) === secret) this.secrets.delete(secret.name);
      }
    }
  }

  newSecret(name: string, region: string, fields: Partial<AwsSecret>): AwsSecret {
    const now = nowSeconds();
    const secret: AwsSecret = {
      name,
      arn: this.arnFor(name, region),
      tags: [],
      ...fields,
      versions: new Map(),
      createdDate: now,
      lastChangedDate: now,
    };
    this.order.set(secret, ++this.sequence);
    this.secrets.set(name, secret);
    return secret;
  }

  /** Adds a version under `token`; a repeat with the same token is a no-op when the value is identical. */
  writeVersion(secret: AwsSecret, token: string | undefined, value: SecretValue, stages: string[]) {
    const existing = token === undefined ? undefined : secret.versions.get(token);
    if (existing) {
      if (sameValue(existing, value)) return existing;
      throw new AwsError('ResourceExistsException', 'A resource with the ID you requested already exists.');
    }
    const version = makeVersion(token ?? randomUUID(), value);
    attachVersion(secret, version, stages);
    return version;
  }

  private find(secretId: string): AwsSecret | undefined {
    const byName = this.secrets.get(secretId);
    if (byName || !secretId.startsWith('arn:')) return byName;
    return [...this.secrets.values()].find(
      (secret) => secret.arn === secretId || secret.arn.slice(0, -7) === secretId,
    );
  }

  private require(input: Json): AwsSecret {
    const secret = this.find(reqString(input, 'SecretId'));
    if (!secret) throw notFound();
    return secret;
  }

  private requireLive(input: Json): AwsSecret {
    const secret = this.require(input);
    if (secret.deletedDate !== undefined) throw invalidRequest(MARKED_FOR_DELETION);
    return secret;
  }

  private createSecret(input: Json, region: string): Json {
    const name = reqString(input, 'Name');
    validateName(name);
    const token = readToken(input);
    const value = readValue(input);
    const description = readDescription(input);
    const tags = mergeTags([], readTags(optArray(input, 'Tags')));
    const existing = this.secrets.get(name);
    if (existing) return this.repeatCreate(existing, token, value);
    const kmsKeyId = optString(input, 'KmsKeyId');
    const secret = this.newSecret(name, region, { description, kmsKeyId, tags });
    const version = value ? this.writeVersion(secret, token, value, [CURRENT]) : undefined;
    return short(secret, version?.versionId);
  }

  private repeatCreate(existing: AwsSecret, token?: string, value?: SecretValue): Json {
    if (existing.deletedDate !== undefined) {
      throw invalidRequest(
        "You can't create this secret because a secret with this name is already scheduled for deletion.",
      );
    }
    const version = token === undefined ? undefined : existing.versions.get(token);
    if (version && value && sameValue(version, value)) return short(existing, version.versionId);
    throw new AwsError(
      'ResourceExistsException',
      `The operation failed because the secret ${existing.name} already exists.`,
    );
  }

  private getSecretValue(input: Json): Json {
    const secret = this.requireLive(input);
    const version = selectVersion(secret, optString(input, 'VersionId'), optString(input, 'VersionStage'));
    secret.lastAccessedDate = Math.floor(nowSeconds() / DAY_SECONDS) * DAY_SECONDS;
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      SecretString: version.secretString,
      SecretBinary: version.secretBinary && Buffer.from(version.secretBinary).toString('base64'),
      VersionStages: [...version.stages],
      CreatedDate: version.createdDate,
    };
  }

  /**
   * Values of up to 20 secrets named in `SecretIdList`, or of the secrets matching `Filters`
   * (paged by `MaxResults` ≤ 20); a secret that cannot be read is listed in `Errors`.
   */
  private batchGetSecretValue(input: Json): Json {
    const ids = optArray(input, 'SecretIdList');
    const filters = optArray(input, 'Filters');
    if ((ids === undefined) === (filters === undefined)) {
      throw invalidParameter('Either SecretIdList or Filters must be specified, but not both.');
    }
    if (ids) {
      if (ids.length < 1 || ids.length > 20) {
        throw validation('secretIdList', ids.length, 'Member must have length between 1 and 20');
      }
      const values: Json[] = [];
      const errors: Json[] = [];
      for (const id of ids) {
        try {
          values.push(this.getSecretValue({ SecretId: id }));
        } catch (error) {
          if (!(error instanceof AwsError)) throw error;
          errors.push({ SecretId: id, ErrorCode: error.type, Message: error.message });
        }
      }
      return { SecretValues: values, Errors: errors };
    }
    const maxResults = optNumber(input, 'MaxResults') ?? 20;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 20) {
      throw validation('maxResults', maxResults, 'Member must have value between 1 and 20');
    }
    const listed = this.listSecrets({ Filters: filters, MaxResults: maxResults, NextToken: input.NextToken });
    const page = listed.SecretList as Json[];
    return {
      SecretValues: page.map((summary) => this.getSecretValue({ SecretId: summary.Name })),
      Errors: [],
      NextToken: listed.NextToken,
    };
  }

  private putSecretValue(input: Json): Json {
    const secret = this.requireLive(input);
    const value = readValue(input);
    if (!value) throw invalidRequest('You must provide either SecretString or SecretBinary.');
    const version = this.writeVersion(secret, readToken(input), value, readStages(input) ?? [CURRENT]);
    return { ...short(secret, version.versionId), VersionStages: [...version.stages] };
  }

  private updateSecret(input: Json): Json {
    const secret = this.requireLive(input);
    const value = readValue(input);
    const description = readDescription(input);
    const kmsKeyId = optString(input, 'KmsKeyId');
    const token = readToken(input);
    if (description !== undefined) secret.description = description;
    if (kmsKeyId !== undefined) secret.kmsKeyId = kmsKeyId;
    secret.lastChangedDate = nowSeconds();
    const version = value ? this.writeVersion(secret, token, value, [CURRENT]) : undefined;
    return short(secret, version?.versionId);
  }

  private describeSecret(input: Json): Json {
    const secret = this.require(input);
    return { ...secretSummary(secret), VersionIdsToStages: versionsToStages(secret) };
  }

  private deleteSecret(input: Json, region: string): Json {
    const secretId = reqString(input, 'SecretId');
    const windowDays = optNumber(input, 'RecoveryWindowInDays');
    const force = optBoolean(input, 'ForceDeleteWithoutRecovery');
    if (windowDays !== undefined && force) {
      throw invalidParameter(
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
      );
    }
    if (windowDays !== undefined && (!Number.isInteger(windowDays) || windowDays < 7 || windowDays > 30)) {
      throw invalidParameter('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
    }
    const secret = this.find(secretId);
    const now = nowSeconds();
    if (!secret) {
      // Like moto: a forced delete of an unknown name succeeds (idempotent clean-up).
      if (force && !secretId.startsWith('arn:')) {
        return { ARN: this.arnFor(secretId, region), Name: secretId, DeletionDate: now };
      }
      throw notFound();
    }
    if (secret.deletedDate !== undefined) throw invalidRequest(MARKED_FOR_DELETION);
    if (force) {
      this.secrets.delete(secret.name);
      return { ARN: secret.arn, Name: secret.name, DeletionDate: now };
    }
    secret.deletedDate = now;
    secret.deletionDate = now + (windowDays ?? 30) * DAY_SECONDS;
    this.pendingDeletion.add(secret);
    return { ARN: secret.arn, Name: secret.name, DeletionDate: secret.deletionDate };
  }

  private restoreSecret(input: Json): Json {
    const secret = this.require(input);
    secret.deletedDate = undefined;
    secret.deletionDate = undefined;
    return { ARN: secret.arn, Name: secret.name };
  }

  private listSecrets(input: Json): Json {
    const maxResults = optNumber(input, 'MaxResults') ?? 100;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 100) {
      throw validation('maxResults', maxResults, 'Member must have value between 1 and 100');
    }
    const sortOrder = optString(input, 'SortOrder') ?? 'asc';
    if (sortOrder !== 'asc' && sortOrder !== 'desc') {
      throw validation('sortOrder', sortOrder, 'Member must satisfy enum value set: [asc, desc]');
    }
    const filters = readFilters(optArray(input, 'Filters'));
    const includeDeleted = optBoolean(input, 'IncludePlannedDeletion');
    const matching = [...this.secrets.values()]
      .filter(
        (secret) => (includeDeleted || secret.deletedDate === undefined) && matchesFilters(secret, filters),
      )
      .sort((a, b) => (this.order.get(a) ?? 0) - (this.order.get(b) ?? 0));
    if (sortOrder === 'desc') matching.reverse();
    const start = this.pageStart(matching, optString(input, 'NextToken'), sortOrder);
    const page = matching.slice(start, start + maxResults);
    const more = start + maxResults < matching.length;
    return {
      SecretList: page.map((secret) => ({
        ...secretSummary(secret),
        SecretVersionsToStages: versionsToStages(secret),
      })),
      NextToken: more ? this.encodeToken(page[page.length - 1], sortOrder) : undefined,
    };
  }

  /** Tokens carry the creation sequence of the last secret returned, so pages stay stable under writes. */
  private encodeToken(last: AwsSecret, sortOrder: string): string {
    return Buffer.from(JSON.stringify({ after: this.order.get(last), sortOrder })).toString('base64');
  }

  private pageStart(matching: AwsSecret[], token: string | undefined, sortOrder: string): number {
    if (token === undefined) return 0;
    let after: unknown;
    try {
      const decoded = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as Json;
      if (decoded.sortOrder === sortOrder) after = decoded.after;
    } catch {
      after = undefined;
    }
    if (typeof after !== 'number')
      throw new AwsError('InvalidNextTokenException', 'The NextToken value is invalid.');
    const index = matching.findIndex((secret) => {
      const position = this.order.get(secret) ?? 0;
      return sortOrder === 'asc' ? position > after : position < after;
    });
    return index < 0 ? matching.length : index;
  }

  private tagResource(input: Json): undefined {
    const secret = this.require(input);
    const tags = optArray(input, 'Tags');
    if (tags === undefined) throw validation('tags', undefined, 'Member must not be null');
    secret.tags = mergeTags(secret.tags, readTags(tags));
    secret.lastChangedDate = nowSeconds();
    return undefined;
  }

  private untagResource(input: Json): undefined {
    const secret = this.require(input);
    const keys = stringList(input, 'TagKeys');
    if (keys === undefined) throw validation('tagKeys', undefined, 'Member must not be null');
    secret.tags = secret.tags.filter((tag) => !keys.includes(tag.Key));
    secret.lastChangedDate = nowSeconds();
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseInput(body: string): Json {
  if (body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new AwsError('SerializationException', 'Request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AwsError('SerializationException', 'Request body must be a JSON object.');
  }
  return parsed as Json;
}

function send(res: ServerResponse, status: number, payload: Json | undefined): void {
  const body = payload === undefined ? '' : JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(body);
}

function sendError(res: ServerResponse, error: AwsError): void {
  send(res, error.status, { __type: error.type, message: error.message });
}

interface InjectedFailure {
  type: string;
  message: string;
  status: number;
}

/** Starts the fake on 127.0.0.1 (port 0 = random) and resolves once it listens. */
export async function startAwsSecretsManagerFake(
  options: AwsSecretsManagerFakeOptions = {},
): Promise<AwsSecretsManagerFake> {
  const backend = new SecretsManagerBackend(options.accountId ?? '123456789012');
  const defaultRegion = options.region ?? 'us-east-1';
  const calls: string[] = [];
  const failures = new Map<string, InjectedFailure>();
  const timers = new Set<NodeJS.Timeout>();

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const takeFailure = (operation: string) => {
    const key = failures.has(operation) ? operation : '*';
    const failure = failures.get(key);
    failures.delete(key);
    return failure;
  };

  const dispatch = (req: IncomingMessage, body: string): Json | undefined => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('secretsmanager.') ? target.slice('secretsmanager.'.length) : target;
    calls.push(operation);
    const handler = Object.hasOwn(backend.handlers, operation) ? backend.handlers[operation] : undefined;
    if (req.method !== 'POST' || !handler) {
      throw new AwsError('UnknownOperationException', `Unknown operation ${operation || '(none)'}.`);
    }
    const failure = takeFailure(operation);
    if (failure) throw new AwsError(failure.type, failure.message, failure.status);
    backend.purgeExpired();
    return handler(parseInput(body), signingRegion(req) ?? defaultRegion);
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (fake.delayMs > 0) await wait(fake.delayMs);
      try {
        send(res, 200, dispatch(req, body));
      } catch (error) {
        sendError(
          res,
          error instanceof AwsError ? error : new AwsError('InternalServiceError', String(error), 500),
        );
      }
    })().catch(() => res.destroy());
  });

  const port = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');

  const fake: AwsSecretsManagerFake = {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    delayMs: options.delayMs ?? 0,
    secrets: backend.secrets,
    calls,
    put(name, value, putOptions = {}) {
      validateName(name);
      const secret =
        backend.secrets.get(name) ??
        backend.newSecret(name, putOptions.region ?? defaultRegion, { description: putOptions.description });
      if (putOptions.tags) secret.tags = mergeTags([], putOptions.tags);
      if (putOptions.description !== undefined) secret.description = putOptions.description;
      backend.writeVersion(secret, putOptions.versionId, toValue(value), [CURRENT]);
      return secret;
    },
    failNext(operation, type, message = `Injected ${type}`, status = 400) {
      failures.set(operation, { type, message, status });
    },
    reset() {
      backend.secrets.clear();
      calls.length = 0;
      failures.clear();
    },
    close: () => closeServer(server, timers),
  };
  return fake;
}
