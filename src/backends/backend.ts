import type { Transaction } from 'kysely';
import type { Database } from '../database/database.js';
import { pythonJsonDumps, pythonJsonLoads } from '../python/python-json.js';
import { pythonStr } from '../python/python-str.js';
import { isPyDict, PyFloat, PyInt, type PyValue } from '../python/python-values.js';

/** Key/value content of one secret as a back-end holds it. */
export type SecretValues = Record<string, string>;
/** Tags, labels or other string metadata stored beside a secret. */
export type SecretMetadata = Record<string, string>;

export interface BackendEntry {
  name: string;
  values: SecretValues;
  metadata: SecretMetadata;
}

export interface BackendListQuery {
  /** Only names starting with this text. */
  namePrefix?: string;
  /** Only entries whose metadata has every one of these key/value pairs. */
  metadata?: SecretMetadata;
  /** Only entries whose metadata lacks this key (e.g. unscoped secrets: no `zenml_scope`). */
  withoutMetadataKey?: string;
  pageSize?: number;
  /** From the previous page's `nextPageToken`. */
  pageToken?: string;
}

export interface BackendListPage {
  entries: Array<{ name: string; metadata: SecretMetadata }>;
  nextPageToken?: string;
}

export interface BackendCallOptions {
  /** The SQL back-end joins the caller's transaction; remote back-ends ignore it. */
  trx?: Transaction<Database>;
}

/**
 * One secret back-end (SQL, local files, AWS, GCP, Azure, Vault, custom), addressed by
 * backend-native names. Errors: AlreadyExistsError, NotFoundError, BackendUnavailableError,
 * BackendError (from ../errors.ts), never carrying a value.
 */
export interface SecretBackend {
  readonly kind: string;
  /** Creates an entry; ALREADY_EXISTS when the name is taken. */
  create(entry: BackendEntry, options?: BackendCallOptions): Promise<void>;
  /**
   * Creates entries in one call where the back-end can (SQL: one statement), all or none;
   * ALREADY_EXISTS when a name is taken.
   */
  createMany?(entries: BackendEntry[], options?: BackendCallOptions): Promise<void>;
  /** The entry, or undefined when absent. */
  get(name: string, options?: BackendCallOptions): Promise<BackendEntry | undefined>;
  /**
   * Values (not metadata) of many entries in few calls, where the back-end has a batch read
   * (AWS BatchGetSecretValue); absent entries are left out of the map.
   */
  getValues?(names: string[], options?: BackendCallOptions): Promise<Map<string, SecretValues>>;
  /** Replaces values (and metadata when given); NOT_FOUND when absent. */
  update(entry: BackendEntry, options?: BackendCallOptions): Promise<void>;
  /** Deletes; false when it was absent. */
  delete(name: string, options?: BackendCallOptions): Promise<boolean>;
  /** One page of entries (never values). */
  list(query: BackendListQuery, options?: BackendCallOptions): Promise<BackendListPage>;
  // Versioned calls (copy-on-write on remote stores; secret history builds on them). A back-end
  // has all of createVersioned, putVersion, getVersion, currentVersionId and restoreVersion, or
  // none (SQL, local, custom: their writes replace in place). Version ids are the back-end's own
  // (AWS VersionId, GCP version number, Azure version id, Vault KV version number), as text.
  /** Creates an entry like `create`; the id of the version holding its values. */
  createVersioned?(entry: BackendEntry): Promise<string>;
  /**
   * Writes the values as a new version that becomes the entry's current one (metadata replaced
   * when it changed); its id. NOT_FOUND when the entry is absent.
   */
  putVersion?(entry: BackendEntry): Promise<string>;
  /** The values of one version; undefined when the entry or that version is gone (destroyed, pruned). */
  getVersion?(name: string, versionId: string): Promise<SecretValues | undefined>;
  /** Values of many pinned versions in few calls (AWS BatchGetSecretValue); gone ones left out. */
  getVersionValues?(pins: VersionPin[]): Promise<Map<string, SecretValues>>;
  /** The id of the entry's current version; undefined when the entry is absent. */
  currentVersionId?(name: string): Promise<string | undefined>;
  /**
   * Makes the values of `versionId` the entry's current ones again (AWS: moves AWSCURRENT back;
   * the others add a version with those values) and returns the id now holding them.
   */
  restoreVersion?(name: string, versionId: string): Promise<string>;
  /**
   * Retires versions no longer pinned, where the back-end can (GCP and Vault destroy them; AWS
   * deprecates unlabelled versions itself and Azure keeps every version: they lack this call).
   */
  destroyVersions?(name: string, versionIds: string[]): Promise<void>;
  // Kept versions, on a back-end without versions of its own that keeps a secret's history itself
  // (SQL). A back-end has all three calls or none.
  /**
   * Replaces values (and metadata) as `update` does, first keeping the entry's current values as
   * version `keep.version` and destroying the kept versions numbered `keep.dropUpTo` or lower, in
   * one call (SQL: one statement in the caller's transaction); NOT_FOUND when absent.
   */
  updateKeeping?(
    entry: BackendEntry,
    keep: { version: number; dropUpTo: number },
    options?: BackendCallOptions,
  ): Promise<void>;
  /** Destroys the kept versions numbered `upTo` or lower (a lowered window; SQL joins the caller's transaction). */
  dropKeptVersions?(name: string, upTo: number, options?: BackendCallOptions): Promise<void>;
  /** The values kept as `version`; undefined when not kept (never, or destroyed). */
  getKeptVersion?(
    name: string,
    version: number,
    options?: BackendCallOptions,
  ): Promise<SecretValues | undefined>;
  close?(): Promise<void>;
}

/** An entry's name and the version of it that holds the committed values. */
export interface VersionPin {
  name: string;
  versionId: string;
}

/** The back-ends with versions: every required versioned call present. */
export type VersionedBackend = SecretBackend &
  Required<
    Pick<
      SecretBackend,
      'createVersioned' | 'putVersion' | 'getVersion' | 'currentVersionId' | 'restoreVersion'
    >
  >;

/** Whether a back-end has versions (copy-on-write writes); SQL, local and custom ones do not. */
export function isVersioned(backend: SecretBackend): backend is VersionedBackend {
  return (
    typeof backend.createVersioned === 'function' &&
    typeof backend.putVersion === 'function' &&
    typeof backend.getVersion === 'function' &&
    typeof backend.currentVersionId === 'function' &&
    typeof backend.restoreVersion === 'function'
  );
}

/** Every page of a listing, followed to the end. */
export async function listAll(
  backend: SecretBackend,
  query: Omit<BackendListQuery, 'pageToken'>,
): Promise<Array<{ name: string; metadata: SecretMetadata }>> {
  const entries: Array<{ name: string; metadata: SecretMetadata }> = [];
  let pageToken: string | undefined;
  do {
    const page = await backend.list({ ...query, pageToken });
    entries.push(...page.entries);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return entries;
}

/**
 * Key under which JSON-payload back-ends (aws, gcp, azure) return a payload that is not a
 * JSON object of strings (e.g. ZenML's legacy one-secret-per-key layouts); writing an entry
 * whose only key is this one stores the value as the raw payload.
 */
export const RAW_VALUE_KEY = '__raw__';

/** True when an entry's name and metadata satisfy a listing's prefix and metadata filters. */
export function matchesListQuery(
  entry: { name: string; metadata: SecretMetadata },
  query: Pick<BackendListQuery, 'namePrefix' | 'metadata' | 'withoutMetadataKey'>,
): boolean {
  if (query.namePrefix && !entry.name.startsWith(query.namePrefix)) return false;
  for (const [key, value] of Object.entries(query.metadata ?? {})) {
    if (!Object.hasOwn(entry.metadata, key) || entry.metadata[key] !== value) return false;
  }
  return !(query.withoutMetadataKey && Object.hasOwn(entry.metadata, query.withoutMetadataKey));
}

/**
 * The text payload JSON back-ends (aws, gcp, azure) store: the values as Python's
 * `json.dumps` writes a dict (ZenML's `json.dumps(secret_to_dict(secret))`: `", "` and `": "`,
 * non-ASCII as `\uXXXX`, keys in the map's order), or the raw text when RAW_VALUE_KEY is the
 * only key.
 */
export function payloadFromValues(values: SecretValues): string {
  const keys = Object.keys(values);
  if (keys.length === 1 && keys[0] === RAW_VALUE_KEY) return values[RAW_VALUE_KEY];
  return pythonJsonDumps(values);
}

/** The payload text each map from `valuesFromPayload` was read from (for exact re-reading). */
const payloadTexts = new WeakMap<SecretValues, string>();

/** The text a map returned by `valuesFromPayload` came from, if it came from one. */
export function payloadTextOf(values: SecretValues): string | undefined {
  return payloadTexts.get(values);
}

function scalarText(value: PyValue): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || value instanceof PyInt || value instanceof PyFloat)
    return pythonStr(value);
  return undefined;
}

/**
 * Values from a stored text payload, read as Python's `json.loads` does: a JSON object of
 * scalars becomes a string map, numbers and booleans as Python's `str()` gives them (`True`,
 * `1.0`, `1e-05`), nulls dropped; anything else comes back under RAW_VALUE_KEY. The text stays
 * reachable through `payloadTextOf` for readers that need more than the string map.
 */
export function valuesFromPayload(payload: string): SecretValues {
  let parsed: PyValue;
  try {
    parsed = pythonJsonLoads(payload);
  } catch {
    return { [RAW_VALUE_KEY]: payload };
  }
  if (!isPyDict(parsed)) return { [RAW_VALUE_KEY]: payload };
  const values: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (value === null) continue;
    const text = scalarText(value);
    if (text === undefined) return { [RAW_VALUE_KEY]: payload };
    values.push([key, text]);
  }
  // fromEntries defines own properties, so a `__proto__` key stays a plain key.
  const map: SecretValues = Object.fromEntries(values);
  payloadTexts.set(map, payload);
  return map;
}
