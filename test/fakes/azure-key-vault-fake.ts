/**
 * A protocol-faithful fake of the Azure Key Vault secrets REST API on plain HTTP (node:http).
 *
 * The real `@azure/keyvault-secrets` `SecretClient` talks to it unchanged (with
 * `allowInsecureConnection` and `disableChallengeResourceVerification`). It reproduces the bearer
 * challenge, SecretBundle / SecretItem / DeletedSecretBundle shapes with unix-second timestamps,
 * per-version tags and attributes, `nextLink` paging with a skip token, soft delete with
 * recover/purge, and Key Vault's error bodies and limits.
 * Simplifications: deletion completes immediately, any bearer token is accepted, backup/restore
 * are not implemented, expiry (`exp`/`nbf`) is stored but not enforced.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { closeServer, listen } from './fake-http-server.js';

/** Options shared by all local fakes. */
export interface FakeOptions {
  port?: number;
  host?: string;
  delayMs?: number;
}

/** One version of a secret; Key Vault keeps tags, content type and attributes per version. */
export interface AzureSecretVersionState {
  /** 32 lowercase hex characters. */
  version: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  enabled: boolean;
  /** Unix seconds. */
  notBefore?: number;
  expires?: number;
  created: number;
  updated: number;
}

/** A secret and its versions (oldest first). */
export interface AzureSecretState {
  /** Name with the casing it was created with (lookups are case-insensitive). */
  name: string;
  versions: AzureSecretVersionState[];
}

/** A soft-deleted secret awaiting recovery or purge. */
export interface AzureDeletedSecretState extends AzureSecretState {
  deletedDate: number;
  scheduledPurgeDate: number;
}

/** Optional properties for {@link AzureKeyVaultFake.put}. */
export interface AzureSecretSeed {
  contentType?: string;
  tags?: Record<string, string>;
  enabled?: boolean;
}

/** One recorded HTTP request. */
export interface AzureCallRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  authorized: boolean;
  /** REST operation name (e.g. `setSecret`, `getSecrets`) once the request is authorised and routed. */
  operation?: string;
  body?: unknown;
}

/** A running Azure Key Vault fake. */
export interface AzureKeyVaultFake {
  /** Vault URL, `http://host:port`. */
  url: string;
  port: number;
  /** Added to every request; mutable. */
  delayMs: number;
  /** Tenant announced in the 401 challenge; mutable. */
  tenantId: string;
  /** Live secrets keyed by lower-cased name. */
  secrets: Map<string, AzureSecretState>;
  /** Soft-deleted secrets keyed by lower-cased name. */
  deletedSecrets: Map<string, AzureDeletedSecretState>;
  /** Every request received, in order (including the unauthenticated challenge requests). */
  calls: AzureCallRecord[];
  /** Writes a new version straight into the state (no validation), creating the secret if needed. */
  put(name: string, value: string, seed?: AzureSecretSeed): AzureSecretVersionState;
  /** Latest version of a live secret, or undefined. */
  latest(name: string): AzureSecretVersionState | undefined;
  /**
   * Makes the next authorised call of `operation` (`setSecret`, `getSecret`, `updateSecret`, `deleteSecret`,
   * `getSecrets`, `getSecretVersions`, `getDeletedSecret`, `getDeletedSecrets`, `purgeDeletedSecret`,
   * `recoverDeletedSecret`, or `*` for any) fail with the given HTTP status and Key Vault error code.
   */
  failNext(operation: string, status: number, code: string, message?: string): void;
  /** Forgets all secrets, deleted secrets and calls. */
  reset(): void;
  close(): Promise<void>;
}

const NAME = /^[0-9a-zA-Z-]{1,127}$/;
const MAX_VALUE_BYTES = 25 * 1024;
const MAX_TAGS = 15;
const MAX_TAG_KEY = 512;
const MAX_TAG_VALUE = 256;
const MAX_CONTENT_TYPE = 255;
const MAX_PAGE = 25;
const RECOVERABLE_DAYS = 90;
const RECOVERY_LEVEL = 'Recoverable+Purgeable';

// ---------------------------------------------------------------------------------------------
// Errors and helpers
// ---------------------------------------------------------------------------------------------

/** An HTTP error answered with Key Vault's `{"error":{code,message,innererror?}}` body. */
class VaultError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly innerCode?: string,
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    const error: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.innerCode) error.innererror = { code: this.innerCode };
    return { error };
  }
}

const badParameter = (message: string) => new VaultError(400, 'BadParameter', message);

const secretNotFound = (name: string) =>
  new VaultError(
    404,
    'SecretNotFound',
    `A secret with (name/id) ${name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command.`,
  );

const deletedNotFound = (name: string) =>
  new VaultError(404, 'SecretNotFound', `Deleted Secret not found: ${name}`);

const nowSeconds = () => Math.floor(Date.now() / 1000);

const newVersionId = () => randomBytes(16).toString('hex');

function checkName(name: string): string {
  if (!NAME.test(name)) throw badParameter(`The request URI contains an invalid name: ${name}`);
  return name;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Request body validation
// ---------------------------------------------------------------------------------------------

interface AttributesInput {
  enabled?: boolean;
  nbf?: number;
  exp?: number;
}

interface SecretInput {
  value?: string;
  contentType?: string;
  tags?: Record<string, string>;
  attributes?: AttributesInput;
}

function checkTags(tags: unknown): Record<string, string> | undefined {
  if (tags === undefined || tags === null) return undefined;
  if (!isRecord(tags)) throw badParameter('Tags must be a JSON object of strings.');
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) throw badParameter(`The number of tags exceeds the limit of ${MAX_TAGS}.`);
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw badParameter(`Tag ${key} must have a string value.`);
    if (key.length > MAX_TAG_KEY) throw badParameter(`Tag name ${key} exceeds ${MAX_TAG_KEY} characters.`);
    if (value.length > MAX_TAG_VALUE)
      throw badParameter(`Tag value of ${key} exceeds ${MAX_TAG_VALUE} characters.`);
  }
  return { ...(tags as Record<string, string>) };
}

function checkAttributes(attributes: unknown): AttributesInput {
  if (attributes === undefined || attributes === null) return {};
  if (!isRecord(attributes)) throw badParameter('attributes must be a JSON object.');
  const { enabled, nbf, exp } = attributes;
  if (enabled !== undefined && typeof enabled !== 'boolean')
    throw badParameter('attributes.enabled must be a boolean.');
  for (const [key, n] of [
    ['nbf', nbf],
    ['exp', exp],
  ] as const) {
    if (n !== undefined && n !== null && !Number.isInteger(n))
      throw badParameter(`attributes.${key} must be unix seconds.`);
  }
  return {
    enabled,
    nbf: (nbf ?? undefined) as number | undefined,
    exp: (exp ?? undefined) as number | undefined,
  };
}

function checkContentType(contentType: unknown): string | undefined {
  if (contentType === undefined || contentType === null) return undefined;
  if (typeof contentType !== 'string' || contentType.length > MAX_CONTENT_TYPE) {
    throw badParameter(`contentType must be a string of at most ${MAX_CONTENT_TYPE} characters.`);
  }
  return contentType;
}

function parseSecretInput(body: unknown, requireValue: boolean): SecretInput {
  if (!isRecord(body)) throw badParameter('The request body must be a JSON object.');
  if (requireValue && typeof body.value !== 'string') throw badParameter('The parameter value is required.');
  if (typeof body.value === 'string' && Buffer.byteLength(body.value) > MAX_VALUE_BYTES) {
    throw badParameter(`The secret value exceeds the maximum size of ${MAX_VALUE_BYTES} bytes.`);
  }
  return {
    value: body.value as string | undefined,
    contentType: checkContentType(body.contentType),
    tags: checkTags(body.tags),
    attributes: checkAttributes(body.attributes),
  };
}

// ---------------------------------------------------------------------------------------------
// Response shapes
// ---------------------------------------------------------------------------------------------

function attributesOf(v: AzureSecretVersionState): Record<string, unknown> {
  return {
    enabled: v.enabled,
    nbf: v.notBefore,
    exp: v.expires,
    created: v.created,
    updated: v.updated,
    recoveryLevel: RECOVERY_LEVEL,
    recoverableDays: RECOVERABLE_DAYS,
  };
}

/** SecretItem (no value); `withVersion` for version listings. */
function itemOf(base: string, secret: AzureSecretState, v: AzureSecretVersionState, withVersion: boolean) {
  return {
    id: `${base}/secrets/${secret.name}${withVersion ? `/${v.version}` : ''}`,
    attributes: attributesOf(v),
    tags: v.tags,
    contentType: v.contentType,
  };
}

function bundleOf(base: string, secret: AzureSecretState, v: AzureSecretVersionState, withValue: boolean) {
  return { value: withValue ? v.value : undefined, ...itemOf(base, secret, v, true) };
}

function deletedFields(base: string, secret: AzureDeletedSecretState) {
  return {
    recoveryId: `${base}/deletedsecrets/${secret.name}`,
    deletedDate: secret.deletedDate,
    scheduledPurgeDate: secret.scheduledPurgeDate,
  };
}

// ---------------------------------------------------------------------------------------------
// Paging with nextLink / $skiptoken
// ---------------------------------------------------------------------------------------------

interface PageRequest {
  base: string;
  path: string;
  query: Record<string, string>;
}

function pageSizeOf(query: Record<string, string>): number {
  if (query.maxresults === undefined) return MAX_PAGE;
  const n = Number(query.maxresults);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) {
    throw badParameter(
      `Invalid value for maxresults: ${query.maxresults}. It must be between 1 and ${MAX_PAGE}.`,
    );
  }
  return n;
}

function decodeSkipToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString()) as { NextMarker?: unknown };
    if (typeof decoded.NextMarker === 'string') return decoded.NextMarker;
  } catch {
    // fall through
  }
  throw badParameter('The $skiptoken is invalid.');
}

/** Returns `{value, nextLink}` for items already sorted by `keyOf`. */
function page<T>(items: T[], keyOf: (item: T) => string, toItem: (item: T) => unknown, req: PageRequest) {
  const size = pageSizeOf(req.query);
  const after = decodeSkipToken(req.query.$skiptoken);
  const from = after === undefined ? 0 : items.findIndex((item) => keyOf(item) > after);
  const start = from === -1 ? items.length : from;
  const slice = items.slice(start, start + size);
  let nextLink: string | null = null;
  if (start + size < items.length) {
    const token = Buffer.from(JSON.stringify({ NextMarker: keyOf(slice[slice.length - 1]) })).toString(
      'base64url',
    );
    const params = new URLSearchParams({ 'api-version': req.query['api-version'], $skiptoken: token });
    if (req.query.maxresults !== undefined) params.set('maxresults', req.query.maxresults);
    nextLink = `${req.base}${req.path}?${params.toString()}`;
  }
  return { value: slice.map(toItem), nextLink };
}

// ---------------------------------------------------------------------------------------------
// The vault state and operations
// ---------------------------------------------------------------------------------------------

type Reply = { status: number; body?: unknown };

class Vault {
  readonly secrets = new Map<string, AzureSecretState>();
  readonly deleted = new Map<string, AzureDeletedSecretState>();

  put(name: string, value: string, seed: AzureSecretSeed = {}): AzureSecretVersionState {
    const key = name.toLowerCase();
    const secret = this.secrets.get(key) ?? { name, versions: [] };
    const now = nowSeconds();
    const version: AzureSecretVersionState = {
      version: newVersionId(),
      value,
      contentType: seed.contentType,
      tags: seed.tags ? { ...seed.tags } : undefined,
      enabled: seed.enabled ?? true,
      created: now,
      updated: now,
    };
    secret.versions.push(version);
    this.secrets.set(key, secret);
    return version;
  }

  private live(name: string): AzureSecretState {
    const secret = this.secrets.get(checkName(name).toLowerCase());
    if (!secret) throw secretNotFound(name);
    return secret;
  }

  private versionOf(name: string, version: string): { secret: AzureSecretState; v: AzureSecretVersionState } {
    const secret = this.live(name);
    const v = version
      ? secret.versions.find((x) => x.version === version.toLowerCase())
      : secret.versions.at(-1);
    if (!v) throw secretNotFound(`${name}/${version}`);
    return { secret, v };
  }

  setSecret(base: string, name: string, body: unknown): Reply {
    checkName(name);
    const key = name.toLowerCase();
    if (this.deleted.has(key)) {
      throw new VaultError(
        409,
        'Conflict',
        `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
        'ObjectIsDeletedButRecoverable',
      );
    }
    const input = parseSecretInput(body, true);
    const v = this.put(name, input.value as string, {
      contentType: input.contentType,
      tags: input.tags,
      enabled: input.attributes?.enabled,
    });
    v.notBefore = input.attributes?.nbf;
    v.expires = input.attributes?.exp;
    return { status: 200, body: bundleOf(base, this.secrets.get(key)!, v, true) };
  }

  getSecret(base: string, name: string, version: string): Reply {
    const { secret, v } = this.versionOf(name, version);
    if (!v.enabled) {
      throw new VaultError(
        403,
        'Forbidden',
        'Operation get is not allowed on a disabled secret.',
        'SecretDisabled',
      );
    }
    return { status: 200, body: bundleOf(base, secret, v, true) };
  }

  updateSecret(base: string, name: string, version: string, body: unknown): Reply {
    const { secret, v } = this.versionOf(name, version);
    const input = parseSecretInput(body, false);
    if (isRecord(body) && 'contentType' in body) v.contentType = input.contentType;
    if (isRecord(body) && 'tags' in body) v.tags = input.tags;
    const attrs = input.attributes ?? {};
    if (attrs.enabled !== undefined) v.enabled = attrs.enabled;
    if (attrs.nbf !== undefined) v.notBefore = attrs.nbf;
    if (attrs.exp !== undefined) v.expires = attrs.exp;
    v.updated = nowSeconds();
    return { status: 200, body: bundleOf(base, secret, v, false) };
  }

  deleteSecret(base: string, name: string): Reply {
    const secret = this.live(name);
    const now = nowSeconds();
    const deleted: AzureDeletedSecretState = {
      ...secret,
      deletedDate: now,
      scheduledPurgeDate: now + RECOVERABLE_DAYS * 86_400,
    };
    this.secrets.delete(name.toLowerCase());
    this.deleted.set(name.toLowerCase(), deleted);
    return { status: 200, body: this.deletedBundle(base, deleted) };
  }

  private deletedBundle(base: string, secret: AzureDeletedSecretState) {
    return { ...deletedFields(base, secret), ...bundleOf(base, secret, secret.versions.at(-1)!, false) };
  }

  private deletedOne(name: string): AzureDeletedSecretState {
    const secret = this.deleted.get(checkName(name).toLowerCase());
    if (!secret) throw deletedNotFound(name);
    return secret;
  }

  getDeleted(base: string, name: string): Reply {
    return { status: 200, body: this.deletedBundle(base, this.deletedOne(name)) };
  }

  purge(name: string): Reply {
    this.deleted.delete(this.deletedOne(name).name.toLowerCase());
    return { status: 204 };
  }

  recover(base: string, name: string): Reply {
    const { deletedDate: _d, scheduledPurgeDate: _s, ...secret } = this.deletedOne(name);
    this.deleted.delete(name.toLowerCase());
    this.secrets.set(name.toLowerCase(), secret);
    return { status: 200, body: bundleOf(base, secret, secret.versions.at(-1)!, false) };
  }

  list(req: PageRequest): Reply {
    const sorted = sortByKey([...this.secrets.entries()]);
    const body = page(
      sorted,
      ([key]) => key,
      ([, s]) => itemOf(req.base, s, s.versions.at(-1)!, false),
      req,
    );
    return { status: 200, body };
  }

  listDeleted(req: PageRequest): Reply {
    const sorted = sortByKey([...this.deleted.entries()]);
    const toItem = ([, s]: [string, AzureDeletedSecretState]) => ({
      ...deletedFields(req.base, s),
      ...itemOf(req.base, s, s.versions.at(-1)!, false),
    });
    return { status: 200, body: page(sorted, ([key]) => key, toItem, req) };
  }

  listVersions(req: PageRequest, name: string): Reply {
    const secret = this.live(name);
    const indexed = secret.versions.map((v, i) => ({ v, key: String(i).padStart(8, '0') }));
    const body = page(
      indexed,
      (x) => x.key,
      (x) => itemOf(req.base, secret, x.v, true),
      req,
    );
    return { status: 200, body };
  }
}

function sortByKey<T>(entries: Array<[string, T]>): Array<[string, T]> {
  return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------------------------

/** What an operation sees of its request. */
interface RequestContext extends PageRequest {
  body: unknown;
}

/** A resolved REST operation, named as in the Key Vault REST reference. */
interface Operation {
  name: string;
  run: (vault: Vault, ctx: RequestContext) => Reply;
}

const methodNotAllowed = () =>
  new VaultError(405, 'MethodNotAllowed', 'The requested method is not allowed.');

function secretsRoute(method: string, name?: string, third?: string, fourth?: string): Operation {
  if (name === undefined) {
    if (method === 'GET') return { name: 'getSecrets', run: (v, c) => v.list(c) };
  } else if (third === 'versions' && fourth === undefined) {
    if (method === 'GET') return { name: 'getSecretVersions', run: (v, c) => v.listVersions(c, name) };
  } else if (third === undefined && method === 'PUT') {
    return { name: 'setSecret', run: (v, c) => v.setSecret(c.base, name, c.body) };
  } else if (third === undefined && method === 'DELETE') {
    return { name: 'deleteSecret', run: (v, c) => v.deleteSecret(c.base, name) };
  } else if (fourth === undefined && method === 'GET') {
    return { name: 'getSecret', run: (v, c) => v.getSecret(c.base, name, third ?? '') };
  } else if (fourth === undefined && method === 'PATCH') {
    return { name: 'updateSecret', run: (v, c) => v.updateSecret(c.base, name, third ?? '', c.body) };
  }
  throw methodNotAllowed();
}

function deletedSecretsRoute(method: string, name?: string, third?: string): Operation {
  if (name === undefined) {
    if (method === 'GET') return { name: 'getDeletedSecrets', run: (v, c) => v.listDeleted(c) };
  } else if (third === 'recover' && method === 'POST') {
    return { name: 'recoverDeletedSecret', run: (v, c) => v.recover(c.base, name) };
  } else if (third === undefined && method === 'GET') {
    return { name: 'getDeletedSecret', run: (v, c) => v.getDeleted(c.base, name) };
  } else if (third === undefined && method === 'DELETE') {
    return { name: 'purgeDeletedSecret', run: (v) => v.purge(name) };
  }
  throw methodNotAllowed();
}

/** Maps method and path segments to an operation. */
function resolveRoute(method: string, segments: string[]): Operation {
  const [collection, name, third, fourth] = segments;
  if (collection === 'secrets') return secretsRoute(method, name, third, fourth);
  if (collection === 'deletedsecrets' && fourth === undefined)
    return deletedSecretsRoute(method, name, third);
  throw new VaultError(404, 'NotFound', `No such resource: /${segments.join('/')}`);
}

/** Splits `/secrets/name/` into `['secrets', 'name', '']`, keeping an explicit empty version. */
function splitPath(pathname: string): string[] {
  const parts = pathname.split('/').slice(1).map(decodeURIComponent);
  if (parts.length === 1 && parts[0] === '') return [];
  if (parts.length === 2 && parts[1] === '') return [parts[0]];
  return parts;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw badParameter('The request body is not valid JSON.');
  }
}

function send(res: http.ServerResponse, reply: Reply, headers: Record<string, string> = {}): void {
  const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...headers,
    ...(payload ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    'x-ms-request-id': randomBytes(16).toString('hex'),
  });
  res.end(payload);
}

function challenge(res: http.ServerResponse, tenantId: string): void {
  send(
    res,
    {
      status: 401,
      body: {
        error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' },
      },
    },
    {
      'www-authenticate': `Bearer authorization="https://login.microsoftonline.com/${tenantId}", resource="https://vault.azure.net"`,
    },
  );
}

/** Server-side state behind one fake. */
interface Runtime {
  fake: AzureKeyVaultFake;
  vault: Vault;
  failures: Map<string, VaultError>;
  timers: Set<NodeJS.Timeout>;
}

function wait(runtime: Runtime, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      runtime.timers.delete(timer);
      resolve();
    }, ms);
    runtime.timers.add(timer);
  });
}

function takeFailure(runtime: Runtime, operation: string): VaultError | undefined {
  const key = runtime.failures.has(operation) ? operation : '*';
  const failure = runtime.failures.get(key);
  runtime.failures.delete(key);
  return failure;
}

/** Runs an authenticated request: api-version check, routing, injected failure, operation. */
function execute(runtime: Runtime, record: AzureCallRecord, ctx: RequestContext): Reply {
  if (!ctx.query['api-version'])
    throw badParameter('The api-version query parameter (?api-version=) is required.');
  const operation = resolveRoute(record.method, splitPath(ctx.path));
  record.operation = operation.name;
  const failure = takeFailure(runtime, operation.name);
  if (failure) throw failure;
  return operation.run(runtime.vault, ctx);
}

/** Handles one HTTP request: log, delay, challenge, execute, answer. */
async function handle(runtime: Runtime, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const { fake } = runtime;
  const text = await readBody(req);
  const url = new URL(req.url ?? '/', 'http://vault.local');
  const query = Object.fromEntries(url.searchParams);
  const authorized = /^Bearer \S+/i.test(req.headers.authorization ?? '');
  const record: AzureCallRecord = { method: req.method ?? 'GET', path: url.pathname, query, authorized };
  fake.calls.push(record);
  await wait(runtime, fake.delayMs);
  try {
    record.body = parseJson(text);
    if (!authorized) return challenge(res, fake.tenantId);
    const base = req.headers.host ? `http://${req.headers.host}` : fake.url;
    send(res, execute(runtime, record, { base, path: url.pathname, query, body: record.body }));
  } catch (error) {
    const vaultError =
      error instanceof VaultError ? error : new VaultError(500, 'InternalServerError', String(error));
    send(res, { status: vaultError.status, body: vaultError.body() });
  }
}

/** Starts the Azure Key Vault fake; port 0 (default) picks a free port. */
export async function startAzureKeyVaultFake(options: FakeOptions = {}): Promise<AzureKeyVaultFake> {
  const host = options.host ?? '127.0.0.1';
  const vault = new Vault();
  const server = http.createServer();
  const failures = new Map<string, VaultError>();
  const timers = new Set<NodeJS.Timeout>();
  const fake: AzureKeyVaultFake = {
    url: '',
    port: 0,
    delayMs: options.delayMs ?? 0,
    tenantId: '00000000-0000-0000-0000-000000000000',
    secrets: vault.secrets,
    deletedSecrets: vault.deleted,
    calls: [],
    put: (name, value, seed) => vault.put(name, value, seed),
    latest: (name) => vault.secrets.get(name.toLowerCase())?.versions.at(-1),
    failNext: (operation, status, code, message) => {
      failures.set(operation, new VaultError(status, code, message ?? `Injected failure of ${operation}.`));
    },
    reset: () => {
      vault.secrets.clear();
      vault.deleted.clear();
      failures.clear();
      fake.calls.length = 0;
    },
    close: () => closeServer(server, timers),
  };
  const runtime: Runtime = { fake, vault, failures, timers };
  server.on('request', (req, res) => {
    handle(runtime, req, res).catch((error) => res.destroy(error));
  });
  fake.port = await listen(server, options.port ?? 0, host);
  fake.url = `http://${host}:${fake.port}`;
  return fake;
}
