/**
 * An example custom secrets store for the centralized store:
 *
 *   SGW_SECRETS_STORE=custom
 *   SGW_SECRETS_STORE_CLASS_PATH=dist/examples/custom-secrets-store.js   # this file, compiled by npm ci
 *   SGW_SECRETS_STORE_FILE=/var/lib/sgw/custom-secrets.json          # optional; unset: in memory
 *
 * The module's default export (or a `createSecretBackend` export) receives every other
 * `SGW_SECRETS_STORE_<OPTION>` as `{ option: value }` (lower-case names) and returns an object
 * implementing `SecretBackend` from src/backends/backend.ts. Throwing from the factory stops the
 * gateway with `Secrets store "custom" failed to initialise: <message>`.
 *
 * This one keeps entries in a Map and, when `file` is given, in a JSON file (mode 0600, replaced
 * atomically on every change). It is a plain-text store: fine for demos and tests, not for
 * production secrets.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import {
  type BackendEntry,
  type BackendListPage,
  type BackendListQuery,
  matchesListQuery,
  type SecretBackend,
} from '../src/backends/backend.js';
import { AlreadyExistsError, NotFoundError } from '../src/errors.js';

type Stored = Record<string, { values: Record<string, string>; metadata: Record<string, string> }>;

export async function createSecretBackend(options: Record<string, string> = {}): Promise<SecretBackend> {
  const file = options.file ? path.resolve(options.file) : undefined;
  const entries = new Map<string, { values: Record<string, string>; metadata: Record<string, string> }>();

  if (file) {
    try {
      const stored = JSON.parse(await readFile(file, 'utf8')) as Stored;
      for (const [name, entry] of Object.entries(stored)) entries.set(name, entry);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new Error(`cannot read ${file}: ${(error as Error).message}`);
    }
  }

  // One write at a time, each replacing the file atomically.
  let writing: Promise<void> = Promise.resolve();
  function persist(): Promise<void> {
    if (!file) return Promise.resolve();
    const snapshot = JSON.stringify(Object.fromEntries(entries), null, 2);
    writing = writing.then(async () => {
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(snapshot);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    });
    return writing;
  }

  const copy = (entry: BackendEntry) => ({ values: { ...entry.values }, metadata: { ...entry.metadata } });

  return {
    kind: 'custom',
    async create(entry) {
      if (entries.has(entry.name))
        throw new AlreadyExistsError(`Secret entry "${entry.name}" already exists`);
      entries.set(entry.name, copy(entry));
      await persist();
    },
    async get(name) {
      const entry = entries.get(name);
      return entry && { name, values: { ...entry.values }, metadata: { ...entry.metadata } };
    },
    async update(entry) {
      if (!entries.has(entry.name)) throw new NotFoundError(`Secret entry "${entry.name}" not found`);
      entries.set(entry.name, copy(entry));
      await persist();
    },
    async delete(name) {
      const existed = entries.delete(name);
      if (existed) await persist();
      return existed;
    },
    async list(query: BackendListQuery): Promise<BackendListPage> {
      const pageSize = Math.max(1, Math.min(query.pageSize ?? 100, 1000));
      const matching = [...entries.keys()]
        .sort()
        .filter((name) => !query.pageToken || name > query.pageToken)
        .map((name) => ({ name, metadata: { ...(entries.get(name)?.metadata ?? {}) } }))
        .filter((entry) => matchesListQuery(entry, query));
      const page = matching.slice(0, pageSize);
      return {
        entries: page,
        nextPageToken: matching.length > pageSize ? page[page.length - 1].name : undefined,
      };
    },
  };
}

export default createSecretBackend;
