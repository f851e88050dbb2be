import type { SecretValues } from '../backend.js';
import { dataPath, isDotSegment, readMetadata, signedIn, statusOf, type VaultKv } from './vault-kv.js';
import { valuesOf } from './vault-values.js';

// Versions of Vault KV version 2 keys: every write (check-and-set) makes version n, the key's
// `current_version`; a pinned version is read with `data/<path>?version=n`; restoring writes the
// pinned data again as a new version (what `vault kv rollback` does); a retired version is
// destroyed (`destroy/<path>`), beside the mount's own `max_versions` pruning.

const validPath = (name: string) =>
  name.split('/').every((segment) => segment !== '' && !isDotSegment(segment));

/** The version number of a KV v2 write's answer (`{data: {version: n}}`). */
export function writtenVersion(response: unknown): string {
  const version = (response as { data?: { version?: unknown } } | undefined)?.data?.version;
  if (typeof version !== 'number') throw new Error('Vault answered a KV write without a version');
  return String(version);
}

/** The KV data of version `versionId` as stored; undefined when the key is absent or that version deleted/destroyed. */
async function readVersionData(
  kv: VaultKv,
  name: string,
  versionId: string,
): Promise<Record<string, unknown> | undefined> {
  if (!validPath(name) || !/^[1-9][0-9]*$/.test(versionId)) return undefined;
  try {
    const response = await signedIn(kv, () => kv.client.read(`${dataPath(kv, name)}?version=${versionId}`));
    const data = (response as { data?: { data?: unknown } } | undefined)?.data?.data;
    return typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : undefined;
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/** The values of version `versionId`; undefined when the key is absent or that version deleted/destroyed. */
export async function getVaultVersion(
  kv: VaultKv,
  name: string,
  versionId: string,
): Promise<SecretValues | undefined> {
  const data = await readVersionData(kv, name, versionId);
  return data && valuesOf(data);
}

/** The key's `current_version`; undefined when the key is absent. */
export async function currentVaultVersionId(kv: VaultKv, name: string): Promise<string | undefined> {
  if (!validPath(name)) return undefined;
  const metadata = await readMetadata(kv, name);
  return metadata?.current_version ? String(metadata.current_version) : undefined;
}

/** Writes the pinned version's data again as the newest version (none when it is current); its number. */
export async function restoreVaultVersion(kv: VaultKv, name: string, versionId: string): Promise<string> {
  const metadata = await readMetadata(kv, name);
  const current = metadata?.current_version ?? 0;
  if (String(current) === versionId) return versionId;
  // The data as stored (nested maps included, as ZenML's HashiCorp store writes them).
  const data = await readVersionData(kv, name, versionId);
  if (!data) throw new Error(`version ${versionId} of a Vault key is gone; it cannot be restored`);
  const body = { data, options: { cas: current } };
  return writtenVersion(await signedIn(kv, () => kv.client.write(dataPath(kv, name), body)));
}

/** Destroys versions (their data is removed for good); an absent key is left alone. */
export async function destroyVaultVersions(kv: VaultKv, name: string, versionIds: string[]): Promise<void> {
  const versions = versionIds.map(Number).filter((n) => Number.isInteger(n) && n > 0);
  if (!validPath(name) || versions.length === 0) return;
  const path = dataPath(kv, name).replace(`${kv.mount}/data/`, `${kv.mount}/destroy/`);
  try {
    await signedIn(kv, () => kv.client.write(path, { versions }));
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
  }
}
