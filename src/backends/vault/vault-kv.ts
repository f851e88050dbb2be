import vault from 'node-vault';
import { BadUserInputError } from '../../errors.js';
import { guardedAgents } from '../../security/guarded-connections.js';
import type { SecretMetadata } from '../backend.js';
import { retryThrottled, type ThrottleRetry, throttleRetry } from '../throttle-retry.js';
import { httpThrottling } from '../throttled-answer.js';
import { startAppRoleSession, type VaultAppRoleSession } from './vault-approle-session.js';
import type { VaultBackendOptions } from './vault-backend.js';

/** Metadata reads run this many at once while a page is assembled. */
export const METADATA_CONCURRENCY = 16;

/** A KV version 2 key's metadata as Vault answers it. */
export interface KvMetadata {
  current_version?: number;
  custom_metadata?: Record<string, string> | null;
  versions?: Record<string, { deletion_time?: string; destroyed?: boolean }>;
}

/** A node-vault client on one KV version 2 mount, signed in (token or AppRole session). */
export interface VaultKv {
  client: vault.client;
  mount: string;
  session: VaultAppRoleSession | undefined;
  /** How throttled (429) calls are retried. */
  retry: ThrottleRetry;
}

interface VaultFailure {
  message?: string;
  response?: { statusCode?: number };
}

/** The HTTP status Vault answered with, if it answered. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as VaultFailure | undefined)?.response?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** A path segment that would leave its folder once Vault (or a proxy) cleans the path. */
export const isDotSegment = (segment: string) => segment === '.' || segment === '..';

/** The URL form of a KV path; a `.` or `..` segment (which escapes the scope path) is refused. */
function encodePath(name: string): string {
  const segments = name.split('/');
  if (segments.some(isDotSegment))
    throw new BadUserInputError(
      `"${name}" is not a valid Vault KV path: "." and ".." are not path segments`,
      [{ path: 'name', message: 'Vault KV path segments may not be "." or ".."' }],
    );
  return segments.map(encodeURIComponent).join('/');
}
/** The API paths of a key's data and of its metadata (versions, custom metadata). */
export const dataPath = (kv: VaultKv, name: string) => `${kv.mount}/data/${encodePath(name)}`;
export const metadataPath = (kv: VaultKv, name: string) => `${kv.mount}/metadata/${encodePath(name)}`;

/** How node-vault connects: through guarded agents (the CA in the https one), else with the CA. */
function connectionOptions(options: VaultBackendOptions) {
  const ca = options.caCert ? { ca: options.caCert } : {};
  if (!options.endpoints) return ca;
  const agents = guardedAgents(options.endpoints, ca);
  return { httpAgent: agents.http, httpsAgent: agents.https };
}

/** The client for `options` (checked by the caller), with its AppRole session when it signs in so. */
export function connectKv(options: VaultBackendOptions): VaultKv {
  const client = vault({
    endpoint: options.url,
    token: options.token,
    namespace: options.namespace,
    apiVersion: 'v1',
    // Node's HTTP parser rejects the LIST verb, so list with GET ?list=1.
    noCustomHTTPVerbs: true,
    requestOptions: { timeout: options.timeoutMs, ...connectionOptions(options) },
  });
  return {
    client,
    mount: (options.mountPoint ?? 'secret').replace(/^\/+|\/+$/g, ''),
    session: options.appRole ? startAppRoleSession(client, options.appRole) : undefined,
    retry: throttleRetry(options.throttleRetry),
  };
}

/**
 * Vault's 429 (a rate limit quota) as throttling. node-vault keeps no response header, so a
 * `Retry-After` Vault may send is not seen: the backoff alone paces the retries.
 */
const vaultThrottling = (error: unknown) => httpThrottling(statusOf(error));

/**
 * Runs a call with a live token, retried while Vault answers 429 (throttle-retry.ts; a throttled
 * write was not done, so a `cas: 0` create retried so can't meet itself); with AppRole a 403 for a
 * token Vault no longer knows (revoked, expired) logs in once more and retries; a policy's 403
 * stays the answer.
 */
export async function signedIn<T>(kv: VaultKv, request: () => Promise<T>): Promise<T> {
  const call = () => retryThrottled(request, vaultThrottling, kv.retry);
  const session = kv.session;
  if (!session) return call();
  await session.ready();
  const token = kv.client.token;
  try {
    return await call();
  } catch (error) {
    if (statusOf(error) !== 403 || !(await session.refused(token))) throw error;
    return call();
  }
}

/** A key's metadata, or undefined when there is no such key. */
export async function readMetadata(kv: VaultKv, name: string): Promise<KvMetadata | undefined> {
  try {
    const response = await signedIn(kv, () => kv.client.read(metadataPath(kv, name)));
    return (response?.data ?? {}) as KvMetadata;
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/** Whether the key's current version is neither deleted nor destroyed. */
export const isLive = (metadata: KvMetadata) => {
  const current = metadata.versions?.[String(metadata.current_version ?? 0)];
  return current !== undefined && !current.destroyed && !current.deletion_time;
};

/** Replaces a key's custom metadata. */
export async function writeMetadata(kv: VaultKv, name: string, metadata: SecretMetadata): Promise<void> {
  await signedIn(kv, () => kv.client.write(metadataPath(kv, name), { custom_metadata: { ...metadata } }));
}

/** Runs `work` over `items` with at most `limit` at once, keeping the order of results. */
export async function mapLimited<T, R>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
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

/** Keys directly under `dir` ('' = the mount's root): leaf names and `sub/` folders. */
async function listFolder(kv: VaultKv, dir: string): Promise<string[]> {
  try {
    const path = `${kv.mount}/metadata/${dir ? `${encodePath(dir.slice(0, -1))}/` : ''}`;
    const response = await signedIn(kv, () => kv.client.list(path));
    const keys = response?.data?.keys;
    return Array.isArray(keys) ? keys.map(String) : [];
  } catch (error) {
    if (statusOf(error) === 404) return [];
    throw error;
  }
}

/** Every name starting with `prefix`, walking only the folders that can hold one. */
export async function namesUnder(kv: VaultKv, prefix: string): Promise<string[]> {
  const names: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const keys = await listFolder(kv, dir);
    const folders: string[] = [];
    for (const key of keys) {
      if (isDotSegment(key.replace(/\/$/, ''))) continue;
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
