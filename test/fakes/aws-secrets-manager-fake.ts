/**
 * A local fake of AWS Secrets Manager that speaks the AWS JSON 1.1 protocol
 * (`POST /`, `x-amz-target: secretsmanager.<Op>`), so the real
 * `@aws-sdk/client-secrets-manager` can be pointed at it. Every request must be signed (SigV4)
 * with credentials the fake was given (default: DEFAULT_AWS_FAKE_CREDENTIALS), as AWS checks
 * them; the signing region (from the credential scope) decides the region in new ARNs.
 * Versions (what copy-on-write uses): every value write is a version (VersionId = the
 * ClientRequestToken when given, idempotent on a repeat), staging labels AWSCURRENT/AWSPREVIOUS
 * move as AWS moves them, GetSecretValue reads by VersionId or VersionStage, BatchGetSecretValue
 * answers current versions, UpdateSecretVersionStage moves a label (RemoveFromVersionId checked),
 * unlabelled versions are kept up to 100 as AWS keeps deprecated ones; no call deletes a version.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AwsError } from './aws-fake-error.js';
import { type Json, toValue, validateName } from './aws-fake-input.js';
import { type AwsSecret, type AwsTag, CURRENT, mergeTags } from './aws-fake-secret.js';
import { SecretsManagerBackend } from './aws-secrets-manager-service.js';
import {
  type AwsFakeCredentials,
  DEFAULT_AWS_FAKE_CREDENTIALS,
  type SigV4Signer,
  verifySigV4,
} from './aws-sigv4.js';
import { applyFault, FaultInjector, type FaultOptions } from './fake-faults.js';
import { closeServer, listen } from './fake-http-server.js';

export type { AwsSecret, AwsSecretVersion, AwsTag } from './aws-fake-secret.js';
export { type AwsFakeCredentials, DEFAULT_AWS_FAKE_CREDENTIALS } from './aws-sigv4.js';

/** Options shared by the local fake servers (port 0 = random; `token` is used by the Vault fake only). */
export interface FakeOptions {
  port?: number;
  host?: string;
  delayMs?: number;
  token?: string;
}

/**
 * AWS-only options: the account id in ARNs, the region used when none is signed, accepted
 * credentials; faults by action name (`DeleteSecret`, `GetSecretValue` …; see fake-faults.ts).
 */
export interface AwsSecretsManagerFakeOptions extends FakeOptions, FaultOptions {
  accountId?: string;
  region?: string;
  /** Credentials requests may be signed with (default: DEFAULT_AWS_FAKE_CREDENTIALS). */
  credentials?: AwsFakeCredentials[];
}

/** Options of `fake.put`: tags (replace the current ones when given), description, version id, region. */
export interface AwsPutOptions {
  tags?: AwsTag[];
  description?: string;
  versionId?: string;
  region?: string;
}

/** How the fake took a request's signature: the access key id that signed it, or the error it refused it with. */
export type AwsFakeSignIn =
  | { accessKeyId: string; refusal?: undefined }
  | { accessKeyId?: undefined; refusal: string };

/** A running fake; `delayMs` may be changed at any time and is added to every call. */
export interface AwsSecretsManagerFake {
  readonly url: string;
  readonly port: number;
  /** The first accepted credentials: what a client of this fake signs with. */
  readonly credentials: AwsFakeCredentials;
  delayMs: number;
  /** Secrets by name, including those pending deletion. */
  readonly secrets: ReadonlyMap<string, AwsSecret>;
  /** Operation names in the order they were received. */
  readonly calls: readonly string[];
  /** How each request's signature was taken, in the order they were received. */
  readonly signIns: readonly AwsFakeSignIn[];
  /** Accepts these credentials too from now on (as AWS does session credentials STS issued later). */
  accept(credentials: AwsFakeCredentials): void;
  /** Writes a secret straight into the state (new AWSCURRENT version), as another tool would have. */
  put(name: string, value: string | Uint8Array, options?: AwsPutOptions): AwsSecret;
  /**
   * Injected faults by action name, changeable at run time: throttle answers HTTP 400
   * `ThrottlingException` "Rate exceeded", fail HTTP 500 `InternalServiceError`.
   */
  readonly faults: FaultInjector;
  /** Makes the next call of `operation` (or `*` for any) fail with the given error type. */
  failNext(operation: string, type: string, message?: string, status?: number): void;
  /** Forgets every secret, recorded call and sign-in. */
  reset(): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseInput(body: string): Json {
  if (body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new AwsError('SerializationException', 'Request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AwsError('SerializationException', 'Request body must be a JSON object.');
  }
  return parsed as Json;
}

function send(res: ServerResponse, status: number, payload: Json | undefined): void {
  const body = payload === undefined ? '' : JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(body);
}

function sendError(res: ServerResponse, error: AwsError): void {
  send(res, error.status, { __type: error.type, message: error.message });
}

interface InjectedFailure {
  type: string;
  message: string;
  status: number;
}

/** What a request runs against: the service, the accepted credentials, the call log and injected failures. */
interface FakeState {
  backend: SecretsManagerBackend;
  accepted: Map<string, AwsFakeCredentials>;
  calls: string[];
  signIns: AwsFakeSignIn[];
  failures: Map<string, InjectedFailure>;
  faults: FaultInjector;
}

/** The next injected failure for `operation` (or for any, `*`), used up. */
function takeFailure(failures: Map<string, InjectedFailure>, operation: string): InjectedFailure | undefined {
  const key = failures.has(operation) ? operation : '*';
  const failure = failures.get(key);
  failures.delete(key);
  return failure;
}

/** One authenticated call: its action name and how to run it. */
interface Dispatched {
  operation: string;
  run: () => Json | undefined;
}

/** Authenticates like AWS (SigV4 first), then finds the operation named by `x-amz-target`. */
function dispatch(state: FakeState, req: IncomingMessage, body: Buffer): Dispatched {
  const target = String(req.headers['x-amz-target'] ?? '');
  const operation = target.startsWith('secretsmanager.') ? target.slice('secretsmanager.'.length) : target;
  state.calls.push(operation);
  const received = { method: req.method ?? 'GET', url: req.url ?? '/', rawHeaders: req.rawHeaders, body };
  let signer: SigV4Signer;
  try {
    signer = verifySigV4(received, 'secretsmanager', state.accepted);
  } catch (error) {
    state.signIns.push({ refusal: error instanceof AwsError ? error.type : String(error) });
    throw error;
  }
  state.signIns.push({ accessKeyId: signer.accessKeyId });
  const { handlers } = state.backend;
  const handler = Object.hasOwn(handlers, operation) ? handlers[operation] : undefined;
  if (req.method !== 'POST' || !handler) {
    throw new AwsError('UnknownOperationException', `Unknown operation ${operation || '(none)'}.`);
  }
  const failure = takeFailure(state.failures, operation);
  if (failure) throw new AwsError(failure.type, failure.message, failure.status);
  return {
    operation,
    run: () => {
      state.backend.purgeExpired();
      return handler(parseInput(body.toString('utf8')), signer.region);
    },
  };
}

/** Answers an authenticated call, unless an injected fault says otherwise. */
async function serve(state: FakeState, res: ServerResponse, call: Dispatched, wait: Wait): Promise<void> {
  const outcome = await applyFault(state.faults.decide(call.operation), wait);
  if (outcome === 'hang') return; // no answer; the client's timeout or close() ends it
  if (outcome === 'throttle') throw new AwsError('ThrottlingException', 'Rate exceeded', 400);
  if (outcome === 'fail') throw new AwsError('InternalServiceError', 'Internal service error.', 500);
  send(res, 200, call.run());
}

type Wait = (ms: number) => Promise<void>;

/** Starts the fake on 127.0.0.1 (port 0 = random) and resolves once it listens. */
export async function startAwsSecretsManagerFake(
  options: AwsSecretsManagerFakeOptions = {},
): Promise<AwsSecretsManagerFake> {
  const credentials = options.credentials ?? [DEFAULT_AWS_FAKE_CREDENTIALS];
  if (credentials.length === 0) throw new Error('aws fake: give at least one accepted credential');
  const state: FakeState = {
    backend: new SecretsManagerBackend(options.accountId ?? '123456789012'),
    accepted: new Map(credentials.map((c) => [c.accessKeyId, { ...c }])),
    calls: [],
    signIns: [],
    failures: new Map(),
    faults: new FaultInjector(options),
  };
  const { backend, calls, signIns, failures } = state;
  const defaultRegion = options.region ?? 'us-east-1';
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
      const body = await readBody(req);
      if (fake.delayMs > 0) await wait(fake.delayMs);
      try {
        await serve(state, res, dispatch(state, req, body), wait);
      } catch (error) {
        sendError(
          res,
          error instanceof AwsError ? error : new AwsError('InternalServiceError', String(error), 500),
        );
      }
    })().catch(() => res.destroy());
  });

  const port = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');

  const fake: AwsSecretsManagerFake = {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    credentials: { ...credentials[0] },
    delayMs: options.delayMs ?? 0,
    secrets: backend.secrets,
    calls,
    signIns,
    faults: state.faults,
    accept(accepted) {
      state.accepted.set(accepted.accessKeyId, { ...accepted });
    },
    put(name, value, putOptions = {}) {
      validateName(name);
      const secret =
        backend.secrets.get(name) ??
        backend.newSecret(name, putOptions.region ?? defaultRegion, { description: putOptions.description });
      if (putOptions.tags) secret.tags = mergeTags([], putOptions.tags);
      if (putOptions.description !== undefined) secret.description = putOptions.description;
      backend.writeVersion(secret, putOptions.versionId, toValue(value), [CURRENT]);
      return secret;
    },
    failNext(operation, type, message = `Injected ${type}`, status = 400) {
      failures.set(operation, { type, message, status });
    },
    reset() {
      backend.secrets.clear();
      calls.length = 0;
      signIns.length = 0;
      failures.clear();
      state.faults.clear();
    },
    close: () => closeServer(server, timers),
  };
  return fake;
}
