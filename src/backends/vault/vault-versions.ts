import type { SecretValues } from '../backend.js';
import { dataPath, isDotSegment, readMetadata, signedIn, statusOf, type VaultKv } from './vault-kv.js';

// Versions of Vault KV version 2 keys: every write (check-and-set) makes version n, the key's
// `current_version`; a pinned version is read with `data/<path>?version=n`; restoring writes the
// pinned data again as a new version (what `vault kv rollback` does); a retired version is
// destroyed (`destroy/<path>`), beside the mount's own `max_versions` pruning.

const validPath = (name: string) =>
  name.split('/').every((segment) => segment !== '' && !isDotSegment(segment));
const textOf = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** The version number of a KV v2 write's answer (`{data: {version: n}}`). */
export function writtenVersion(response: unknown): string {
  const version = (response as { data?: { version?: unknown } } | undefined)?.data?.version;
  if (typeof version !== 'number') throw new Error('Vault answered a KV write without a version');
  return String(version);
}

/** The values of version `versionId`; undefined when the key is absent or that version deleted/destroyed. */
export async function getVaultVersion(
  kv: VaultKv,
  name: string,
  versionId: string,
): Promise<SecretValues | undefined> {
  if (!validPath(name) || !/^[1-9][0-9]*$/.test(versionId)) return undefined;
  try {
    const response = await signedIn(kv, () => kv.client.read(`${dataPath(kv, name)}?version=${versionId}`));
    const data = (response as { data?: { data?: unknown } } | undefined)?.data?.data;
    if (typeof data !== 'object' || data === null) return undefined;
    return Object.fromEntries(
      Object.entries(data).flatMap(([key, value]) =>
        value === null || value === undefined ? [] : [[key, textOf(value)]],
      ),
    );
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
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
  const values = await getVaultVersion(kv, name, versionId);
  if (!values) throw new Error(`version ${versionId} of a Vault key is gone; it cannot be restored`);
  const body = { data: { ...values }, options: { cas: current } };
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
