import type { Principal } from '../../auth/principal.js';
import { RateLimitedError } from '../../errors.js';

export interface VerificationLimiterDeps {
  /** Verifications one principal may start in any 60 s. */
  perMinute: number;
  /** Milliseconds clock; tests pass their own. */
  now?: () => number;
}

const WINDOW_MS = 60_000;

/**
 * Bounds full audit-chain verifications (each reads the whole log): per principal, one at a
 * time and `perMinute` started in any minute; beyond either, RATE_LIMITED with `retryAfterMs`.
 * In memory: each replica limits the requests it serves.
 */
export function createVerificationLimiter(deps: VerificationLimiterDeps) {
  const now = deps.now ?? (() => performance.now());
  const running = new Set<string>();
  const starts = new Map<string, number[]>();

  /** The principal's starts within the window (older ones, and empty entries, dropped). */
  function recentStarts(id: string, at: number): number[] {
    const recent = (starts.get(id) ?? []).filter((t) => at - t < WINDOW_MS);
    if (recent.length) starts.set(id, recent);
    else starts.delete(id);
    return recent;
  }

  /** Runs `verify` for the principal, or throws RATE_LIMITED. */
  async function run<T>(principal: Pick<Principal, 'id'>, verify: () => Promise<T>): Promise<T> {
    if (running.has(principal.id))
      throw new RateLimitedError(
        'A verification of the audit chain is already running for this caller',
        1000,
      );
    const at = now();
    const recent = recentStarts(principal.id, at);
    if (recent.length >= deps.perMinute) {
      const retryAfterMs = Math.max(1, Math.ceil(recent[0] + WINDOW_MS - at));
      throw new RateLimitedError(
        `At most ${deps.perMinute} verifications of the audit chain a minute; try again in ${retryAfterMs} ms`,
        retryAfterMs,
      );
    }
    starts.set(principal.id, [...recent, at]);
    running.add(principal.id);
    try {
      return await verify();
    } finally {
      running.delete(principal.id);
    }
  }

  return { run };
}

export type VerificationLimiter = ReturnType<typeof createVerificationLimiter>;
