/** The KV version 2 routes of one mount (data/, metadata/, delete/, undelete/, destroy/, config) in the Vault fake. */
import {
  envelope,
  isObject,
  type Json,
  missing,
  noContent,
  ok,
  type Reply,
  readInt,
  timestamp,
  unsupported,
  VaultError,
} from './vault-fake-reply.js';
import {
  isLive,
  type Mount,
  mergePatch,
  metadataBody,
  newEntry,
  type VaultKvBackend,
  type VaultKvEntry,
  versionMetadata,
} from './vault-kv-store.js';

/** A request as the KV routes see it: method, path below /v1/, query and parsed JSON body. */
export interface VaultRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: Json;
}

const TRUE_VALUES = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);

function readOptions(body: Json): Json {
  return isObject(body.options) ? body.options : {};
}

/** Immediate children of `dir` among `paths`: leaf names and `sub/` folders, sorted. */
function listChildren(paths: Iterable<string>, dir: string): string[] {
  const prefix = dir === '' || dir.endsWith('/') ? dir : `${dir}/`;
  const keys = new Set<string>();
  for (const path of paths) {
    if (!path.startsWith(prefix)) continue;
    const rest = path.slice(prefix.length);
    const slash = rest.indexOf('/');
    keys.add(slash < 0 ? rest : rest.slice(0, slash + 1));
  }
  keys.delete('');
  return [...keys].sort();
}

function readCustomMetadata(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw new VaultError(400, ['custom_metadata must be a map of strings']);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, String(item)]));
}

/** Applies the metadata fields present in `body`; PATCH merges custom_metadata instead of replacing it. */
function applyMetadata(entry: VaultKvEntry, body: Json, patch: boolean): void {
  const maxVersions = readInt(body.max_versions, 'max_versions');
  if (maxVersions !== undefined) entry.maxVersions = maxVersions;
  if (typeof body.cas_required === 'boolean') entry.casRequired = body.cas_required;
  if (typeof body.delete_version_after === 'string') entry.deleteVersionAfter = body.delete_version_after;
  if (patch && isObject(body.custom_metadata)) {
    const merged = mergePatch(entry.customMetadata ?? {}, body.custom_metadata);
    entry.customMetadata = readCustomMetadata(merged) ?? null;
    return;
  }
  const custom = readCustomMetadata(body.custom_metadata);
  if (custom !== undefined) entry.customMetadata = custom;
}

/** The KV v2 routes below one mount: data/, metadata/, delete/, undelete/, destroy/, config. */
export class KvRoutes {
  constructor(
    private readonly backend: VaultKvBackend,
    private readonly mount: Mount,
  ) {}

  handle(rest: string, req: VaultRequest): Reply {
    const slash = rest.indexOf('/');
    const section = slash < 0 ? rest : rest.slice(0, slash);
    const key = slash < 0 ? '' : rest.slice(slash + 1);
    switch (section) {
      case 'data':
        return this.data(key, req);
      case 'metadata':
        return this.metadata(key, req);
      case 'delete':
      case 'undelete':
      case 'destroy':
        return this.versions(section, key, req);
      case 'config':
        return key === '' ? this.config(req) : invalidPath(req.method);
      default:
        return invalidPath(req.method);
    }
  }

  private data(key: string, req: VaultRequest): Reply {
    if (isList(req)) throw unsupported();
    switch (req.method) {
      case 'GET':
        return this.readData(key, req.query.get('version'));
      case 'POST':
      case 'PUT':
        return this.writeData(key, req.body);
      case 'PATCH':
        return this.patchData(key, req.body);
      case 'DELETE':
        return this.deleteLatest(key);
      default:
        throw unsupported();
    }
  }

  private metadata(key: string, req: VaultRequest): Reply {
    if (isList(req)) return this.list(key);
    switch (req.method) {
      case 'GET':
        return this.readMetadata(key);
      case 'POST':
      case 'PUT':
      case 'PATCH':
        return this.writeMetadata(key, req.body, req.method === 'PATCH');
      case 'DELETE':
        this.mount.entries.delete(key);
        return noContent();
      default:
        throw unsupported();
    }
  }

  private readData(key: string, versionParam: string | null): Reply {
    const entry = this.mount.entries.get(key);
    if (!entry) throw missing();
    const wanted = readInt(versionParam ?? undefined, 'version') || entry.currentVersion;
    const version = entry.versions.get(wanted);
    if (!version) throw missing();
    const metadata = versionMetadata(entry, version);
    if (!isLive(version)) return { status: 404, body: envelope({ data: null, metadata }) };
    return ok({ data: version.data, metadata });
  }

  private writeData(key: string, body: Json): Reply {
    if (key === '') throw new VaultError(400, ['missing path']);
    if (body.data === undefined || body.data === null) throw new VaultError(400, ['no data provided']);
    if (!isObject(body.data)) throw new VaultError(400, ['error converting input for field "data"']);
    const cas = readInt(readOptions(body).cas, 'cas');
    const version = this.backend.write(this.mount, key, body.data, cas);
    return ok(versionMetadata(this.mount.entries.get(key) as VaultKvEntry, version));
  }

  private patchData(key: string, body: Json): Reply {
    const entry = this.mount.entries.get(key);
    const current = entry?.versions.get(entry.currentVersion);
    if (!entry || !current || !isLive(current)) throw missing();
    if (!isObject(body.data)) throw new VaultError(400, ['no data provided']);
    const cas = readInt(readOptions(body).cas, 'cas');
    const merged = mergePatch(current.data ?? {}, body.data);
    const version = this.backend.write(this.mount, key, merged, cas);
    return ok(versionMetadata(entry, version));
  }

  private deleteLatest(key: string): Reply {
    const entry = this.mount.entries.get(key);
    const latest = entry?.versions.get(entry.currentVersion);
    if (latest && isLive(latest)) latest.deletionTime = timestamp();
    return noContent();
  }

  private list(dir: string): Reply {
    const keys = listChildren(this.mount.entries.keys(), dir);
    if (keys.length === 0) throw missing();
    return ok({ keys });
  }

  private readMetadata(key: string): Reply {
    const entry = this.mount.entries.get(key);
    if (!entry) throw missing();
    return ok(metadataBody(entry));
  }

  private writeMetadata(key: string, body: Json, patch: boolean): Reply {
    if (key === '') throw new VaultError(400, ['missing path']);
    let entry = this.mount.entries.get(key);
    if (!entry && patch) throw missing();
    if (!entry) {
      entry = newEntry(this.mount.config);
      this.mount.entries.set(key, entry);
    }
    applyMetadata(entry, body, patch);
    return noContent();
  }

  /** POST delete|undelete|destroy/<path> `{versions: [..]}`. */
  private versions(action: string, key: string, req: VaultRequest): Reply {
    if (req.method !== 'POST' && req.method !== 'PUT') throw unsupported();
    const numbers = Array.isArray(req.body.versions)
      ? req.body.versions.map((item) => readInt(item, 'versions'))
      : [];
    if (numbers.length === 0) throw new VaultError(400, ['no version number provided']);
    const entry = this.mount.entries.get(key);
    for (const number of numbers) {
      const version = number === undefined ? undefined : entry?.versions.get(number);
      if (!version || version.destroyed) continue;
      if (action === 'delete' && version.deletionTime === '') version.deletionTime = timestamp();
      if (action === 'undelete') version.deletionTime = '';
      if (action === 'destroy') {
        version.destroyed = true;
        version.data = null;
      }
    }
    return noContent();
  }

  private config(req: VaultRequest): Reply {
    const config = this.mount.config;
    if (req.method === 'GET') {
      return ok({
        cas_required: config.casRequired,
        delete_version_after: config.deleteVersionAfter,
        max_versions: config.maxVersions,
      });
    }
    if (req.method !== 'POST' && req.method !== 'PUT') throw unsupported();
    const maxVersions = readInt(req.body.max_versions, 'max_versions');
    if (maxVersions !== undefined) config.maxVersions = maxVersions;
    if (typeof req.body.cas_required === 'boolean') config.casRequired = req.body.cas_required;
    if (typeof req.body.delete_version_after === 'string')
      config.deleteVersionAfter = req.body.delete_version_after;
    return noContent();
  }
}

export function isList(req: VaultRequest): boolean {
  if (req.method === 'LIST') return true;
  const list = req.query.get('list');
  return req.method === 'GET' && list !== null && TRUE_VALUES.has(list);
}

/** What a KV v2 mount answers for a v1-style path: 404 with a warning and no data. */
export function invalidPath(method: string): Reply {
  const verb = method === 'GET' ? 'get' : method === 'DELETE' ? 'delete' : 'put';
  const warning =
    'Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. ' +
    `If using the Vault CLI, use 'vault kv ${verb}' for this operation.`;
  return { status: 404, body: envelope(null, [warning]) };
}
