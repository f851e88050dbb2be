import { AppError, BackendError, BackendUnavailableError } from '../errors.js';
import type { SecretBackend } from './backend.js';
import { wrapBackendCalls } from './wrap-backend-calls.js';

export interface GuardOptions {
  /** Back-end name used in error messages (`aws`, `gcp`, `azure`, `hashicorp`, `custom` …). */
  kind: string;
  /** Upper bound of every call, in milliseconds. */
  timeoutMs: number;
  /** Texts (credentials, tokens) scrubbed from any back-end message that is passed on. */
  sensitive?: Array<string | undefined>;
}

const MAX_MESSAGE = 300;

/** Node/axios/undici error codes that mean the back-end could not be reached. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'EPROTO',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ERR_CANCELED',
  'REQUEST_SEND_ERROR',
]);

/** Error names of aborted or timed-out requests (AWS SDK, Azure core, DOM AbortSignal). */
const TIMEOUT_NAMES = new Set(['TimeoutError', 'AbortError', 'RequestTimeout', 'RequestTimeoutException']);

/**
 * gRPC status codes that mean the service is down or did not answer. CANCELLED too: the
 * adapters never cancel calls themselves, so it comes from a connection dropped mid-call.
 */
const GRPC_UNAVAILABLE = new Map([
  [1, 'CANCELLED'],
  [4, 'DEADLINE_EXCEEDED'],
  [14, 'UNAVAILABLE'],
]);

const GRPC_STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

type ErrorLike = Record<string, unknown> & { message?: unknown; name?: unknown };

function asRecord(value: unknown): ErrorLike | undefined {
  return typeof value === 'object' && value !== null ? (value as ErrorLike) : undefined;
}

/** The error and its causes (`cause`, AggregateError `errors`), breadth-first, at most 20. */
function errorChain(error: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && out.length < 20) {
    const item = asRecord(queue.shift());
    if (!item || out.includes(item)) continue;
    out.push(item);
    if (item.cause !== undefined) queue.push(item.cause);
    if (Array.isArray(item.errors)) queue.push(...item.errors);
  }
  return out;
}

function isGrpcError(error: ErrorLike): boolean {
  return typeof error.code === 'number' && ('details' in error || 'metadata' in error);
}

function httpStatusOf(error: ErrorLike): number | undefined {
  const metadata = asRecord(error.$metadata);
  const response = asRecord(error.response);
  const candidates = [error.statusCode, metadata?.httpStatusCode, response?.statusCode, response?.status];
  return candidates.find((value): value is number => typeof value === 'number');
}

/** Why the back-end counts as unreachable (a code or error name), or undefined. */
function unavailableReason(error: unknown): string | undefined {
  for (const item of errorChain(error)) {
    if (isGrpcError(item) && GRPC_UNAVAILABLE.has(item.code as number))
      return GRPC_UNAVAILABLE.get(item.code as number);
    if (typeof item.code === 'string' && NETWORK_CODES.has(item.code)) return item.code;
    if (typeof item.name === 'string' && TIMEOUT_NAMES.has(item.name)) return item.name;
    const status = httpStatusOf(item);
    if (status === 502 || status === 503 || status === 504) return `HTTP ${status}`;
    if (typeof item.message === 'string' && /socket hang up|connect ECONNREFUSED/i.test(item.message))
      return 'connection failed';
  }
  return undefined;
}

/** A short identifier of the error: SDK error name, gRPC status, HTTP status and code. */
function errorLabel(error: ErrorLike): string {
  const parts: string[] = [];
  if (isGrpcError(error)) parts.push(GRPC_STATUS_NAMES[error.code as number] ?? `gRPC ${String(error.code)}`);
  else {
    if (typeof error.name === 'string' && error.name !== 'Error') parts.push(error.name);
    if (typeof error.code === 'string' && error.code !== error.name) parts.push(error.code);
  }
  const status = httpStatusOf(error);
  if (status !== undefined) parts.push(`HTTP ${status}`);
  return parts.join(' ') || 'Error';
}

/**
 * The first line of a back-end message with quoted text, bearer tokens, URL query strings and
 * the given sensitive texts replaced, so values and credentials echoed by a back-end stay out.
 */
export function scrubBackendMessage(message: string, sensitive: Array<string | undefined> = []): string {
  let text = message.split(/\r?\n/)[0] ?? '';
  for (const secret of sensitive) {
    if (secret && secret.length >= 4) text = text.split(secret).join('[redacted]');
  }
  text = text
    // Quoted text; a single quote opens only after a non-word character, so "can't" is no quote.
    .replace(/(^|[^\p{L}\p{N}_])'[^']*'/gu, '$1[redacted]')
    .replace(/"[^"]*"|`[^`]*`/g, '[redacted]')
    .replace(/\b(Bearer|Basic)\s+\S+/gi, '$1 [redacted]')
    .replace(/(https?:\/\/[^\s?#]+)\?\S*/g, '$1')
    .replace(/\b([A-Za-z_-]*(?:token|secret|password|key|signature|sig)[A-Za-z_-]*)=\S+/gi, '$1=[redacted]');
  return text.trim();
}

/** The error a guarded back-end call rejects with. */
export function backendFailure(error: unknown, options: GuardOptions): AppError {
  if (error instanceof AppError) return error;
  const reason = unavailableReason(error);
  if (reason) return new BackendUnavailableError(`${options.kind} back-end is unavailable (${reason})`);
  const item = asRecord(error) ?? { message: String(error) };
  const raw = isGrpcError(item) && typeof item.details === 'string' ? item.details : item.message;
  const message = scrubBackendMessage(typeof raw === 'string' ? raw : '', options.sensitive);
  const text = `${options.kind} back-end error (${errorLabel(item)})${message ? `: ${message}` : ''}`;
  return new BackendError(text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text);
}

/**
 * Wraps a back-end so every call it has (wrapBackendCalls: none is left out, close passes as is)
 * ends within `timeoutMs` and fails only with AppErrors:
 * BACKEND_UNAVAILABLE when it is down, unreachable or too slow, BACKEND_ERROR (message scrubbed,
 * at most 300 characters) for any other back-end failure; AppErrors of the adapter pass through.
 */
export function guardBackend(backend: SecretBackend, options: GuardOptions): SecretBackend {
  function guarded<T>(call: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new BackendUnavailableError(
            `${options.kind} back-end did not answer within ${options.timeoutMs}ms`,
          ),
        );
      }, options.timeoutMs);
      let pending: Promise<T>;
      try {
        pending = call();
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(backendFailure(error, options));
        },
      );
    });
  }

  return wrapBackendCalls(backend, (_operation, call) => guarded(call));
}
