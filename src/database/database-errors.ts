import { BackendUnavailableError } from '../errors.js';

/** Socket errors of a server that is down, restarting or unreachable. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);

/**
 * SQLSTATEs of a Postgres that is going away or not there yet (class 08, connection exception,
 * is matched as a class): shutdown (57P01 admin, 57P02 crash), starting up (57P03), idle
 * session timeout (57P05), too many connections (53300).
 */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '57P05', '53300']);

/**
 * Messages of node-postgres, pg-pool and ioredis for a lost or impossible connection (they
 * carry no code): a dropped socket, a pool checkout timeout, a client broken by an earlier
 * connection error, a query timeout, a Redis connection closed or not writable.
 */
const MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|is not queryable|Query read timeout|Connection is closed|Stream isn't writeable|max retries per request/i;

function isUnavailableCause(error: unknown, depth: number): boolean {
  if (!(error instanceof Error) || depth > 3) return false;
  const code = (error as { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    (NETWORK_CODES.has(code) || SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))
  )
    return true;
  if (MESSAGES.test(error.message)) return true;
  // Node's connect to several addresses (localhost: ::1 and 127.0.0.1) fails with an AggregateError.
  if (error instanceof AggregateError && error.errors.some((e) => isUnavailableCause(e, depth + 1)))
    return true;
  return isUnavailableCause(error.cause, depth + 1);
}

/**
 * Whether an error means Postgres (or Redis) could not be reached or dropped the connection —
 * a transient outage the caller may retry — rather than a bug or a bad request.
 */
export function isUnavailableError(error: unknown): boolean {
  return isUnavailableCause(error, 0);
}

/** The public BACKEND_UNAVAILABLE error for a database outage (no address, no driver message). */
export function databaseUnavailable(): BackendUnavailableError {
  return new BackendUnavailableError('The database is unavailable; try again');
}
