import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { payloadFromValues, type SecretValues, valuesFromPayload } from '../backend.js';
import { retryThrottled, type ThrottleRetry } from '../throttle-retry.js';
import { grpcThrottling } from '../throttled-answer.js';
import {
  GRPC_FAILED_PRECONDITION,
  GRPC_NOT_FOUND,
  grpcCode,
  payloadText,
  SECRET_ID_RULE,
} from './gcp-entry-rules.js';

// Versions of GCP Secret Manager secrets: every write is AddSecretVersion (version n, the new
// `latest`); a pinned version is read with AccessSecretVersion(versions/n); `latest` is always the
// newest version, so restoring adds a version with the pinned payload; a retired version is
// destroyed (DestroySecretVersion: it stops being billed as an active version).

/** The client, the project's resource name and the bound of its calls. */
export interface GcpVersionCalls {
  client: SecretManagerServiceClient;
  parent: string;
  timeoutMs: number;
  retry: ThrottleRetry;
}

const secretPath = (gcp: GcpVersionCalls, name: string) => `${gcp.parent}/secrets/${name}`;
/** One RPC, retried while GCP throttles it (throttle-retry.ts). */
const rpc = <T>(gcp: GcpVersionCalls, run: () => Promise<T>) =>
  retryThrottled(run, grpcThrottling, gcp.retry);
const call = (gcp: GcpVersionCalls) => ({ timeout: gcp.timeoutMs, maxRetries: 0 });
/** No secret or version (NOT_FOUND), or a disabled/destroyed one (FAILED_PRECONDITION). */
const isGone = (error: unknown) =>
  grpcCode(error) === GRPC_NOT_FOUND || grpcCode(error) === GRPC_FAILED_PRECONDITION;
/** The version number at the end of a version's resource name. */
const versionIdOf = (resourceName: string | null | undefined) =>
  /\/versions\/([^/]+)$/.exec(resourceName ?? '')?.[1];

/** Adds a version holding `values`; its number. */
export async function addGcpVersion(
  gcp: GcpVersionCalls,
  name: string,
  values: SecretValues,
): Promise<string> {
  const [version] = await rpc(gcp, () =>
    gcp.client.addSecretVersion(
      { parent: secretPath(gcp, name), payload: { data: Buffer.from(payloadFromValues(values), 'utf8') } },
      call(gcp),
    ),
  );
  const id = versionIdOf(version.name);
  if (!id) throw new Error('AddSecretVersion answered without a version name');
  return id;
}

/** The values of version `versionId`; undefined when the secret or version is gone. */
export async function getGcpVersion(
  gcp: GcpVersionCalls,
  name: string,
  versionId: string,
): Promise<SecretValues | undefined> {
  if (!SECRET_ID_RULE.test(name)) return undefined;
  try {
    const [version] = await rpc(gcp, () =>
      gcp.client.accessSecretVersion({ name: `${secretPath(gcp, name)}/versions/${versionId}` }, call(gcp)),
    );
    return valuesFromPayload(payloadText(version.payload?.data));
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
}

/** The number of the `latest` version; undefined when the secret (or any version) is absent. */
export async function currentGcpVersionId(gcp: GcpVersionCalls, name: string): Promise<string | undefined> {
  if (!SECRET_ID_RULE.test(name)) return undefined;
  try {
    const [version] = await rpc(gcp, () =>
      gcp.client.getSecretVersion({ name: `${secretPath(gcp, name)}/versions/latest` }, call(gcp)),
    );
    return versionIdOf(version.name);
  } catch (error) {
    if (grpcCode(error) === GRPC_NOT_FOUND) return undefined;
    throw error;
  }
}

/** Makes the pinned payload `latest` again: a new version with it (none when it is latest); its number. */
export async function restoreGcpVersion(
  gcp: GcpVersionCalls,
  name: string,
  versionId: string,
): Promise<string> {
  if ((await currentGcpVersionId(gcp, name)) === versionId) return versionId;
  const values = await getGcpVersion(gcp, name, versionId);
  if (!values) throw new Error(`version ${versionId} of a GCP secret is gone; it cannot be restored`);
  return addGcpVersion(gcp, name, values);
}

/** Destroys versions; ones already destroyed or gone are skipped. */
export async function destroyGcpVersions(
  gcp: GcpVersionCalls,
  name: string,
  versionIds: string[],
): Promise<void> {
  for (const versionId of versionIds) {
    try {
      await rpc(gcp, () =>
        gcp.client.destroySecretVersion(
          { name: `${secretPath(gcp, name)}/versions/${versionId}` },
          call(gcp),
        ),
      );
    } catch (error) {
      if (!isGone(error)) throw error;
    }
  }
}
