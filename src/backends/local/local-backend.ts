import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { AlreadyExistsError, BackendError, BadUserInputError, NotFoundError } from '../../errors.js';
import {
  type BackendEntry,
  matchesListQuery,
  type SecretBackend,
  type SecretMetadata,
  type SecretValues,
} from '../backend.js';

/** Values key ZenML keeps in plain text beside the base64-encoded values. */
export const SCHEMA_NAME_KEY = 'zenml_schema_name';
/** Key inside a secret's YAML map holding the gateway's metadata (written only when non-empty). */
export const LOCAL_METADATA_KEY = '__sgw_metadata__';

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

export interface LocalBackendOptions {
  /** The secrets YAML file, e.g. `<data dir>/<component uuid>/secrets.yaml`. */
  file: string;
}

type StoredSecret = Record<string, unknown>;
type StoredFile = Record<string, StoredSecret>;

/** Per-file queue: read-modify-write cycles on one file run one after another in this process. */
const fileLocks = new Map<string, Promise<unknown>>();

function withFileLock<T>(file: string, work: () => Promise<T>): Promise<T> {
  const previous = fileLocks.get(file) ?? Promise.resolve();
  const run = previous.then(work, work);
  const tail = run.catch(() => undefined);
  fileLocks.set(file, tail);
  void tail.then(() => {
    if (fileLocks.get(file) === tail) fileLocks.delete(file);
  });
  return run;
}

/** Sets an own enumerable property, also for a name like `__proto__`. */
function setOwn<T>(target: Record<string, T>, key: string, value: NoInfer<T>): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const encode = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const decode = (text: string) => Buffer.from(text, 'base64').toString('utf8');

/** ZenML's layout: every value base64, `zenml_schema_name` plain; metadata under a reserved key. */
function toStored(entry: BackendEntry): StoredSecret {
  if (Object.hasOwn(entry.values, LOCAL_METADATA_KEY)) {
    throw new BadUserInputError(`"${LOCAL_METADATA_KEY}" is reserved by the local secrets file`, [
      { path: `values.${LOCAL_METADATA_KEY}`, message: 'reserved key' },
    ]);
  }
  const stored: StoredSecret = {};
  for (const [key, value] of Object.entries(entry.values)) {
    setOwn(stored, key, key === SCHEMA_NAME_KEY ? value : encode(value));
  }
  if (Object.keys(entry.metadata).length > 0) stored[LOCAL_METADATA_KEY] = { ...entry.metadata };
  return stored;
}

function scalarText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
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
    values.push([key, key === SCHEMA_NAME_KEY ? text : decode(text)]);
  }
  return { name, values: Object.fromEntries(values) as SecretValues, metadata: metadataOf(stored) };
}

/**
 * The `local` back-end: ZenML's secrets YAML file (secret name → its base64 values and plain
 * `zenml_schema_name`). Writes replace the file atomically (temp file in the same directory,
 * fsync, rename; mode 0600 in a 0700 directory) and are serialized per file in this process, so
 * concurrent writers don't lose updates. An unreadable file is a BackendError.
 */
export function createLocalBackend(options: LocalBackendOptions): SecretBackend {
  const file = path.resolve(options.file);

  async function load(): Promise<StoredFile> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = parse(text);
    } catch {
      throw new BackendError(`local secrets file ${file} is not valid YAML`);
    }
    if (parsed === null || parsed === undefined) return {};
    if (!isRecord(parsed)) throw new BackendError(`local secrets file ${file} is not a YAML map`);
    const secrets: StoredFile = {};
    for (const [name, value] of Object.entries(parsed)) {
      setOwn(secrets, name, isRecord(value) ? value : {});
    }
    return secrets;
  }

  async function save(secrets: StoredFile): Promise<void> {
    const dir = path.dirname(file);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temp = path.join(
      dir,
      `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
    );
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(Object.keys(secrets).length === 0 ? '{}\n' : stringify(secrets), 'utf8');
      await handle.sync();
    } catch (error) {
      await handle.close();
      await rm(temp, { force: true });
      throw error;
    }
    await handle.close();
    try {
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    // Make the rename itself durable; not every platform lets a directory be fsynced.
    try {
      const dirHandle = await open(dir, 'r');
      try {
        await dirHandle.sync();
      } finally {
        await dirHandle.close();
      }
    } catch {
      // best effort
    }
  }

  function modify<T>(change: (secrets: StoredFile) => T): Promise<T> {
    return withFileLock(file, async () => {
      const secrets = await load();
      const result = change(secrets);
      await save(secrets);
      return result;
    });
  }

  return {
    kind: 'local',
    async create(entry) {
      const stored = toStored(entry);
      await modify((secrets) => {
        if (Object.hasOwn(secrets, entry.name))
          throw new AlreadyExistsError(`Secret entry "${entry.name}" already exists`);
        setOwn(secrets, entry.name, stored);
      });
    },
    async get(name) {
      const secrets = await load();
      return Object.hasOwn(secrets, name) ? fromStored(name, secrets[name]) : undefined;
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
      if (!Object.hasOwn(await load(), name)) return false;
      return modify((secrets) => {
        if (!Object.hasOwn(secrets, name)) return false;
        delete secrets[name];
        return true;
      });
    },
    async list(query) {
      const pageSize = Math.max(1, Math.min(query.pageSize ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE));
      const secrets = await load();
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
    },
  };
}
