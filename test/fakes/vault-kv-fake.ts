/**
 * A local fake of HashiCorp Vault's KV version 2 secrets engine HTTP API (`/v1/<mount>/data|metadata/...`),
 * so the real `node-vault` client can be pointed at it. Every `X-Vault-Namespace` gets its own set
 * of mounts (created on first use). Tokens are checked like Vault does (see VaultFakeTokens): the
 * root `token` (no expiry unless `rootTokenTtl`), tokens from AppRole logins (`appRoles`), and
 * tokens from `issueToken`; an expired or unknown token gets 403 `permission denied`.
 * Versions (what copy-on-write uses): check-and-set writes answer the new version number,
 * `data/<path>?version=n` reads one (404 with metadata when deleted or destroyed), `delete/`,
 * `undelete/` and `destroy/` act on listed versions, `max_versions` prunes the oldest.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { applyFault, FaultInjector, type FaultOptions, retryAfterHeader } from './fake-faults.js';
import { closeServer, listen } from './fake-http-server.js';
import {
  envelope,
  isObject,
  type Json,
  missing,
  type Reply,
  trimSlashes,
  VaultError,
} from './vault-fake-reply.js';
import { type VaultFakeAppRole, type VaultFakeTokenLifetime, VaultFakeTokens } from './vault-fake-tokens.js';
import { KvRoutes, type VaultRequest } from './vault-kv-routes.js';
import { isLive, type Mount, VaultKvBackend, type VaultKvEntry } from './vault-kv-store.js';

export type { VaultFakeAppRole, VaultFakeTokenLifetime } from './vault-fake-tokens.js';
export type { VaultKvEntry, VaultKvVersion } from './vault-kv-store.js';

/** Options shared by the local fake servers (port 0 = random; `token` is the Vault fake's root token). */
export interface FakeOptions {
  port?: number;
  host?: string;
  delayMs?: number;
  token?: string;
}

/**
 * Vault-only options: the KV v2 mounts every namespace starts with (default `['secret']`), sign-in,
 * and faults by operation (see `vaultOperation`; fake-faults.ts).
 */
export interface VaultKvFakeOptions extends FakeOptions, FaultOptions {
  mounts?: string[];
  /** TTL of the root `token` in seconds (default: it never expires). */
  rootTokenTtl?: number;
  /** AppRoles that `POST /v1/auth/<mount>/login` accepts, with the lifetime of their tokens. */
  appRoles?: VaultFakeAppRole[];
  /** Paths (prefixes after /v1/) that no token but the root one may use: a policy's 403. */
  deniedPaths?: string[];
}

/** What node-vault rejects with when the fake answers non-2xx (its error classes are not exported). */
export interface VaultFailure {
  message: string;
  response: { statusCode: number; body: unknown };
}

/** A running fake; `delayMs` may be changed at any time and is added to every call. */
export interface VaultKvFake {
  readonly url: string;
  readonly port: number;
  /** The root token. */
  readonly token: string;
  delayMs: number;
  /**
   * Injected faults by operation (`vaultOperation`), changeable at run time: throttle answers
   * HTTP 429 (with `Retry-After` when the rule has ms), fail HTTP 500; before the token check, as
   * Vault's rate limit quotas do.
   */
  readonly faults: FaultInjector;
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
  /** Issues a token with a lifetime (seconds; default: no expiry) and returns it. */
  issueToken(lifetime?: VaultFakeTokenLifetime): string;
  /** Revokes every token but the root token (as an operator or a Vault restart would). */
  revokeTokens(): void;
  close(): Promise<void>;
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

function send(res: ServerResponse, reply: Reply, headers: Record<string, string> = {}): void {
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const body = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

const KV_SECTION = /^.+?\/(data|metadata|delete|undelete|destroy|config)(\/|$)/;

/**
 * The fault-injection name of a request: `read` (GET data/), `write` (POST/PUT/PATCH data/),
 * `delete` (DELETE data/ or metadata/, POST delete|undelete|destroy/), `list` (LIST metadata/),
 * `metadata` (GET/POST/PATCH metadata/), `login` (auth/…), `health`, `mounts`, `config`; the mount
 * is taken to be what precedes the first KV section name.
 */
export function vaultOperation(method: string, url: string): string {
  const { pathname, searchParams } = new URL(url, 'http://vault.local');
  const path = trimSlashes(pathname.replace(/^\/v1\//, ''));
  if (path.startsWith('auth/')) return 'login';
  if (path === 'sys/health') return 'health';
  if (path === 'sys/mounts') return 'mounts';
  const section = KV_SECTION.exec(path)?.[1] ?? 'other';
  const listing = method === 'LIST' || (method === 'GET' && searchParams.get('list') !== null);
  if (section === 'data') return method === 'GET' ? 'read' : method === 'DELETE' ? 'delete' : 'write';
  if (section === 'metadata') return listing ? 'list' : method === 'DELETE' ? 'delete' : 'metadata';
  return ['delete', 'undelete', 'destroy'].includes(section) ? 'delete' : section;
}

/** Answers one request, unless an injected fault says otherwise. */
async function serve(
  serving: { faults: FaultInjector; wait: (ms: number) => Promise<void>; answer: () => Reply },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const fault = serving.faults.decide(vaultOperation(req.method ?? 'GET', req.url ?? '/'));
  const outcome = await applyFault(fault, serving.wait);
  if (outcome === 'hang') return; // no answer; the client's timeout or close() ends it
  if (outcome === 'throttle') {
    const errors = [`request path "${req.url}": rate limit quota exceeded`];
    return send(res, { status: 429, body: { errors } }, retryAfterHeader(fault));
  }
  if (outcome === 'fail') return send(res, { status: 500, body: { errors: ['internal error'] } });
  send(res, serving.answer());
}

/** Routes one request: health needs no token, logins need none either; everything else a live one. */
function route(
  tokens: VaultFakeTokens,
  backend: VaultKvBackend,
  req: IncomingMessage,
  text: string,
  deniedPaths: string[] = [],
): Reply {
  const url = new URL(req.url ?? '/', 'http://vault.local');
  const method = (req.method ?? 'GET').toUpperCase();
  if (!url.pathname.startsWith('/v1/')) throw missing();
  const path = trimSlashes(decodeURIComponent(url.pathname.slice('/v1/'.length)));
  if (path === 'sys/health') return { status: 200, body: healthBody() };
  const body = parseBody(text);
  const auth = tokens.route(method, path, body, requestToken(req));
  if (auth) return auth;
  if (!tokens.valid(requestToken(req))) throw new VaultError(403, ['permission denied']);
  if (requestToken(req) !== tokens.rootToken && deniedPaths.some((denied) => path.startsWith(denied)))
    throw new VaultError(403, ['permission denied']); // the token is good; its policies say no
  const mounts = backend.namespace(String(req.headers['x-vault-namespace'] ?? ''));
  if (path === 'sys/mounts') return { status: 200, body: mountsBody(mounts) };
  const resolved = backend.resolve(mounts, path);
  if (!resolved) throw new VaultError(404, [`no handler for route "${path}". route entry not found.`]);
  const request: VaultRequest = { method, path, query: url.searchParams, body };
  return new KvRoutes(backend, resolved.mount).handle(resolved.rest, request);
}

/**
 * Starts the fake on 127.0.0.1 (port 0 = random; root token `root` unless `token` is given) and
 * resolves once it listens.
 */
export async function startVaultKvFake(options: VaultKvFakeOptions = {}): Promise<VaultKvFake> {
  const tokens = new VaultFakeTokens(options.token ?? 'root', options);
  const backend = new VaultKvBackend((options.mounts ?? ['secret']).map(trimSlashes));
  backend.namespace('');
  const calls: string[] = [];
  const faults = new FaultInjector(options);
  const timers = new Set<NodeJS.Timeout>();

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const server: Server = createServer((req, res) => {
    void (async () => {
      const text = await readBody(req);
      calls.push(`${req.method} ${req.url}`);
      if (fake.delayMs > 0) await wait(fake.delayMs);
      try {
        const answer = () => route(tokens, backend, req, text, options.deniedPaths);
        await serve({ faults, wait, answer }, req, res);
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
    token: tokens.rootToken,
    delayMs: options.delayMs ?? 0,
    faults,
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
    issueToken: (lifetime) => tokens.issue(lifetime),
    revokeTokens: () => tokens.revokeIssued(),
    close: () => closeServer(server, timers),
  };
  return fake;
}
