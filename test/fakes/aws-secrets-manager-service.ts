/** The state and operations of the AWS Secrets Manager fake, independent of HTTP. */
import { randomInt, randomUUID } from 'node:crypto';
import { AwsError, invalidParameter, invalidRequest, notFound, validation } from './aws-fake-error.js';
import {
  type Json,
  optArray,
  optBoolean,
  optNumber,
  optString,
  readDescription,
  readStages,
  readTags,
  readToken,
  readValue,
  reqString,
  type SecretValue,
  stringList,
  validateName,
} from './aws-fake-input.js';
import { listSecrets } from './aws-fake-listing.js';
import {
  type AwsSecret,
  attachVersion,
  CURRENT,
  makeVersion,
  mergeTags,
  moveStage,
  nowSeconds,
  sameValue,
  secretSummary,
  selectVersion,
  short,
  versionsToStages,
} from './aws-fake-secret.js';

/** One operation: the request body and the signing region, to the response body. */
export type Handler = (input: Json, region: string) => Json | undefined;

const DAY_SECONDS = 86_400;
const SUFFIX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const MARKED_FOR_DELETION =
  "You can't perform this operation on the secret because it was marked for deletion.";

function randomSuffix(): string {
  return Array.from({ length: 6 }, () => SUFFIX_CHARS[randomInt(SUFFIX_CHARS.length)]).join('');
}

/** The state and operations of the service, independent of HTTP. */
export class SecretsManagerBackend {
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
    UpdateSecretVersionStage: (input) => this.updateSecretVersionStage(input),
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

  private updateSecretVersionStage(input: Json): Json {
    const secret = this.requireLive(input);
    const stage = reqString(input, 'VersionStage');
    moveStage(secret, stage, optString(input, 'MoveToVersionId'), optString(input, 'RemoveFromVersionId'));
    return { ARN: secret.arn, Name: secret.name };
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
    return listSecrets(this.secrets.values(), this.order, input);
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
