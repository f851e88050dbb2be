import path from 'node:path';
import { AlreadyExistsError, BackendError, BadUserInputError, NotFoundError } from '../../errors.js';
import { pythonStr } from '../../python/python-str.js';
import { isPyDict, type PyValue } from '../../python/python-values.js';
import { pyyamlDump, type YamlTree } from '../../python/pyyaml-dump.js';
import { pyyamlSafeLoad } from '../../python/pyyaml-load.js';
import {
  type BackendEntry,
  type BackendListPage,
  type BackendListQuery,
  matchesListQuery,
  type SecretBackend,
  type SecretMetadata,
  type SecretValues,
} from '../backend.js';
import { type ContainedFile, fullPath, readContained, writeContained } from './contained-file.js';
import { bringInLegacyFile, type LegacyLocation } from './legacy-secrets-file.js';

/** Key inside a secret's YAML map holding the gateway's metadata (written only when non-empty). */
export const LOCAL_METADATA_KEY = '__sgw_metadata__';

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

export interface LocalBackendOptions {
  /** The folder the file stays in (absolute); no symbolic link below it is followed. */
  folder: string;
  /** The secrets YAML file relative to `folder`, e.g. `<component uuid>/secrets.yaml`; no `..`. */
  file: string;
  /** How errors name the file (default: `file`), e.g. relative to the data directory. */
  shownAs?: string;
  /** Where the file lived before it moved into `folder`, if anywhere. */
  legacy?: LegacyLocation;
}

type StoredSecret = Record<string, unknown>;
type StoredFile = Record<string, StoredSecret>;

/** Sets an own enumerable property, also for a name like `__proto__`. */
function setOwn<T>(target: Record<string, T>, key: string, value: NoInfer<T>): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Values stored verbatim (the local scoping applies ZenML's base64 encoding); metadata under
 * a reserved key.
 */
function toStored(entry: BackendEntry): StoredSecret {
  if (Object.hasOwn(entry.values, LOCAL_METADATA_KEY)) {
    throw new BadUserInputError(`"${LOCAL_METADATA_KEY}" is reserved by the local secrets file`, [
      { path: `values.${LOCAL_METADATA_KEY}`, message: 'reserved key' },
    ]);
  }
  const stored: StoredSecret = {};
  for (const [key, value] of Object.entries(entry.values)) {
    setOwn(stored, key, value);
  }
  if (Object.keys(entry.metadata).length > 0) stored[LOCAL_METADATA_KEY] = { ...entry.metadata };
  return stored;
}

/**
 * A mapping PyYAML read, with every leaf as Python's `str()` gives it (`True`, `1.0`, a date)
 * and None kept (written back as `null`), so the file can be written again as text.
 */
function textTree(value: PyValue): YamlTree {
  if (value === null) return null;
  if (!isPyDict(value)) return pythonStr(value);
  const tree: Record<string, YamlTree> = {};
  for (const [key, item] of Object.entries(value)) setOwn(tree, key, textTree(item));
  return tree;
}

/** A value PyYAML read, as text: Python's `str()` (`True`, `1.0`, `None`, a date). */
function scalarText(value: unknown): string {
  return pythonStr(value as PyValue);
}

function metadataOf(stored: StoredSecret): SecretMetadata {
  const raw = stored[LOCAL_METADATA_KEY];
  if (!isRecord(raw)) return {};
  return Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, scalarText(value)]));
}

function fromStored(name: string, stored: StoredSecret): BackendEntry {
  const values: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(stored)) {
    if (key === LOCAL_METADATA_KEY || value === null || value === undefined) continue;
    const text = scalarText(value);
    values.push([key, text]);
  }
  return { name, values: Object.fromEntries(values) as SecretValues, metadata: metadataOf(stored) };
}

/** Last parse of each file: YAML parsing dominates reads of a large file that did not change. */
const parsedFiles = new Map<string, { text: string; secrets: StoredFile }>();

/** A back-end's file: inside its folder, with where it lived before, if anywhere. */
interface LocalFile extends ContainedFile {
  legacy?: LegacyLocation;
}

/** The file's text; an absent one is brought in from its legacy location, if there is one there. */
async function readText(file: LocalFile): Promise<string | undefined> {
  const text = await readContained(file);
  if (text !== undefined || !file.legacy) return text;
  return (await bringInLegacyFile(file, file.legacy)) ? readContained(file) : undefined;
}

/** The parsed file (a copy the caller may change); an absent file is empty. */
async function load(file: LocalFile): Promise<StoredFile> {
  const text = await readText(file);
  if (text === undefined) return {};
  const key = fullPath(file);
  const cached = parsedFiles.get(key);
  if (cached?.text === text) return structuredClone(cached.secrets);
  const secrets = parseFile(file, text);
  parsedFiles.set(key, { text, secrets });
  return structuredClone(secrets);
}

function parseFile(file: ContainedFile, text: string): StoredFile {
  let parsed: unknown;
  try {
    parsed = pyyamlSafeLoad(text);
  } catch {
    throw new BackendError(`local secrets file ${file.shownAs} is not valid YAML`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isPyDict(parsed)) throw new BackendError(`local secrets file ${file.shownAs} is not a YAML map`);
  const secrets: StoredFile = {};
  for (const [name, value] of Object.entries(parsed)) {
    setOwn(secrets, name, isPyDict(value) ? (textTree(value) as StoredSecret) : {});
  }
  return secrets;
}

/** Replaces the file atomically (see writeContained). */
async function save(file: LocalFile, secrets: StoredFile): Promise<void> {
  // ZenML's `yaml_utils.append_yaml`/`write_yaml`: `yaml.dump` with PyYAML's defaults.
  await writeContained(file, pyyamlDump(secrets as Record<string, YamlTree>));
}

interface PendingChange {
  change: (secrets: StoredFile) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Changes waiting for their file, per resolved path; shared by every back-end object on the file. */
const fileQueues = new Map<string, PendingChange[]>();

/**
 * Applies `change` to the file's content and writes it back. Changes to one file are serialized
 * in this process, and those that queue up while a write is under way are applied in order and
 * written together (group commit); each settles once the write holding it is durable. A change
 * that throws leaves the content untouched and rejects alone.
 */
function modifyFile<T>(file: LocalFile, change: (secrets: StoredFile) => T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const key = fullPath(file);
    const queued = fileQueues.get(key);
    const pending: PendingChange = { change, resolve: resolve as (value: unknown) => void, reject };
    if (queued) {
      queued.push(pending);
      return;
    }
    const queue = [pending];
    fileQueues.set(key, queue);
    void drain(file, queue);
  });
}

async function drain(file: LocalFile, queue: PendingChange[]): Promise<void> {
  while (queue.length > 0) {
    const batch = queue.splice(0);
    let secrets: StoredFile;
    try {
      secrets = await load(file);
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      continue;
    }
    const outcomes = batch.map((pending) => {
      try {
        return { ok: true as const, value: pending.change(secrets) };
      } catch (error) {
        return { ok: false as const, error };
      }
    });
    let failure: unknown;
    let saved = false;
    if (outcomes.some((outcome) => outcome.ok)) {
      try {
        await save(file, secrets);
        saved = true;
      } catch (error) {
        failure = error;
      }
    }
    batch.forEach((pending, index) => {
      const outcome = outcomes[index];
      if (!outcome.ok) pending.reject(outcome.error);
      else if (saved) pending.resolve(outcome.value);
      else pending.reject(failure);
    });
  }
  fileQueues.delete(fullPath(file));
}

/** One page of the file's secrets in name order, after `pageToken` and matching the query. */
async function listPage(file: LocalFile, query: BackendListQuery): Promise<BackendListPage> {
  const pageSize = Math.max(1, Math.min(query.pageSize ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE));
  const secrets = await load(file);
  const matching = Object.keys(secrets)
    .sort()
    .filter((name) => !query.pageToken || name > query.pageToken)
    .map((name) => ({ name, metadata: metadataOf(secrets[name]) }))
    .filter((entry) => matchesListQuery(entry, query));
  const page = matching.slice(0, pageSize);
  return {
    entries: page,
    nextPageToken: matching.length > pageSize ? page[page.length - 1].name : undefined,
  };
}

/** The options' file, checked: a normalized path inside the folder (a programming error otherwise). */
function localFileOf(options: LocalBackendOptions): LocalFile {
  const file = path.normalize(options.file);
  if (path.isAbsolute(file) || file === '.' || file.split(path.sep).includes('..'))
    throw new Error('a local secrets file must be a relative path inside its folder');
  const folder = path.resolve(options.folder);
  return { folder, file, shownAs: options.shownAs ?? file, legacy: options.legacy };
}

/**
 * The `local` back-end: ZenML's secrets YAML file (secret name → its base64 values and plain
 * `zenml_schema_name`). Writes replace the file atomically (temp file in the same directory,
 * fsync, rename; mode 0600 in a 0700 directory) and are serialized per file in this process, so
 * concurrent writers don't lose updates. The file stays inside its folder: a symbolic link at any
 * level below the folder, a path whose real path leaves it, or a file with several hard links is
 * refused (see contained-file.ts). An unreadable file is a BackendError naming the file by
 * `shownAs`, never by its absolute path.
 */
export function createLocalBackend(options: LocalBackendOptions): SecretBackend {
  const file = localFileOf(options);

  const modify = <T>(change: (secrets: StoredFile) => T) => modifyFile(file, change);

  /** One rewrite of the file for all entries; none is written when a name is taken. */
  async function createMany(entries: BackendEntry[]): Promise<void> {
    const stored = entries.map((entry) => [entry.name, toStored(entry)] as const);
    await modify((secrets) => {
      const taken = entries.find((entry) => Object.hasOwn(secrets, entry.name));
      if (taken) throw new AlreadyExistsError(`Secret entry "${taken.name}" already exists`);
      for (const [name, value] of stored) setOwn(secrets, name, value);
    });
  }

  return {
    kind: 'local',
    create: (entry) => createMany([entry]),
    createMany,
    async get(name) {
      const secrets = await load(file);
      return Object.hasOwn(secrets, name) ? fromStored(name, secrets[name]) : undefined;
    },
    async getValues(names) {
      const secrets = await load(file);
      const found = new Map<string, SecretValues>();
      for (const name of names) {
        if (Object.hasOwn(secrets, name)) found.set(name, fromStored(name, secrets[name]).values);
      }
      return found;
    },
    async update(entry) {
      const stored = toStored(entry);
      await modify((secrets) => {
        if (!Object.hasOwn(secrets, entry.name))
          throw new NotFoundError(`Secret entry "${entry.name}" not found`);
        setOwn(secrets, entry.name, stored);
      });
    },
    async delete(name) {
      // Read first so deleting a missing name does not rewrite (or create) the file.
      if (!Object.hasOwn(await load(file), name)) return false;
      return modify((secrets) => {
        if (!Object.hasOwn(secrets, name)) return false;
        delete secrets[name];
        return true;
      });
    },
    list: (query) => listPage(file, query),
  };
}
