import { AppError, BackendError, BackendUnavailableError } from '../errors.js';

/**
 * How a failed back-end call is told to the caller, in the gateway's words only: nothing a
 * back-end answered (its body, its message, a name it made up) is passed on, since a component's
 * endpoint may be any server. Every way of not reaching it reads the same, so an endpoint can't
 * be used to tell open ports from closed ones.
 */

/** Node, TLS, HTTP-parser, axios and undici codes of a back-end that could not be reached or read. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'EPROTO',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ERR_CANCELED',
  'REQUEST_SEND_ERROR',
  'SGW_ENDPOINT_REFUSED',
]);
/** HTTP-parser (HPE_…) and OpenSSL certificate codes: the server spoke no HTTP or no valid TLS. */
const PROTOCOL_CODE = /^(HPE_[A-Z_]+|ERR_SSL_[A-Z_]+|ERR_TLS_[A-Z_]+|[A-Z_]*CERT[A-Z_]*|UNABLE_TO_[A-Z_]+)$/;

/** Error names of aborted or timed-out requests (AWS SDK, Azure core, DOM AbortSignal). */
const TIMEOUT_NAMES = new Set(['TimeoutError', 'AbortError', 'RequestTimeout', 'RequestTimeoutException']);

/** gRPC status codes of a service that is down, did not answer, or dropped the connection. */
const GRPC_UNAVAILABLE = new Set([1, 4, 14]);

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

/** Error names of the cloud services and SDKs that may be repeated (all others are not). */
const KNOWN_NAMES = new Set([
  // AWS Secrets Manager
  'AccessDeniedException',
  'DecryptionFailure',
  'EncryptionFailure',
  'InternalServiceError',
  'InvalidNextTokenException',
  'InvalidParameterException',
  'InvalidRequestException',
  'LimitExceededException',
  'MalformedPolicyDocumentException',
  'PreconditionNotMetException',
  'ResourceExistsException',
  'ResourceNotFoundException',
  'ThrottlingException',
  'ValidationException',
  // Azure Key Vault
  'Forbidden',
  'Unauthorized',
  'BadParameter',
  'Conflict',
  'Throttled',
  'SecretNotFound',
  'ObjectIsBeingDeleted',
  'ObjectIsDeletedButRecoverable',
]);

/** Throttling names answered with another status than 429 (AWS Secrets Manager: HTTP 400). */
const THROTTLING_NAMES = new Set(['ThrottlingException', 'Throttled']);

/** What a status means, in our words: HTTP status classes and gRPC statuses. */
function meaningOf(httpStatus: number | undefined, grpcStatus: string | undefined, name?: unknown): string {
  if (
    httpStatus === 401 ||
    httpStatus === 403 ||
    grpcStatus === 'PERMISSION_DENIED' ||
    grpcStatus === 'UNAUTHENTICATED'
  )
    return 'the back-end refused the gateway’s credentials or permissions';
  if (httpStatus === 429 || grpcStatus === 'RESOURCE_EXHAUSTED' || THROTTLING_NAMES.has(String(name)))
    return 'the back-end is throttling requests';
  if (httpStatus !== undefined && httpStatus >= 500) return 'the back-end failed to handle the request';
  if ((httpStatus !== undefined && httpStatus >= 400) || grpcStatus)
    return 'the back-end refused the request';
  return 'the back-end’s answer could not be used';
}

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

/** Whether the back-end counts as unreachable: down, too slow, or not speaking its protocol. */
function unreachable(error: unknown): boolean {
  return errorChain(error).some((item) => {
    if (isGrpcError(item)) return GRPC_UNAVAILABLE.has(item.code as number);
    if (typeof item.code === 'string' && (NETWORK_CODES.has(item.code) || PROTOCOL_CODE.test(item.code)))
      return true;
    if (typeof item.name === 'string' && TIMEOUT_NAMES.has(item.name)) return true;
    const status = httpStatusOf(item);
    if (status === 502 || status === 503 || status === 504) return true;
    return typeof item.message === 'string' && /socket hang up|connect ECONNREFUSED/i.test(item.message);
  });
}

/** A short identifier of the error: a known service error name, the gRPC or HTTP status. */
function errorLabel(error: ErrorLike, httpStatus: number | undefined, grpcStatus: string | undefined) {
  const parts: string[] = [];
  if (grpcStatus) parts.push(grpcStatus);
  for (const name of [error.name, error.code])
    if (typeof name === 'string' && KNOWN_NAMES.has(name) && !parts.includes(name)) parts.push(name);
  if (httpStatus !== undefined) parts.push(`HTTP ${httpStatus}`);
  return parts.length > 0 ? ` (${parts.join(' ')})` : '';
}

/** The message of every way of not reaching a back-end. */
export const unreachableMessage = (kind: string) => `could not reach the ${kind} back-end`;

/**
 * The error a guarded back-end call rejects with: AppErrors of the adapter as they are (their
 * messages are ours), BACKEND_UNAVAILABLE "could not reach the <kind> back-end" for any failure
 * to reach or read it, else BACKEND_ERROR naming the kind, a known error name or status, and
 * what it means.
 */
export function backendFailure(error: unknown, kind: string): AppError {
  if (error instanceof AppError) return error;
  if (unreachable(error)) return new BackendUnavailableError(unreachableMessage(kind));
  const item = asRecord(error) ?? {};
  const grpcStatus = isGrpcError(item) ? (GRPC_STATUS_NAMES[item.code as number] ?? 'gRPC error') : undefined;
  const httpStatus = httpStatusOf(item);
  const label = errorLabel(item, httpStatus, grpcStatus);
  const meaning = meaningOf(httpStatus, grpcStatus, item.name ?? item.code);
  return new BackendError(`${kind} back-end error${label}: ${meaning}`);
}

/**
 * The first line of a message with quoted text, bearer tokens, URL query strings and the given
 * sensitive texts replaced (for messages of our own that carry a service's sentence).
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
