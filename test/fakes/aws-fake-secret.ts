/** A stored secret of the AWS fake: its versions, staging labels and tags, as Secrets Manager keeps them. */
import { AwsError, invalidRequest, notFound } from './aws-fake-error.js';
import type { Json, SecretValue } from './aws-fake-input.js';

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

export const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
const MAX_TAGS = 50;
const MAX_VERSIONS = 100;

/** Now, in epoch seconds (Secrets Manager's timestamps). */
export const nowSeconds = () => Date.now() / 1000;

export function sameValue(version: AwsSecretVersion, value: SecretValue): boolean {
  if (value.string !== undefined) return version.secretString === value.string;
  const stored = version.secretBinary;
  return stored !== undefined && value.binary !== undefined && Buffer.from(stored).equals(value.binary);
}

/** Existing keys get the new value in place, new keys are appended. */
export function mergeTags(existing: AwsTag[], incoming: AwsTag[]): AwsTag[] {
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

export function currentVersion(secret: AwsSecret): AwsSecretVersion | undefined {
  return [...secret.versions.values()].find((version) => version.stages.includes(CURRENT));
}

/** Versions without labels are deprecated; AWS keeps roughly 100 versions and drops the oldest of those. */
export function pruneDeprecated(secret: AwsSecret): void {
  for (const version of [...secret.versions.values()]) {
    if (secret.versions.size <= MAX_VERSIONS) return;
    if (version.stages.length === 0) secret.versions.delete(version.versionId);
  }
}

/** Attaches `stages` to a new version; moving AWSCURRENT turns the old current version into AWSPREVIOUS. */
export function attachVersion(secret: AwsSecret, version: AwsSecretVersion, stages: string[]): void {
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

export function makeVersion(versionId: string, value: SecretValue): AwsSecretVersion {
  return {
    versionId,
    ...(value.string !== undefined ? { secretString: value.string } : { secretBinary: value.binary }),
    stages: [],
    createdDate: nowSeconds(),
  };
}

export function versionsToStages(secret: AwsSecret): Record<string, string[]> | undefined {
  const labelled = [...secret.versions.values()].filter((version) => version.stages.length > 0);
  if (labelled.length === 0) return undefined;
  return Object.fromEntries(labelled.map((version) => [version.versionId, [...version.stages]]));
}

/** The fields DescribeSecret and ListSecrets share; absent values are left out like AWS does. */
export function secretSummary(secret: AwsSecret): Json {
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

export const short = (secret: AwsSecret, versionId?: string): Json => ({
  ARN: secret.arn,
  Name: secret.name,
  VersionId: versionId,
});

export function selectVersion(secret: AwsSecret, versionId?: string, stage?: string): AwsSecretVersion {
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

/**
 * UpdateSecretVersionStage: moves (or attaches, or removes) one staging label. A label attached
 * elsewhere must be named by RemoveFromVersionId; moving AWSCURRENT puts AWSPREVIOUS on the version
 * it leaves, as Secrets Manager does.
 */
export function moveStage(secret: AwsSecret, stage: string, moveTo?: string, removeFrom?: string): void {
  const holder = [...secret.versions.values()].find((version) => version.stages.includes(stage));
  if (moveTo !== undefined && !secret.versions.has(moveTo))
    throw notFound(`Secrets Manager can't find the specified secret value for VersionId: ${moveTo}`);
  if (removeFrom !== undefined && holder?.versionId !== removeFrom)
    throw new AwsError(
      'InvalidParameterException',
      `The parameter RemoveFromVersionId doesn't match the version ${stage} is attached to.`,
    );
  if (holder && moveTo !== undefined && holder.versionId !== moveTo && removeFrom === undefined)
    throw new AwsError(
      'InvalidParameterException',
      `The staging label ${stage} is attached to a version; name it in RemoveFromVersionId to move it.`,
    );
  if (stage === CURRENT && moveTo === undefined)
    throw invalidRequest('You can only remove AWSCURRENT by moving it to another version.');
  if (holder && holder.versionId !== moveTo) holder.stages = holder.stages.filter((s) => s !== stage);
  if (moveTo === undefined || holder?.versionId === moveTo) return;
  const target = secret.versions.get(moveTo) as AwsSecretVersion;
  if (stage === CURRENT && holder) {
    for (const other of secret.versions.values()) other.stages = other.stages.filter((s) => s !== PREVIOUS);
    holder.stages.push(PREVIOUS);
  }
  target.stages = [...target.stages.filter((s) => s !== PREVIOUS || stage !== CURRENT), stage];
  secret.lastChangedDate = nowSeconds();
}
