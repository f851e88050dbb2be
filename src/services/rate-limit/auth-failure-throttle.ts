import type { AuditEntry } from '../audit/audit-event.js';
import { auditText } from '../audit/audit-target-bounds.js';
import { ANONYMOUS } from '../tokens/tokens-service.js';
import { clientKey } from './client-key.js';

export interface AuthFailureThrottleDeps {
  /** Records an audit event; resolves once committed. */
  record(entry: AuditEntry): Promise<void>;
  /** Failed authentications a client address may make per window; later requests: RATE_LIMITED. */
  maxFailures: number;
  /** Length of a window, in milliseconds (from the first failure of the address). */
  windowMs: number;
  /** Addresses tracked at most; beyond, new addresses share one window (key `other`). */
  maxClients?: number;
  /** Milliseconds since the epoch; tests pass their own. */
  now?: () => number;
}

/** Failures of one client address since `start`. */
interface FailureWindow {
  start: number;
  /** Requests whose token was checked and refused (UNAUTHENTICATED). */
  failures: number;
  /** Requests refused unchecked while over the limit (RATE_LIMITED). */
  refused: number;
}

/** How a failed authentication is answered: UNAUTHENTICATED, or RATE_LIMITED until `retryAfterMs`. */
export type AuthFailureAnswer = { rateLimited: false } | { rateLimited: true; retryAfterMs: number };

/** Key of the one window shared by new addresses while `maxClients` windows are open. */
const OVERFLOW_CLIENTS = 'other';

/** The event of the first failure of a window. */
function firstFailureEvent(address: string, operation: string | null | undefined): AuditEntry {
  return {
    actor: ANONYMOUS,
    action: 'auth.authenticate',
    outcome: 'DENIED',
    target: { kind: 'request', operation: operation == null ? null : auditText(operation), address },
  };
}

/** The summary of a window, when it holds more than its first failure. */
function summaryEvent(address: string, window: FailureWindow, windowMs: number): AuditEntry | undefined {
  const count = window.failures + window.refused;
  if (count <= 1) return undefined;
  return {
    actor: ANONYMOUS,
    action: 'auth.failed',
    outcome: 'DENIED',
    target: {
      kind: 'client',
      address,
      count,
      rateLimited: window.refused,
      since: new Date(window.start).toISOString(),
      windowSeconds: windowMs / 1000,
    },
  };
}

/** Records events without failing the caller (the database may be down); `settled` waits for them. */
function backgroundWrites(record: (entry: AuditEntry) => Promise<void>) {
  const writes = new Set<Promise<void>>();
  return {
    write(entry: AuditEntry): Promise<void> {
      const done: Promise<void> = record(entry)
        .catch(() => {})
        .finally(() => writes.delete(done));
      writes.add(done);
      return done;
    },
    settled: () => Promise.all([...writes]).then(() => {}),
  };
}

/** The open windows, by client key, bounded by `maxClients`. */
function failureWindows(deps: AuthFailureThrottleDeps, write: (entry: AuditEntry) => Promise<void>) {
  const { windowMs } = deps;
  const maxClients = deps.maxClients ?? 10_000;
  const windows = new Map<string, FailureWindow>();

  function end(key: string, window: FailureWindow): void {
    const summary = summaryEvent(key, window, windowMs);
    if (summary) void write(summary);
    windows.delete(key);
  }

  /** Ends the windows that are over (every one with `all`), recording their summaries. */
  function closeWindows(at: number, all = false): void {
    for (const [key, window] of windows) if (all || at >= window.start + windowMs) end(key, window);
  }

  /** The open window of `key` (a new one if none or if it is over); `other` when too many are open. */
  function windowOf(key: string, at: number): [string, FailureWindow] {
    const open = windows.get(key);
    if (open && at < open.start + windowMs) return [key, open];
    if (open) end(key, open);
    if (windows.size >= maxClients) closeWindows(at);
    if (windows.size >= maxClients && key !== OVERFLOW_CLIENTS) return windowOf(OVERFLOW_CLIENTS, at);
    const window = { start: at, failures: 0, refused: 0 };
    windows.set(key, window);
    return [key, window];
  }

  /** The window requests of `key` count in now, if one is open (no new one). */
  function current(key: string): FailureWindow | undefined {
    if (windows.size === 0) return undefined;
    return windows.get(key) ?? (windows.size >= maxClients ? windows.get(OVERFLOW_CLIENTS) : undefined);
  }

  return { windowOf, current, closeWindows, isEmpty: () => windows.size === 0 };
}

/**
 * Failed authentication, per client address and fixed window (in memory: per replica).
 *
 * Throttling: once an address has failed `maxFailures` times in its window, every request from
 * it is answered RATE_LIMITED until the window ends, without looking its token up.
 * Audit in aggregate: the first failure of a window is recorded (`auth.authenticate`, DENIED,
 * with the operation name and the address); when the window ends (a sweep every second, or at
 * close) a summary `auth.failed` event gives `count` (every refused request of the window, the
 * first included) and `rateLimited` (how many were refused unchecked), when there was more
 * than one. At most two stored events per address and window, however many attempts.
 */
export function createAuthFailureThrottle(deps: AuthFailureThrottleDeps) {
  const { maxFailures, windowMs } = deps;
  const now = deps.now ?? Date.now;
  const writes = backgroundWrites(deps.record);
  const windows = failureWindows(deps, writes.write);
  // Summaries are written within a second of a window's end (or of the window, if shorter).
  const sweep = setInterval(() => windows.closeWindows(now()), Math.min(windowMs, 1000));
  sweep.unref();

  /** Counts a request refused for want of a valid token; says how to answer it. */
  async function failed(
    address: string | undefined,
    operation: string | null | undefined,
  ): Promise<AuthFailureAnswer> {
    const at = now();
    const [key, window] = windows.windowOf(clientKey(address), at);
    if (window.failures >= maxFailures) {
      window.refused += 1;
      return { rateLimited: true, retryAfterMs: Math.max(1, window.start + windowMs - at) };
    }
    window.failures += 1;
    if (window.failures === 1) await writes.write(firstFailureEvent(key, operation));
    return { rateLimited: false };
  }

  /** Stops the sweep and records the summaries of every open window; resolves once written. */
  async function close(): Promise<void> {
    clearInterval(sweep);
    windows.closeWindows(now(), true);
    await writes.settled();
  }

  return { failed, close };
}

export type AuthFailureThrottle = ReturnType<typeof createAuthFailureThrottle>;
