import vault from 'node-vault';
import { AlreadyExistsError, BadUserInputError, NotFoundError } from '../../errors.js';
import {
  type BackendEntry,
  matchesListQuery,
  type SecretBackend,
  type SecretMetadata,
  type SecretValues,
} from '../backend.js';
import { startAppRoleSession, type VaultAppRole } from './vault-approle-session.js';

export interface VaultBackendOptions {
  /** Vault address, e.g. `https://vault.example.com:8200`. */
  url: string;
  /** A Vault token; or sign in with `appRole` (exactly one of the two, else BadUserInputError). */
  token?: string;
  /** AppRole sign-in; its token is renewed, and replaced by a new login when it can't be. */
  appRole?: VaultAppRole;
  /** KV version 2 mount (default `secret`). */
  mountPoint?: string;
  /** Vault Enterprise namespace (`X-Vault-Namespace`). */
  namespace?: string;
  /** PEM of the CA that signed the server certificate. */
  caCert?: string;
  /** Bound of every HTTP request, in milliseconds. */
  timeoutMs: number;
}

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
/** Metadata reads run this many at once while a page is assembled. */
const METADATA_CONCURRENCY = 16;
const CAS_ATTEMPTS = 3;
const CAS_MISMATCH = /check-and-set/i;

interface VaultFailure {
  message?: string;
  response?: { statusCode?: number };
}

function statusOf(error: unknown): number | undefined {
  const status = (error as VaultFailure | undefined)?.response?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

const isCasMismatch = (error: unknown) =>
  statusOf(error) === 400 && CAS_MISMATCH.test(String((error as Error).message));

/** KV paths: non-empty segments separated by single slashes. */
function checkPath(name: string): void {
  if (name === '' || name.startsWith('/') || name.endsWith('/') || name.includes('//')) {
    throw new BadUserInputError(
      `"${name}" is not a valid Vault KV path: non-empty segments separated by "/"`,
      [{ path: 'name', message: 'Vault KV paths are non-empty segments separated by single slashes' }],
    );
  }
}

const validPath = (name: string) =>
  name !== '' && !name.startsWith('/') && !name.endsWith('/') && !name.includes('//');
const encodePath = (name: string) => name.split('/').map(encodeURIComponent).join('/');

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function valuesOf(data: unknown): SecretValues {
  if (typeof data !== 'object' || data === null) return {};
  const values: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(data))
    if (value !== null && value !== undefined) values.push([key, textOf(value)]);
  return Object.fromEntries(values);
}

function metadataOf(custom: unknown): SecretMetadata {
  if (typeof custom !== 'object' || custom === null) return {};
  return Object.fromEntries(Object.entries(custom).map(([key, value]) => [key, textOf(value)]));
}

function sameMetadata(a: SecretMetadata, b: SecretMetadata): boolean {
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key])
  );
}

/** Runs `work` over `items` with at most `limit` at once, keeping the order of results. */
async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

interface KvMetadata {
  current_version?: number;
  custom_metadata?: Record<string, string> | null;
  versions?: Record<string, { deletion_time?: string; destroyed?: boolean }>;
}

/** Exactly one way to sign in: a token, or a complete AppRole pair. */
function checkSignIn(options: VaultBackendOptions): void {
  const appRole = options.appRole;
  if (appRole && (!appRole.roleId || !appRole.secretId)) {
    throw new BadUserInputError('AppRole sign-in needs both role_id and secret_id', [
      { path: appRole.roleId ? 'secret_id' : 'role_id', message: 'required with AppRole sign-in' },
    ]);
  }
  if (Boolean(options.token) === Boolean(appRole)) {
    throw new BadUserInputError('Give a Vault token, or AppRole role_id and secret_id (exactly one)', [
      {
        path: 'token',
        message: options.token ? 'give a token or AppRole, not both' : 'required without AppRole',
      },
    ]);
  }
}

/**
 * The `vault` back-end (HashiCorp Vault KV version 2 through node-vault): values = the KV data
 * map, metadata = the key's `custom_metadata`. Create is check-and-set 0 (never overwrites),
 * update is check-and-set on the current version. Vault lists one folder at a time and without
 * paging, so listing walks the folders under the prefix and pages client-side
 * (`pageToken` = the last name examined). Signs in with a token, or with AppRole (see
 * startAppRoleSession: renewed on demand, a token Vault no longer knows means one new login and one retry).
 */
export function createVaultBackend(options: VaultBackendOptions): SecretBackend {
  checkSignIn(options);
  const mount = (options.mountPoint ?? 'secret').replace(/^\/+|\/+$/g, '');
  const client = vault({
    endpoint: options.url,
    token: options.token,
    namespace: options.namespace,
    apiVersion: 'v1',
    // Node's HTTP parser rejects the LIST verb, so list with GET ?list=1.
    noCustomHTTPVerbs: true,
    requestOptions: { timeout: options.timeoutMs, ...(options.caCert ? { ca: options.caCert } : {}) },
  });
  const session = options.appRole ? startAppRoleSession(client, options.appRole) : undefined;

  /**
   * Runs a call with a live token; with AppRole a 403 for a token Vault no longer knows (revoked,
   * expired) logs in once more and retries; a policy's 403 stays the answer.
   */
  async function signedIn<T>(call: () => Promise<T>): Promise<T> {
    if (!session) return call();
    await session.ready();
    const token = client.token;
    try {
      return await call();
    } catch (error) {
      if (statusOf(error) !== 403 || !(await session.refused(token))) throw error;
      return call();
    }
  }
  const kv = {
    read: (path: string) => signedIn(() => client.read(path)),
    write: (path: string, data: unknown) => signedIn(() => client.write(path, data)),
    list: (path: string) => signedIn(() => client.list(path)),
    delete: (path: string) => signedIn(() => client.delete(path)),
  };
  const dataPath = (name: string) => `${mount}/data/${encodePath(name)}`;
  const metadataPath = (name: string) => `${mount}/metadata/${encodePath(name)}`;

  async function readMetadata(name: string): Promise<KvMetadata | undefined> {
    try {
      const response = await kv.read(metadataPath(name));
      return (response?.data ?? {}) as KvMetadata;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  const isLive = (metadata: KvMetadata) => {
    const current = metadata.versions?.[String(metadata.current_version ?? 0)];
    return current !== undefined && !current.destroyed && !current.deletion_time;
  };

  async function writeMetadata(name: string, metadata: SecretMetadata): Promise<void> {
    await kv.write(metadataPath(name), { custom_metadata: { ...metadata } });
  }

  /** Keys directly under `dir` ('' = the mount's root): leaf names and `sub/` folders. */
  async function listFolder(dir: string): Promise<string[]> {
    try {
      const response = await kv.list(`${mount}/metadata/${dir ? `${encodePath(dir.slice(0, -1))}/` : ''}`);
      const keys = response?.data?.keys;
      return Array.isArray(keys) ? keys.map(String) : [];
    } catch (error) {
      if (statusOf(error) === 404) return [];
      throw error;
    }
  }

  /** Every name starting with `prefix`, walking only the folders that can hold one. */
  async function namesUnder(prefix: string): Promise<string[]> {
    const names: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      const keys = await listFolder(dir);
      const folders: string[] = [];
      for (const key of keys) {
        const full = dir + key;
        if (key.endsWith('/')) {
          if (full.startsWith(prefix) || prefix.startsWith(full)) folders.push(full);
        } else if (full.startsWith(prefix)) names.push(full);
      }
      await mapLimited(folders, METADATA_CONCURRENCY, walk);
    };
    await walk(prefix.slice(0, prefix.lastIndexOf('/') + 1));
    return names.sort();
  }

  return {
    kind: 'vault',
    async create(entry: BackendEntry) {
      checkPath(entry.name);
      try {
        await kv.write(dataPath(entry.name), { data: { ...entry.values }, options: { cas: 0 } });
      } catch (error) {
        if (isCasMismatch(error)) throw new AlreadyExistsError(`Secret entry "${entry.name}" already exists`);
        throw error;
      }
      if (Object.keys(entry.metadata).length > 0) await writeMetadata(entry.name, entry.metadata);
    },
    async get(name) {
      if (!validPath(name)) return undefined;
      try {
        const response = await kv.read(dataPath(name));
        const data = response?.data;
        return { name, values: valuesOf(data?.data), metadata: metadataOf(data?.metadata?.custom_metadata) };
      } catch (error) {
        // 404: no such key, or its latest version is deleted or destroyed.
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    },
    async update(entry) {
      checkPath(entry.name);
      for (let attempt = 1; ; attempt++) {
        const current = await readMetadata(entry.name);
        if (!current || !isLive(current)) throw new NotFoundError(`Secret entry "${entry.name}" not found`);
        try {
          await kv.write(dataPath(entry.name), {
            data: { ...entry.values },
            options: { cas: current.current_version ?? 0 },
          });
        } catch (error) {
          // Someone wrote (or deleted) in between: look again, then write on top of that.
          if (isCasMismatch(error) && attempt < CAS_ATTEMPTS) continue;
          throw error;
        }
        if (!sameMetadata(metadataOf(current.custom_metadata), entry.metadata))
          await writeMetadata(entry.name, entry.metadata);
        return;
      }
    },
    async delete(name) {
      if (!validPath(name)) return false;
      if (!(await readMetadata(name))) return false;
      // Deleting the metadata removes every version, so the path can be written anew.
      await kv.delete(metadataPath(name));
      return true;
    },
    async list(query) {
      const pageSize = Math.max(1, Math.min(query.pageSize ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE));
      const all = await namesUnder(query.namePrefix ?? '');
      const pending = query.pageToken ? all.filter((name) => name > (query.pageToken as string)) : all;
      const entries: Array<{ name: string; metadata: SecretMetadata }> = [];
      let examined = 0;
      while (examined < pending.length && entries.length < pageSize) {
        const batch = pending.slice(
          examined,
          examined + Math.max(pageSize - entries.length, METADATA_CONCURRENCY),
        );
        const metadata = await mapLimited(batch, METADATA_CONCURRENCY, readMetadata);
        for (let i = 0; i < batch.length && entries.length < pageSize; i++) {
          examined++;
          const found = metadata[i];
          if (!found || !isLive(found)) continue;
          const entry = { name: batch[i], metadata: metadataOf(found.custom_metadata) };
          if (matchesListQuery(entry, query)) entries.push(entry);
        }
      }
      return { entries, nextPageToken: examined < pending.length ? pending[examined - 1] : undefined };
    },
  };
}
