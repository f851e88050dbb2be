import type { Principal } from '../../auth/principal.js';
import type { AccessChange } from '../subscriptions/subscription-registry.js';

/** An authenticated bearer token: its principal and the token's id. */
export interface Session {
  principal: Principal;
  tokenId: string;
}

export interface SessionCacheDeps {
  /**
   * Whether every access change reaches this replica through the bus while it is connected:
   * true with Redis, or with embedded PGlite (one process); false with Postgres and an
   * in-process bus, where another replica's revocation would never arrive — nothing is cached.
   */
  enabled: boolean;
  /** True while changes published by other replicas reach this one (bus up, access feed listening). */
  isConnected: () => boolean;
  /** Longest a session is served without asking the database (a change the bus lost holds by then). */
  ttlMs?: number;
  /** Sessions kept at most (the oldest go first). */
  maxEntries?: number;
  /** Milliseconds clock; tests pass their own. */
  now?: () => number;
}

interface Entry {
  session: Session;
  until: number;
}

/** A session is served from memory for at most this long, unless told otherwise. */
export const SESSION_TTL_MS = 1000;

/**
 * Sessions of recently seen tokens by token hash (never the token), so a request skips the
 * token lookup. Every access change (revocation, role change) applied through `apply` drops the
 * sessions it touches at once and voids lookups under way (`mark`/`put`: a lookup that began
 * before a change is not cached). While the bus is down nothing is served or kept: every request
 * asks the database, as without a cache.
 */
export function createSessionCache(deps: SessionCacheDeps) {
  const ttlMs = deps.ttlMs ?? SESSION_TTL_MS;
  const maxEntries = deps.maxEntries ?? 10_000;
  const now = deps.now ?? (() => performance.now());
  const entries = new Map<string, Entry>();
  /** Moves on every change and every loss of the bus: a lookup begun under another one is stale. */
  let generation = 0;

  function clear(): void {
    generation += 1;
    entries.clear();
  }

  function usable(): boolean {
    if (!deps.enabled) return false;
    if (deps.isConnected()) return true;
    if (entries.size > 0) clear();
    else generation += 1;
    return false;
  }

  return {
    /** The session of this token hash if seen within the TTL and the bus is up; else undefined. */
    get(tokenHash: string): Session | undefined {
      if (!usable()) return undefined;
      const entry = entries.get(tokenHash);
      if (!entry) return undefined;
      if (entry.until > now()) return entry.session;
      entries.delete(tokenHash);
      return undefined;
    },
    /** Taken before a lookup and handed to `put`: a change applied in between voids the put. */
    mark: (): number => generation,
    /** Keeps a session found by a lookup begun at `mark`, unless a change came since. */
    put(tokenHash: string, session: Session, mark: number): void {
      if (mark !== generation || !usable()) return;
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
      entries.set(tokenHash, { session, until: now() + ttlMs });
    },
    /** A committed revocation or role change: the sessions it touches go, lookups under way are void. */
    apply(change: AccessChange): void {
      generation += 1;
      for (const [hash, { session }] of entries) {
        if (
          change.kind === 'token.revoked'
            ? session.tokenId === change.tokenId
            : session.principal.id === change.principalId
        )
          entries.delete(hash);
      }
    },
    /** Forgets every session (the bus lost its connection: changes may have been missed). */
    clear,
    size: (): number => entries.size,
  };
}

export type SessionCache = ReturnType<typeof createSessionCache>;
