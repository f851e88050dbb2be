import type { SecretClient } from '@azure/keyvault-secrets';
import { payloadFromValues, type SecretValues, valuesFromPayload } from '../backend.js';

// Versions of Azure Key Vault secrets: every setSecret makes a new version (its id in
// `properties.version`), the newest being what getSecret(name) answers; a pinned version is read
// with getSecret(name, {version}). Key Vault cannot delete one version and always answers the
// newest, so restoring sets the pinned value (and its tags) again as a new version. Retired and
// orphaned versions are kept (no destroyVersions): Key Vault keeps every version of a secret.

/** The client and the bound of its calls. */
export interface AzureVersionCalls {
  client: SecretClient;
  timeoutMs: number;
}

const NAME_RULE = /^[0-9a-zA-Z-]{1,127}$/;
const signal = (azure: AzureVersionCalls) => ({ abortSignal: AbortSignal.timeout(azure.timeoutMs) });
const statusOf = (error: unknown) =>
  typeof error === 'object' && error !== null ? (error as { statusCode?: unknown }).statusCode : undefined;

/** Sets `value` with `tags` as a new version; its id. */
export async function setAzureVersion(
  azure: AzureVersionCalls,
  name: string,
  values: SecretValues,
  tags: Record<string, string>,
): Promise<string> {
  const secret = await azure.client.setSecret(name, payloadFromValues(values), {
    tags: { ...tags },
    ...signal(azure),
  });
  const id = secret.properties.version;
  if (!id) throw new Error('Key Vault answered setSecret without a version');
  return id;
}

/** One version (the newest without `versionId`); undefined when the secret or version is absent. */
async function readVersion(azure: AzureVersionCalls, name: string, versionId?: string) {
  if (!NAME_RULE.test(name)) return undefined;
  try {
    return await azure.client.getSecret(name, {
      ...(versionId ? { version: versionId } : {}),
      ...signal(azure),
    });
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/** The values of one version; undefined when the secret or that version is absent. */
export async function getAzureVersion(
  azure: AzureVersionCalls,
  name: string,
  versionId: string,
): Promise<SecretValues | undefined> {
  const secret = await readVersion(azure, name, versionId);
  return secret ? valuesFromPayload(secret.value ?? '') : undefined;
}

/** The id of the newest version; undefined when the secret is absent. */
export async function currentAzureVersionId(
  azure: AzureVersionCalls,
  name: string,
): Promise<string | undefined> {
  return (await readVersion(azure, name))?.properties.version;
}

/** Sets the pinned version's value and tags again as the newest version (none when it is newest); its id. */
export async function restoreAzureVersion(
  azure: AzureVersionCalls,
  name: string,
  versionId: string,
): Promise<string> {
  if ((await currentAzureVersionId(azure, name)) === versionId) return versionId;
  const pinned = await readVersion(azure, name, versionId);
  if (!pinned) throw new Error(`version ${versionId} of an Azure secret is gone; it cannot be restored`);
  return setAzureVersion(azure, name, valuesFromPayload(pinned.value ?? ''), pinned.properties.tags ?? {});
}
