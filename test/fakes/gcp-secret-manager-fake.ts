/**
 * A protocol-faithful fake of GCP Secret Manager (v1) served over gRPC on 127.0.0.1.
 *
 * The real `@google-cloud/secret-manager` client talks to it unchanged. The service definition is
 * loaded from the protos that the npm package ships, so requests and responses are encoded exactly
 * as on the wire to Google. Without `auth` it serves plain text and asks for no credentials (for
 * the client's `insecure` mode); with `auth` it serves TLS with the test certificate and signs
 * callers in as Google does (gcp-fake-oauth.ts): each call needs an unexpired access token that
 * its token endpoint issued for a service-account key it knows.
 *
 * Behaviour follows the public API reference: resource names, NOT_FOUND / ALREADY_EXISTS /
 * INVALID_ARGUMENT / FAILED_PRECONDITION statuses, label rules, payload limit, version numbering
 * with the `latest` alias (the newest version, whatever its state, as Google's), AddSecretVersion /
 * AccessSecretVersion by number or alias / Disable-, Enable-, DestroySecretVersion (what
 * copy-on-write uses), paging with opaque page tokens, and AIP-160 style list filters.
 * Known simplifications: project ids are echoed as given (Google answers with project numbers),
 * list results are sorted by name, IAM methods answer UNIMPLEMENTED.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { type Fault, FaultInjector, type FaultOptions } from './fake-faults.js';
import { FakeGoogleSignIn, type IssuedToken } from './gcp-fake-oauth.js';
import type { GcpSecretSeed, GcpSecretState } from './gcp-fake-secrets.js';
import { SecretStore } from './gcp-fake-store.js';
import { startTokenEndpoint, type TokenEndpoint } from './gcp-fake-token-endpoint.js';
import {
  type AddVersionRequest,
  type CreateSecretRequest,
  type ListRequest,
  type NameRequest,
  RpcError,
  type UpdateSecretRequest,
} from './gcp-fake-wire.js';
import { testCertificate } from './test-tls.js';

export { newServiceAccountKey, type TestServiceAccountKey } from './gcp-fake-oauth.js';
export type { GcpSecretSeed, GcpSecretState, GcpSecretVersionState } from './gcp-fake-secrets.js';
export { crc32c, timestampToDate } from './gcp-fake-wire.js';

/** Options shared by all local fakes, how this one signs callers in, and faults by RPC name (fake-faults.ts). */
export interface FakeOptions extends FaultOptions {
  port?: number;
  host?: string;
  delayMs?: number;
  /** Serve TLS and require Google sign-in; unset: plain text, no credentials asked. */
  auth?: { tokenLifetimeSeconds?: number };
}

/** One recorded RPC. */
export interface GcpCallRecord {
  method: string;
  request: unknown;
}

/** Google sign-in of a fake started with `auth`. */
export interface GcpFakeAuth {
  /** The token endpoint (`https://…/token`): the token_uri of the keys made by createKey. */
  tokenUri: string;
  /** PEM of the certificate both endpoints serve: the `ca_cert` a client must trust. */
  caCert: string;
  /** Lifetime (`expires_in`) of the access tokens issued next; mutable. */
  tokenLifetimeSeconds: number;
  /** Every access token issued, oldest first. */
  issued: IssuedToken[];
  /** A new service-account key for `email` that the token endpoint accepts: the key file's JSON. */
  createKey(email?: string): string;
  /** Makes the token endpoint accept keys of `email` whose public half is `publicKey` (PEM). */
  trust(email: string, publicKey: string): void;
}

/** A running GCP Secret Manager fake. */
export interface GcpSecretManagerFake {
  /** `host:port` for `apiEndpoint`/`port` client options. */
  endpoint: string;
  port: number;
  /** Set when started with `auth`. */
  auth?: GcpFakeAuth;
  /** Added to every call; mutable. */
  delayMs: number;
  /** Page size used when a list request leaves `pageSize` at 0 (the server decides); mutable. */
  defaultPageSize: number;
  /** Raw state keyed by full secret name. */
  secrets: Map<string, GcpSecretState>;
  /** Every RPC received, in order (request as decoded by the server). */
  calls: GcpCallRecord[];
  /** Writes a secret straight into the state (only the name format is checked), replacing one of the same name. */
  put(name: string, seed?: GcpSecretSeed): GcpSecretState;
  /** Payload of the latest version of `name` as UTF-8, or undefined. */
  latestValue(name: string): string | undefined;
  /**
   * Injected faults by RPC name (`AddSecretVersion`, `AccessSecretVersion`, `DeleteSecret` …),
   * changeable at run time: throttle answers RESOURCE_EXHAUSTED, fail UNAVAILABLE.
   */
  readonly faults: FaultInjector;
  /** Makes the next call of RPC `method` (e.g. `AccessSecretVersion`, or `*` for any) fail with `code`. */
  failNext(method: string, code: grpc.status, message?: string): void;
  /** Forgets all secrets and calls. */
  reset(): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// gRPC wiring
// ---------------------------------------------------------------------------------------------

function protoPaths(): { file: string; includeDirs: string[] } {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve('@google-cloud/secret-manager/package.json');
  const pkgDir = path.dirname(pkgJson);
  const gaxEntry = createRequire(pkgJson).resolve('google-gax');
  const gaxProtos = path.join(gaxEntry, '..', '..', 'protos');
  return {
    file: 'google/cloud/secretmanager/v1/service.proto',
    includeDirs: [path.join(pkgDir, 'build', 'protos'), gaxProtos],
  };
}

function loadService(): grpc.ServiceDefinition {
  const { file, includeDirs } = protoPaths();
  const definition = protoLoader.loadSync(file, {
    includeDirs,
    keepCase: false,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: false,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    google: {
      cloud: { secretmanager: { v1: { SecretManagerService: { service: grpc.ServiceDefinition } } } };
    };
  };
  return loaded.google.cloud.secretmanager.v1.SecretManagerService.service;
}

let cachedService: grpc.ServiceDefinition | undefined;

type Handler = (request: never) => Record<string, unknown>;

/** Per-server plumbing shared by all handlers. */
interface Runtime {
  store: SecretStore;
  calls: GcpCallRecord[];
  failures: Map<string, RpcError>;
  faults: FaultInjector;
  timers: Set<NodeJS.Timeout>;
  delay: () => number;
  /** Set with `auth`: checks each call's bearer token. */
  signIn?: FakeGoogleSignIn;
}

function takeFailure(runtime: Runtime, method: string): RpcError | undefined {
  const key = runtime.failures.has(method) ? method : '*';
  const failure = runtime.failures.get(key);
  runtime.failures.delete(key);
  return failure;
}

/** Runs a handler after the checks the service makes first: sign-in, then any injected failure or fault. */
function runHandler(
  runtime: Runtime,
  method: string,
  handler: Handler,
  call: grpc.ServerUnaryCall<unknown, unknown>,
  fault: Fault | undefined,
): Record<string, unknown> {
  const refusal = runtime.signIn?.refusal(call.metadata);
  if (refusal) throw refusal;
  const failure = takeFailure(runtime, method);
  if (failure) throw failure;
  if (fault?.kind === 'throttle')
    throw new RpcError(grpc.status.RESOURCE_EXHAUSTED, `Quota exceeded for ${method} requests.`);
  if (fault?.kind === 'fail')
    throw new RpcError(grpc.status.UNAVAILABLE, 'The service is currently unavailable.');
  return handler(call.request as never);
}

/** Wraps a synchronous handler as a unary gRPC handler with delay, call log and status errors. */
function unary(runtime: Runtime, method: string, handler: Handler): grpc.handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    runtime.calls.push({ method, request: call.request });
    const fault = runtime.faults.decide(method);
    if (fault?.kind === 'hang') return; // no answer; the client's deadline or close() ends it
    const timer = setTimeout(
      () => {
        runtime.timers.delete(timer);
        try {
          callback(null, runHandler(runtime, method, handler, call, fault));
        } catch (error) {
          const rpc = error instanceof RpcError ? error : new RpcError(grpc.status.INTERNAL, String(error));
          callback({ code: rpc.code, details: rpc.message, metadata: new grpc.Metadata() });
        }
      },
      runtime.delay() + (fault?.kind === 'slow' ? (fault.ms ?? 0) : 0),
    );
    runtime.timers.add(timer);
  };
}

function implementation(runtime: Runtime): grpc.UntypedServiceImplementation {
  const { store } = runtime;
  const handlers: Record<string, Handler> = {
    CreateSecret: (r: CreateSecretRequest) => store.createSecret(r),
    GetSecret: (r: NameRequest) => store.getSecret(r),
    UpdateSecret: (r: UpdateSecretRequest) => store.updateSecret(r),
    DeleteSecret: (r: NameRequest) => store.deleteSecret(r),
    ListSecrets: (r: ListRequest) => store.listSecrets(r),
    AddSecretVersion: (r: AddVersionRequest) => store.addSecretVersion(r),
    AccessSecretVersion: (r: NameRequest) => store.accessSecretVersion(r),
    GetSecretVersion: (r: NameRequest) => store.getSecretVersion(r),
    ListSecretVersions: (r: ListRequest) => store.listSecretVersions(r),
    DisableSecretVersion: (r: NameRequest) => store.setVersionState(r, 'DISABLED'),
    EnableSecretVersion: (r: NameRequest) => store.setVersionState(r, 'ENABLED'),
    DestroySecretVersion: (r: NameRequest) => store.setVersionState(r, 'DESTROYED'),
  };
  return Object.fromEntries(
    Object.entries(handlers).map(([method, handler]) => [method, unary(runtime, method, handler)]),
  );
}

/** Plain text without `auth`; with it, TLS with the test certificate (gRPC sends tokens only over TLS). */
function serverCredentials(withAuth: boolean): grpc.ServerCredentials {
  if (!withAuth) return grpc.ServerCredentials.createInsecure();
  const { cert, key } = testCertificate();
  return grpc.ServerCredentials.createSsl(null, [
    { cert_chain: Buffer.from(cert), private_key: Buffer.from(key) },
  ]);
}

function bind(server: grpc.Server, address: string, credentials: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (error, port) => (error ? reject(error) : resolve(port)));
  });
}

/** The sign-in of a fake started with `auth`, over its running token endpoint. */
function fakeAuth(signIn: FakeGoogleSignIn): GcpFakeAuth {
  let accounts = 0;
  return {
    get tokenUri() {
      return signIn.tokenUri;
    },
    caCert: testCertificate().cert,
    get tokenLifetimeSeconds() {
      return signIn.tokenLifetimeSeconds;
    },
    set tokenLifetimeSeconds(seconds: number) {
      signIn.tokenLifetimeSeconds = seconds;
    },
    issued: signIn.issued,
    createKey: (email) =>
      signIn.createKey(email ?? `sgw-test-${++accounts}@test-project.iam.gserviceaccount.com`).json,
    trust: (email, publicKey) => signIn.trust(email, publicKey),
  };
}

/** Starts the GCP Secret Manager fake; port 0 (default) picks a free port. */
export async function startGcpSecretManagerFake(options: FakeOptions = {}): Promise<GcpSecretManagerFake> {
  const host = options.host ?? '127.0.0.1';
  cachedService ??= loadService();
  const server = new grpc.Server();
  const store = new SecretStore();
  const signIn = options.auth ? new FakeGoogleSignIn('', options.auth.tokenLifetimeSeconds) : undefined;
  const tokenEndpoint: TokenEndpoint | undefined = signIn
    ? await startTokenEndpoint(signIn, testCertificate(), host)
    : undefined;
  const runtime: Runtime = {
    store,
    calls: [],
    failures: new Map(),
    faults: new FaultInjector(options),
    timers: new Set(),
    delay: () => fake.delayMs,
    signIn,
  };
  const fake: GcpSecretManagerFake = {
    endpoint: '',
    port: 0,
    auth: signIn ? fakeAuth(signIn) : undefined,
    delayMs: options.delayMs ?? 0,
    get defaultPageSize() {
      return store.defaultPageSize;
    },
    set defaultPageSize(size: number) {
      store.defaultPageSize = size;
    },
    secrets: store.secrets,
    calls: runtime.calls,
    faults: runtime.faults,
    put: (name, seed) => store.put(name, seed),
    latestValue: (name) => store.secrets.get(name)?.versions.at(-1)?.data.toString('utf8'),
    failNext: (method, code, message) => {
      runtime.failures.set(method, new RpcError(code, message ?? `Injected failure of ${method}.`));
    },
    reset: () => {
      store.secrets.clear();
      runtime.calls.length = 0;
      runtime.failures.clear();
      runtime.faults.clear();
    },
    close: async () => {
      for (const timer of runtime.timers) clearTimeout(timer);
      server.forceShutdown();
      await tokenEndpoint?.close();
    },
  };
  server.addService(cachedService, implementation(runtime));
  fake.port = await bind(server, `${host}:${options.port ?? 0}`, serverCredentials(signIn !== undefined));
  fake.endpoint = `${host}:${fake.port}`;
  return fake;
}
