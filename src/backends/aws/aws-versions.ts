import {
  BatchGetSecretValueCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { SecretValues, VersionPin } from '../backend.js';
import { errorName, MAX_BATCH_GET, NAME_RULE, valuesOf } from './aws-entry-rules.js';

// Versions of AWS Secrets Manager entries: a write is PutSecretValue with a ClientRequestToken
// (the new VersionId, labelled AWSCURRENT); the previous current version becomes AWSPREVIOUS and
// AWS deprecates unlabelled ones itself (no call deletes one version). A pinned version is read
// with GetSecretValue(VersionId); AWSCURRENT is moved back with UpdateSecretVersionStage.

/** The client and how one call is sent (bounded, retried while AWS throttles it). */
export interface AwsVersionCalls {
  client: SecretsManagerClient;
  send: <T>(call: (options: { abortSignal: AbortSignal }) => Promise<T>) => Promise<T>;
}

const CURRENT = 'AWSCURRENT';
/** Absent, marked for deletion, or no such version: nothing to read. */
const isGone = (error: unknown) =>
  errorName(error) === 'ResourceNotFoundException' || errorName(error) === 'InvalidRequestException';

/** The values of one version, or undefined when the entry or version is gone. */
export async function getAwsVersion(
  aws: AwsVersionCalls,
  name: string,
  versionId: string,
): Promise<SecretValues | undefined> {
  if (!NAME_RULE.test(name)) return undefined;
  try {
    const value = await aws.send((o) =>
      aws.client.send(new GetSecretValueCommand({ SecretId: name, VersionId: versionId }), o),
    );
    return valuesOf(value);
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
}

/** One BatchGetSecretValue (current versions); a pin that is not current is read by VersionId. */
async function getPinnedBatch(
  aws: AwsVersionCalls,
  pins: VersionPin[],
  found: Map<string, SecretValues>,
): Promise<void> {
  const batch = await aws.send((o) =>
    aws.client.send(new BatchGetSecretValueCommand({ SecretIdList: pins.map((pin) => pin.name) }), o),
  );
  const failed = (batch.Errors ?? []).filter((e) => !isGone({ name: e.ErrorCode }));
  if (failed.length > 0)
    throw Object.assign(new Error(failed[0].Message ?? 'BatchGetSecretValue failed'), {
      name: failed[0].ErrorCode,
    });
  const current = new Map((batch.SecretValues ?? []).map((value) => [value.Name, value]));
  const stale: VersionPin[] = [];
  for (const pin of pins) {
    const value = current.get(pin.name);
    if (value && value.VersionId === pin.versionId) found.set(pin.name, valuesOf(value));
    else if (value) stale.push(pin);
  }
  await Promise.all(
    stale.map(async (pin) => {
      const values = await getAwsVersion(aws, pin.name, pin.versionId);
      if (values) found.set(pin.name, values);
    }),
  );
}

/** Values of pinned versions: batches of current values, and GetSecretValue(VersionId) where a pin is not current. */
export async function getAwsVersionValues(
  aws: AwsVersionCalls,
  pins: VersionPin[],
): Promise<Map<string, SecretValues>> {
  const valid = pins.filter((pin) => NAME_RULE.test(pin.name));
  const found = new Map<string, SecretValues>();
  const chunks: VersionPin[][] = [];
  for (let i = 0; i < valid.length; i += MAX_BATCH_GET) chunks.push(valid.slice(i, i + MAX_BATCH_GET));
  await Promise.all(chunks.map((chunk) => getPinnedBatch(aws, chunk, found)));
  return found;
}

/** The VersionId labelled AWSCURRENT; undefined when the secret is absent or marked for deletion. */
export async function currentAwsVersionId(aws: AwsVersionCalls, name: string): Promise<string | undefined> {
  if (!NAME_RULE.test(name)) return undefined;
  try {
    const described = await aws.send((o) =>
      aws.client.send(new DescribeSecretCommand({ SecretId: name }), o),
    );
    if (described.DeletedDate) return undefined;
    const stages = Object.entries(described.VersionIdsToStages ?? {});
    return stages.find(([, labels]) => labels.includes(CURRENT))?.[0];
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/** Moves AWSCURRENT back to `versionId` (the version it leaves becomes AWSPREVIOUS); returns it. */
export async function restoreAwsVersion(
  aws: AwsVersionCalls,
  name: string,
  versionId: string,
): Promise<string> {
  const current = await currentAwsVersionId(aws, name);
  if (current === versionId) return versionId;
  await aws.send((o) =>
    aws.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: CURRENT,
        MoveToVersionId: versionId,
        RemoveFromVersionId: current,
      }),
      o,
    ),
  );
  return versionId;
}

/** The versioned reads and the restore of an AWS back-end, for its factory. */
export const awsVersionCalls = (aws: AwsVersionCalls) => ({
  getVersion: (name: string, versionId: string) => getAwsVersion(aws, name, versionId),
  getVersionValues: (pins: VersionPin[]) => getAwsVersionValues(aws, pins),
  currentVersionId: (name: string) => currentAwsVersionId(aws, name),
  restoreVersion: (name: string, versionId: string) => restoreAwsVersion(aws, name, versionId),
});
