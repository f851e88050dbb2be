import { AlreadyExistsError, BackendError, BadUserInputError, NotFoundError } from '../../errors.js';
import type { EndpointPolicy } from '../../security/endpoint-policy.js';
import {
  type BackendEntry,
  type BackendListPage,
  type BackendListQuery,
  matchesListQuery,
  RAW_VALUE_KEY,
  type SecretBackend,
  type SecretMetadata,
  type SecretValues,
} from '../backend.js';
import type { ThrottleRetryBounds } from '../throttle-retry.js';
import type { VaultAppRole } from './vault-approle-session.js';
import {
  connectKv,
  dataPath,
  isDotSegment,
  isLive,
  METADATA_CONCURRENCY,
  mapLimited,
  metadataPath,
  namesUnder,
  readMetadata,
  signedIn,
  statusOf,
  type VaultKv,
  writeMetadata,
} from './vault-kv.js';
import { textOf, valuesOf } from './vault-values.js';
import {
  currentVaultVersionId,
  destroyVaultVersions,
  getVaultVersion,
  restoreVaultVersion,
  writtenVersion,
} from './vault-versions.js';

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
  /** Connections go only to addresses the policy allows (checked per connection). */
  endpoints?: EndpointPolicy;
  /** Bounds of the retry of throttled calls (default DEFAULT_THROTTLE_RETRY). */
  throttleRetry?: Partial<ThrottleRetryBounds>;
}

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
const CAS_ATTEMPTS = 3;
const CAS_MISMATCH = /check-and-set/i;

const isCasMismatch = (error: unknown) =>
  statusOf(error) === 400 && CAS_MISMATCH.test(String((error as Error).message));

const validPath = (name: string) =>
  name.split('/').every((segment) => segment !== '' && !isDotSegment(segment));

/** KV paths: non-empty segments separated by single slashes, none of them `.` or `..`. */
function checkPath(name: string): void {
  if (!validPath(name)) {
    throw new BadUserInputError(
      `"${name}" is not a valid Vault KV path: non-empty segments separated by "/", none "." or ".."`,
      [
        {
          path: 'name',
          message: 'Vault KV paths are non-empty segments separated by single slashes, none "." or ".."',
        },
      ],
    );
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The `data` of a KV version 2 read (`{data: {data: {…}, metadata: {…}}}`); any other answer (an
 * endpoint that is no Vault) is BACKEND_ERROR, never values.
 */
function kvSecretOf(response: unknown): { data: unknown; metadata: { custom_metadata?: unknown } } {
  const data = isObject(response) ? response.data : undefined;
  if (!isObject(data) || !isObject(data.data) || !isObject(data.metadata))
    throw new BackendError('vault back-end error: the answer is not a Vault KV version 2 secret');
  return { data: data.data, metadata: data.metadata };
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
 * The KV data of an entry: the values, or, when RAW_VALUE_KEY is the only key, the JSON object it
 * holds (nested maps, as ZenML's HashiCorp secrets store writes them).
 */
function kvDataOf(values: SecretValues): Record<string, unknown> {
  const keys = Object.keys(values);
  if (keys.length !== 1 || keys[0] !== RAW_VALUE_KEY) return { ...values };
  const parsed: unknown = JSON.parse(values[RAW_VALUE_KEY]);
  if (!isObject(parsed))
    throw new BackendError('vault back-end error: a raw KV payload must be a JSON object');
  return parsed;
}

/** Check-and-set 0, then the custom metadata; the version number. */
async function createEntry(kv: VaultKv, entry: BackendEntry): Promise<string> {
  checkPath(entry.name);
  let version: string;
  try {
    const data = { data: kvDataOf(entry.values), options: { cas: 0 } };
    version = writtenVersion(await signedIn(kv, () => kv.client.write(dataPath(kv, entry.name), data)));
  } catch (error) {
    if (isCasMismatch(error)) throw new AlreadyExistsError(`Secret entry "${entry.name}" already exists`);
    throw error;
  }
  if (Object.keys(entry.metadata).length > 0) await writeMetadata(kv, entry.name, entry.metadata);
  return version;
}

async function getEntry(kv: VaultKv, name: string): Promise<BackendEntry | undefined> {
  if (!validPath(name)) return undefined;
  try {
    const response = await signedIn(kv, () => kv.client.read(dataPath(kv, name)));
    const data = kvSecretOf(response);
    return { name, values: valuesOf(data?.data), metadata: metadataOf(data?.metadata?.custom_metadata) };
  } catch (error) {
    // 404: no such key, or its latest version is deleted or destroyed.
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/** Check-and-set on the current version (the custom metadata when it changed); the version number. */
async function updateEntry(kv: VaultKv, entry: BackendEntry): Promise<string> {
  checkPath(entry.name);
  for (let attempt = 1; ; attempt++) {
    const current = await readMetadata(kv, entry.name);
    if (!current || !isLive(current)) throw new NotFoundError(`Secret entry "${entry.name}" not found`);
    let version: string;
    try {
      const data = { data: kvDataOf(entry.values), options: { cas: current.current_version ?? 0 } };
      version = writtenVersion(await signedIn(kv, () => kv.client.write(dataPath(kv, entry.name), data)));
    } catch (error) {
      // Someone wrote (or deleted) in between: look again, then write on top of that.
      if (isCasMismatch(error) && attempt < CAS_ATTEMPTS) continue;
      throw error;
    }
    if (!sameMetadata(metadataOf(current.custom_metadata), entry.metadata))
      await writeMetadata(kv, entry.name, entry.metadata);
    return version;
  }
}

async function deleteEntry(kv: VaultKv, name: string): Promise<boolean> {
  if (!validPath(name)) return false;
  if (!(await readMetadata(kv, name))) return false;
  // Deleting the metadata removes every version, so the path can be written anew.
  await signedIn(kv, () => kv.client.delete(metadataPath(kv, name)));
  return true;
}

/** One page: names past the page token, read in batches until the page is full (live, matching). */
async function listEntries(kv: VaultKv, query: BackendListQuery): Promise<BackendListPage> {
  const pageSize = Math.max(1, Math.min(query.pageSize ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE));
  const all = await namesUnder(kv, query.namePrefix ?? '');
  const pending = query.pageToken ? all.filter((name) => name > (query.pageToken as string)) : all;
  const entries: Array<{ name: string; metadata: SecretMetadata }> = [];
  let examined = 0;
  while (examined < pending.length && entries.length < pageSize) {
    const batch = pending.slice(
      examined,
      examined + Math.max(pageSize - entries.length, METADATA_CONCURRENCY),
    );
    const metadata = await mapLimited(batch, METADATA_CONCURRENCY, (name) => readMetadata(kv, name));
    for (let i = 0; i < batch.length && entries.length < pageSize; i++) {
      examined++;
      const found = metadata[i];
      if (!found || !isLive(found)) continue;
      const entry = { name: batch[i], metadata: metadataOf(found.custom_metadata) };
      if (matchesListQuery(entry, query)) entries.push(entry);
    }
  }
  return { entries, nextPageToken: examined < pending.length ? pending[examined - 1] : undefined };
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
  const kv = connectKv(options);
  return {
    kind: 'vault',
    create: async (entry) => void (await createEntry(kv, entry)),
    get: (name) => getEntry(kv, name),
    update: async (entry) => void (await updateEntry(kv, entry)),
    delete: (name) => deleteEntry(kv, name),
    list: (query) => listEntries(kv, query),
    createVersioned: (entry) => createEntry(kv, entry),
    putVersion: (entry) => updateEntry(kv, entry),
    getVersion: (name, versionId) => getVaultVersion(kv, name, versionId),
    currentVersionId: (name) => currentVaultVersionId(kv, name),
    restoreVersion: (name, versionId) => restoreVaultVersion(kv, name, versionId),
    destroyVersions: (name, versionIds) => destroyVaultVersions(kv, name, versionIds),
  };
}
