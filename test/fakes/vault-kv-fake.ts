/**
 * A local fake of HashiCorp Vault's KV version 2 secrets engine HTTP API (`/v1/<mount>/data|metadata/...`),
 * so the real `node-vault` client can be pointed at it. One token is accepted; every
 * `X-Vault-Namespace` gets its own set of mounts (created on first use).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listen } from './fake-http-server.js';

/** Options shared by the local fake servers (port 0 = random; `token` is the one token Vault accepts). */
export interface FakeOptions {
  port?: number;
  host?: string;
  delayMs?: number;
  token?: string;
}

/** Vault-only options: the KV v2 mounts every namespace starts with (default `['secret']`). */
export interface VaultKvFakeOptions extends FakeOptions {
  mounts?: string[];
}

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

/** A running fake; `delayMs` may be changed at any time and is added to every call. */
export interface VaultKvFake {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  delayMs: number;
  /** `METHOD /v1/...` of every request, in order. */
  readonly calls: readonly string[];
  /** Data of the latest version when it is live, else undefined. */
  read(mount: string, path: string, namespace?: string): Record<string, unknown> | undefined;
  /** Raw metadata and versions of a key. */
  entry(mount: string, path: string, namespace?: string): VaultKvEntry | undefined;
  /** Writes a new version straight into the state (as another tool would have); returns its number. */
  put(mount: string, path: string, data: Record<string, unknown>, namespace?: string): number;
  /** Every key stored under a mount, sorted. */
  paths(mount: string, namespace?: string): string[];
  /** Enables another KV v2 mount. */
  addMount(mount: string, namespace?: string): void;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

interface MountConfig {
  maxVersions: number;
  casRequired: boolean;
  deleteVersionAfter: string;
}

interface Mount {
  readonly config: MountConfig;
  readonly entries: Map<string, VaultKvEntry>;
}

interface VaultRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: Json;
}

interface Reply {
  status: number;
  body?: unknown;
}

const DEFAULT_MAX_VERSIONS = 10;
const CAS_MISMATCH = 'check-and-set parameter did not match the current version';
const CAS_REQUIRED = 'check-and-set parameter required for this call';
const TRUE_VALUES = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);

/** An error answered as `{"errors": [...]}` with the given status. */
class VaultError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[] = [],
  ) {
    super(errors[0] ?? `status ${status}`);
  }
}

const missing = () => new VaultError(404);
const unsupported = () => new VaultError(405, ['1 error occurred:\n\t* unsupported operation\n\n']);
const timestamp = () => new Date().toISOString();
const trimSlashes = (text: string) => text.replace(/^\/+|\/+$/g, '');

/** The response wrapper Vault puts around every body. */
function envelope(data: unknown, warnings: string[] | null = null): Json {
  return {
    request_id: randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings,
    auth: null,
    mount_type: 'kv',
  };
}

const ok = (data: unknown): Reply => ({ status: 200, body: envelope(data) });
const noContent = (): Reply => ({ status: 204 });

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Vault parses ints leniently: numbers and numeric strings. */
function readInt(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number)) {
    throw new VaultError(400, [`error converting input ${String(value)} for field "${field}"`]);
  }
  return number;
}

function readOptions(body: Json): Json {
  return isObject(body.options) ? body.options : {};
}

function versionMetadata(entry: VaultKvEntry, version: VaultKvVersion): Json {
  return {
    created_time: version.createdTime,
    custom_metadata: entry.customMetadata,
    deletion_time: version.deletionTime,
    destroyed: version.destroyed,
    version: version.version,
  };
}

function isLive(version: VaultKvVersion): boolean {
  return version.deletionTime === '' && !version.destroyed;
}

function checkCas(entry: VaultKvEntry | undefined, cas: number | undefined, required: boolean): void {
  if (cas === undefined) {
    if (required) throw new VaultError(400, [CAS_REQUIRED]);
    return;
  }
  if (cas !== (entry?.currentVersion ?? 0)) throw new VaultError(400, [CAS_MISMATCH]);
}

/** JSON merge patch (RFC 7386): null removes a key, objects merge recursively. */
function mergePatch(target: Json, patch: Json): Json {
  const result: Json = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (isObject(value) && isObject(result[key])) result[key] = mergePatch(result[key] as Json, value);
    else result[key] = value;
  }
  return result;
}

function newEntry(config: MountConfig): VaultKvEntry {
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
function appendVersion(mount: Mount, entry: VaultKvEntry, data: Json): VaultKvVersion {
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

function metadataBody(entry: VaultKvEntry): Json {
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

/** State of all namespaces and the KV v2 operations, independent of HTTP. */
class VaultKvBackend {
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

/** The KV v2 routes below one mount: data/, metadata/, delete/, undelete/, destroy/, config. */
class KvRoutes {
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

function isList(req: VaultRequest): boolean {
  if (req.method === 'LIST') return true;
  const list = req.query.get('list');
  return req.method === 'GET' && list !== null && TRUE_VALUES.has(list);
}

/** What a KV v2 mount answers for a v1-style path: 404 with a warning and no data. */
function invalidPath(method: string): Reply {
  const verb = method === 'GET' ? 'get' : method === 'DELETE' ? 'delete' : 'put';
  const warning =
    'Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. ' +
    `If using the Vault CLI, use 'vault kv ${verb}' for this operation.`;
  return { status: 404, body: envelope(null, [warning]) };
}

function healthBody(): Json {
  return {
    initialized: true,
    sealed: false,
    standby: false,
    performance_standby: false,
    replication_performance_mode: 'disabled',
    replication_dr_mode: 'disabled',
    server_time_utc: Math.floor(Date.now() / 1000),
    version: '1.15.0+fake',
    cluster_name: 'vault-kv-fake',
  };
}

function mountsBody(mounts: Map<string, Mount>): Json {
  const described = Object.fromEntries(
    [...mounts.keys()].map((name) => [
      `${name}/`,
      { type: 'kv', options: { version: '2' }, description: '', local: false, seal_wrap: false },
    ]),
  );
  return { ...described, ...envelope(described) };
}

function requestToken(req: IncomingMessage): string | undefined {
  const header = req.headers['x-vault-token'];
  if (typeof header === 'string') return header;
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  return bearer?.[1];
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string): Json {
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isObject(parsed)) throw new Error('body must be a JSON object');
    return parsed;
  } catch (error) {
    throw new VaultError(400, [`failed to parse JSON input: ${(error as Error).message}`]);
  }
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.body === undefined) {
    res.writeHead(reply.status);
    res.end();
    return;
  }
  const body = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Starts the fake on 127.0.0.1 (port 0 = random; default token `root`) and resolves once it listens. */
export async function startVaultKvFake(options: VaultKvFakeOptions = {}): Promise<VaultKvFake> {
  const token = options.token ?? 'root';
  const backend = new VaultKvBackend((options.mounts ?? ['secret']).map(trimSlashes));
  backend.namespace('');
  const calls: string[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const route = (req: IncomingMessage, text: string): Reply => {
    const url = new URL(req.url ?? '/', 'http://vault.local');
    const method = (req.method ?? 'GET').toUpperCase();
    if (!url.pathname.startsWith('/v1/')) throw missing();
    const path = trimSlashes(decodeURIComponent(url.pathname.slice('/v1/'.length)));
    if (path === 'sys/health') return { status: 200, body: healthBody() };
    if (requestToken(req) !== token) throw new VaultError(403, ['permission denied']);
    const namespace = String(req.headers['x-vault-namespace'] ?? '');
    const mounts = backend.namespace(namespace);
    if (path === 'auth/token/lookup-self')
      return ok({ id: token, policies: ['root'], ttl: 0, type: 'service' });
    if (path === 'sys/mounts') return { status: 200, body: mountsBody(mounts) };
    const resolved = backend.resolve(mounts, path);
    if (!resolved) throw new VaultError(404, [`no handler for route "${path}". route entry not found.`]);
    const request: VaultRequest = { method, path, query: url.searchParams, body: parseBody(text) };
    return new KvRoutes(backend, resolved.mount).handle(resolved.rest, request);
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const text = await readBody(req);
      calls.push(`${req.method} ${req.url}`);
      if (fake.delayMs > 0) await wait(fake.delayMs);
      try {
        send(res, route(req, text));
      } catch (error) {
        const failure = error instanceof VaultError ? error : new VaultError(500, [String(error)]);
        send(res, { status: failure.status, body: { errors: failure.errors } });
      }
    })().catch(() => res.destroy());
  });

  const port = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');

  const fake: VaultKvFake = {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    token,
    delayMs: options.delayMs ?? 0,
    calls,
    read(mount, path, namespace) {
      const entry = backend.mount(mount, namespace).entries.get(path);
      const latest = entry?.versions.get(entry.currentVersion);
      return latest && isLive(latest) && latest.data ? structuredClone(latest.data) : undefined;
    },
    entry: (mount, path, namespace) => backend.mount(mount, namespace).entries.get(path),
    put: (mount, path, data, namespace) => backend.write(backend.mount(mount, namespace), path, data).version,
    paths: (mount, namespace) => [...backend.mount(mount, namespace).entries.keys()].sort(),
    addMount: (mount, namespace) => backend.addMount(mount, namespace),
    close: () => closeServer(server, timers),
  };
  return fake;
}
