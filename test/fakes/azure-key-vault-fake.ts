/**
 * A protocol-faithful fake of the Azure Key Vault secrets REST API on plain HTTP (node:http).
 *
 * The real `@azure/keyvault-secrets` `SecretClient` talks to it unchanged (with
 * `allowInsecureConnection` and `disableChallengeResourceVerification`). It reproduces the bearer
 * challenge (naming its Entra ID fake as authority), SecretBundle / SecretItem /
 * DeletedSecretBundle shapes with unix-second timestamps, per-version tags and attributes (every
 * setSecret a new version, GET by version id, the newest answered without one; no call deletes one
 * version, as in Key Vault: what copy-on-write uses),
 * `nextLink` paging with a skip token, soft delete with recover/purge, and Key Vault's error
 * bodies and limits. Callers sign in as Key Vault requires: each request needs an unexpired
 * access token that its Entra ID fake (entra-id-fake.ts) issued for `https://vault.azure.net` in
 * the vault's tenant; `signInFields` holds an app it accepts.
 * Simplifications: deletion completes immediately, backup/restore are not implemented, expiry
 * (`exp`/`nbf`) is stored but not enforced, refused tokens are told apart in the fake's own words.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { badParameter, VaultError } from './azure-fake-error.js';
import { parseJson } from './azure-fake-input.js';
import { type RequestContext, resolveRoute, splitPath } from './azure-fake-routes.js';
import {
  type AzureDeletedSecretState,
  type AzureSecretSeed,
  type AzureSecretState,
  type AzureSecretVersionState,
  type Reply,
  Vault,
} from './azure-fake-vault.js';
import { type EntraIdFake, startEntraIdFake } from './entra-id-fake.js';
import { applyFault, FaultInjector, type FaultOptions, retryAfterHeader } from './fake-faults.js';
import { closeServer, listen } from './fake-http-server.js';

export type {
  AzureDeletedSecretState,
  AzureSecretSeed,
  AzureSecretState,
  AzureSecretVersionState,
} from './azure-fake-vault.js';

/** The resource (token audience) Key Vault announces in its challenge. */
export const KEY_VAULT_RESOURCE = 'https://vault.azure.net';

/** Options shared by all local fakes, how this one signs callers in, faults by operation (fake-faults.ts). */
export interface FakeOptions extends FaultOptions {
  port?: number;
  host?: string;
  delayMs?: number;
  /** The Entra ID fake whose tokens the vault accepts; unset: one is started (and closed) with it. */
  entra?: EntraIdFake;
  /** Lifetime (`expires_in`) of the tokens the started Entra ID fake issues, in seconds (default 3600). */
  tokenLifetimeSeconds?: number;
}

/** How a client signs in to this vault, as the backend options take it. */
export interface AzureFakeCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  authorityHost: string;
}

/** One recorded HTTP request. */
export interface AzureCallRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Whether the request carried a bearer token the vault accepted. */
  authorized: boolean;
  /** Why its bearer token was refused (`missing`, `unknown`, `expired`, `audience`, `tenant`). */
  refusal?: string;
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
  /** The vault's tenant: named in the 401 challenge, and the tenant its tokens must come from; mutable. */
  tenantId: string;
  /** The Entra ID fake that signs callers in. */
  entra: EntraIdFake;
  /** An app the vault accepts (tenant, client, secret) and its authority. */
  credentials: AzureFakeCredentials;
  /** The same as the azure flavor's fields: tenant_id, client_id, client_secret, authority_host. */
  signInFields: Record<'tenant_id' | 'client_id' | 'client_secret' | 'authority_host', string>;
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
   * Injected faults by operation (the names `failNext` takes), changeable at run time: throttle
   * answers HTTP 429 `Throttled` with `Retry-After` (the rule's ms in whole seconds, else 1), fail
   * HTTP 500 `InternalServerError`.
   */
  readonly faults: FaultInjector;
  /**
   * Makes the next authorised call of `operation` (`setSecret`, `getSecret`, `updateSecret`, `deleteSecret`,
   * `getSecrets`, `getSecretVersions`, `getDeletedSecret`, `getDeletedSecrets`, `purgeDeletedSecret`,
   * `recoverDeletedSecret`, or `*` for any) fail with the given HTTP status and Key Vault error code.
   */
  failNext(operation: string, status: number, code: string, message?: string): void;
  /**
   * How long a recovery takes (ms, default 0), as Key Vault recovers asynchronously: meanwhile the
   * secret is not found and setting its name answers 409 Conflict `ObjectIsBeingRecovered`.
   */
  setRecoveryMs(ms: number): void;
  /** Forgets all secrets, deleted secrets and calls. */
  reset(): void;
  close(): Promise<void>;
}
/** What a refused token is told, as Key Vault tells it where known. */
const REFUSALS: Record<string, string> = {
  missing: 'AKV10000: Request is missing a Bearer or PoP token.',
  unknown: 'AKV10022: Invalid token: the token was not issued by a known authority.',
  expired: "[TokenExpired] Error validating token: 'S2S12086'.",
  audience: 'AKV10022: Invalid audience.',
  tenant: 'AKV10032: Invalid issuer.',
};

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
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

/** The 401 Key Vault answers without a good token: the challenge names the tenant's authority and the resource. */
function challenge(res: http.ServerResponse, fake: AzureKeyVaultFake, refusal: string): void {
  send(
    res,
    { status: 401, body: { error: { code: 'Unauthorized', message: REFUSALS[refusal] ?? refusal } } },
    {
      'www-authenticate': `Bearer authorization="${fake.entra.authorityHost}/${fake.tenantId}", resource="${KEY_VAULT_RESOURCE}"`,
    },
  );
}

/** Server-side state behind one fake. */
interface Runtime {
  fake: AzureKeyVaultFake;
  vault: Vault;
  failures: Map<string, VaultError>;
  faults: FaultInjector;
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

const THROTTLED = 'Request was not processed because too many requests were received.';

/**
 * Answers an authenticated request: api-version check, routing, injected failure or fault,
 * operation.
 */
async function execute(
  runtime: Runtime,
  record: AzureCallRecord,
  ctx: RequestContext,
  res: http.ServerResponse,
): Promise<void> {
  if (!ctx.query['api-version'])
    throw badParameter('The api-version query parameter (?api-version=) is required.');
  const operation = resolveRoute(record.method, splitPath(ctx.path));
  record.operation = operation.name;
  const failure = takeFailure(runtime, operation.name);
  if (failure) throw failure;
  const fault = runtime.faults.decide(operation.name);
  const outcome = await applyFault(fault, (ms) => wait(runtime, ms));
  if (outcome === 'hang') return; // no answer; the client's timeout or close() ends it
  if (outcome === 'fail') throw new VaultError(500, 'InternalServerError', 'Internal server error.');
  if (outcome === 'throttle') {
    const reply = { status: 429, body: new VaultError(429, 'Throttled', THROTTLED).body() };
    return send(res, reply, { 'retry-after': '1', ...retryAfterHeader(fault) });
  }
  send(res, operation.run(runtime.vault, ctx));
}

/** Handles one HTTP request: log, delay, token check (else challenge), execute, answer. */
async function handle(runtime: Runtime, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const { fake } = runtime;
  const text = await readBody(req);
  const url = new URL(req.url ?? '/', 'http://vault.local');
  const query = Object.fromEntries(url.searchParams);
  const refusal = fake.entra.refusal(req.headers.authorization, KEY_VAULT_RESOURCE, fake.tenantId);
  const record: AzureCallRecord = {
    method: req.method ?? 'GET',
    path: url.pathname,
    query,
    authorized: !refusal,
  };
  if (refusal && refusal !== 'missing') record.refusal = refusal;
  fake.calls.push(record);
  await wait(runtime, fake.delayMs);
  try {
    record.body = parseJson(text);
    if (refusal) return challenge(res, fake, refusal);
    const base = req.headers.host ? `http://${req.headers.host}` : fake.url;
    await execute(runtime, record, { base, path: url.pathname, query, body: record.body }, res);
  } catch (error) {
    const vaultError =
      error instanceof VaultError ? error : new VaultError(500, 'InternalServerError', String(error));
    send(res, { status: vaultError.status, body: vaultError.body() });
  }
}

/** Sign-in settings of `entra`'s first app, both as backend options and as flavor fields. */
function signInOf(entra: EntraIdFake) {
  const credentials: AzureFakeCredentials = { ...entra.app, authorityHost: entra.authorityHost };
  const signInFields = {
    tenant_id: credentials.tenantId,
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
    authority_host: credentials.authorityHost,
  };
  return { credentials, signInFields };
}

/**
 * Starts the Azure Key Vault fake; port 0 (default) picks a free port. Without `options.entra` it
 * starts an Entra ID fake too (on a free port of the same host), closed with the vault.
 */
export async function startAzureKeyVaultFake(options: FakeOptions = {}): Promise<AzureKeyVaultFake> {
  const host = options.host ?? '127.0.0.1';
  const entra =
    options.entra ?? (await startEntraIdFake({ host, tokenLifetimeSeconds: options.tokenLifetimeSeconds }));
  const vault = new Vault();
  const server = http.createServer();
  const failures = new Map<string, VaultError>();
  const faults = new FaultInjector(options);
  const timers = new Set<NodeJS.Timeout>();
  const fake: AzureKeyVaultFake = {
    url: '',
    port: 0,
    delayMs: options.delayMs ?? 0,
    tenantId: entra.app.tenantId,
    entra,
    ...signInOf(entra),
    secrets: vault.secrets,
    deletedSecrets: vault.deleted,
    calls: [],
    faults,
    put: (name, value, seed) => vault.put(name, value, seed),
    latest: (name) => vault.secrets.get(name.toLowerCase())?.versions.at(-1),
    failNext: (operation, status, code, message) => {
      failures.set(operation, new VaultError(status, code, message ?? `Injected failure of ${operation}.`));
    },
    setRecoveryMs: (ms) => {
      vault.recoveryMs = ms;
    },
    reset: () => {
      vault.secrets.clear();
      vault.deleted.clear();
      vault.recovering.clear();
      failures.clear();
      faults.clear();
      fake.calls.length = 0;
    },
    close: async () => {
      await closeServer(server, timers);
      if (!options.entra) await entra.close();
    },
  };
  const runtime: Runtime = { fake, vault, failures, faults, timers };
  server.on('request', (req, res) => {
    handle(runtime, req, res).catch((error) => res.destroy(error));
  });
  fake.port = await listen(server, options.port ?? 0, host);
  fake.url = `http://${host}:${fake.port}`;
  return fake;
}
