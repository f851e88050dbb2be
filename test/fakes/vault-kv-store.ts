/** The KV version 2 state of the Vault fake: namespaces, mounts, keys and their versions. */
import { isObject, type Json, timestamp, trimSlashes, VaultError } from './vault-fake-reply.js';

/** One version of a KV v2 secret; times are RFC 3339, `deletionTime` is '' while live. */
export interface VaultKvVersion {
  readonly version: number;
  data: Record<string, unknown> | null;
  readonly createdTime: string;
  deletionTime: string;
  destroyed: boolean;
}

/** Raw state of one KV v2 key: its metadata and kept versions. */
export interface VaultKvEntry {
  readonly versions: Map<number, VaultKvVersion>;
  currentVersion: number;
  oldestVersion: number;
  readonly createdTime: string;
  updatedTime: string;
  customMetadata: Record<string, string> | null;
  maxVersions: number;
  casRequired: boolean;
  deleteVersionAfter: string;
}

export interface MountConfig {
  maxVersions: number;
  casRequired: boolean;
  deleteVersionAfter: string;
}

export interface Mount {
  readonly config: MountConfig;
  readonly entries: Map<string, VaultKvEntry>;
}

const DEFAULT_MAX_VERSIONS = 10;
const CAS_MISMATCH = 'check-and-set parameter did not match the current version';
const CAS_REQUIRED = 'check-and-set parameter required for this call';

export function versionMetadata(entry: VaultKvEntry, version: VaultKvVersion): Json {
  return {
    created_time: version.createdTime,
    custom_metadata: entry.customMetadata,
    deletion_time: version.deletionTime,
    destroyed: version.destroyed,
    version: version.version,
  };
}

export function isLive(version: VaultKvVersion): boolean {
  return version.deletionTime === '' && !version.destroyed;
}

export function checkCas(entry: VaultKvEntry | undefined, cas: number | undefined, required: boolean): void {
  if (cas === undefined) {
    if (required) throw new VaultError(400, [CAS_REQUIRED]);
    return;
  }
  if (cas !== (entry?.currentVersion ?? 0)) throw new VaultError(400, [CAS_MISMATCH]);
}

/** JSON merge patch (RFC 7386): null removes a key, objects merge recursively. */
export function mergePatch(target: Json, patch: Json): Json {
  const result: Json = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (isObject(value) && isObject(result[key])) result[key] = mergePatch(result[key] as Json, value);
    else result[key] = value;
  }
  return result;
}

export function newEntry(config: MountConfig): VaultKvEntry {
  const now = timestamp();
  return {
    versions: new Map(),
    currentVersion: 0,
    oldestVersion: 0,
    createdTime: now,
    updatedTime: now,
    customMetadata: null,
    maxVersions: 0,
    casRequired: false,
    deleteVersionAfter: config.deleteVersionAfter,
  };
}

/** Appends a version and drops the oldest ones beyond max_versions (entry's, else the mount's, else 10). */
export function appendVersion(mount: Mount, entry: VaultKvEntry, data: Json): VaultKvVersion {
  const now = timestamp();
  const version: VaultKvVersion = {
    version: entry.currentVersion + 1,
    data: structuredClone(data),
    createdTime: now,
    deletionTime: '',
    destroyed: false,
  };
  entry.versions.set(version.version, version);
  entry.currentVersion = version.version;
  entry.updatedTime = now;
  const keep = entry.maxVersions || mount.config.maxVersions || DEFAULT_MAX_VERSIONS;
  const oldestKept = version.version - keep + 1;
  if (oldestKept > 1) {
    for (const number of entry.versions.keys()) if (number < oldestKept) entry.versions.delete(number);
    entry.oldestVersion = oldestKept;
  }
  return version;
}

export function metadataBody(entry: VaultKvEntry): Json {
  const versions = Object.fromEntries(
    [...entry.versions.values()].map((version) => [
      String(version.version),
      {
        created_time: version.createdTime,
        deletion_time: version.deletionTime,
        destroyed: version.destroyed,
      },
    ]),
  );
  return {
    cas_required: entry.casRequired,
    created_time: entry.createdTime,
    current_version: entry.currentVersion,
    custom_metadata: entry.customMetadata,
    delete_version_after: entry.deleteVersionAfter,
    max_versions: entry.maxVersions,
    oldest_version: entry.oldestVersion,
    updated_time: entry.updatedTime,
    versions,
  };
}

/** State of all namespaces and the KV v2 operations, independent of HTTP. */
export class VaultKvBackend {
  private readonly namespaces = new Map<string, Map<string, Mount>>();

  constructor(private readonly defaultMounts: string[]) {}

  namespace(name = ''): Map<string, Mount> {
    const key = trimSlashes(name) === 'root' ? '' : trimSlashes(name);
    let mounts = this.namespaces.get(key);
    if (!mounts) {
      mounts = new Map();
      this.namespaces.set(key, mounts);
      for (const mount of this.defaultMounts) this.addMount(mount, key);
    }
    return mounts;
  }

  addMount(name: string, namespace?: string): void {
    const mounts = this.namespace(namespace);
    const key = trimSlashes(name);
    if (!mounts.has(key)) {
      mounts.set(key, {
        config: { maxVersions: 0, casRequired: false, deleteVersionAfter: '0s' },
        entries: new Map(),
      });
    }
  }

  mount(name: string, namespace?: string): Mount {
    const mount = this.namespace(namespace).get(trimSlashes(name));
    if (!mount) throw new Error(`vault fake: no KV mount "${name}" in namespace "${namespace ?? ''}"`);
    return mount;
  }

  write(mount: Mount, path: string, data: Json, cas?: number): VaultKvVersion {
    const existing = mount.entries.get(path);
    checkCas(existing, cas, Boolean(existing?.casRequired || mount.config.casRequired));
    const entry = existing ?? newEntry(mount.config);
    mount.entries.set(path, entry);
    return appendVersion(mount, entry, data);
  }

  /** Longest mount whose path prefixes `path`, with the remainder. */
  resolve(mounts: Map<string, Mount>, path: string): { mount: Mount; rest: string } | undefined {
    const names = [...mounts.keys()].sort((a, b) => b.length - a.length);
    const name = names.find((candidate) => path === candidate || path.startsWith(`${candidate}/`));
    if (name === undefined) return undefined;
    return { mount: mounts.get(name) as Mount, rest: path.slice(name.length + 1) };
  }
}
