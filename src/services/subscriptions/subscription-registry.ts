import type { Principal } from '../../auth/principal.js';
import type { Role } from '../../auth/roles.js';
import { type AppError, ForbiddenError, RateLimitedError, UnauthenticatedError } from '../../errors.js';

/** A change of who may do what: a token revoked, or a principal given another role. */
export type AccessChange =
  | { kind: 'token.revoked'; tokenId: string }
  | { kind: 'principal.role'; principalId: string; role: Role };

/** Open subscriptions: at most this many on one WebSocket, and per principal on one replica. */
export interface SubscriptionLimits {
  perConnection: number;
  perPrincipal: number;
}

export const SUBSCRIPTION_LIMITS: SubscriptionLimits = { perConnection: 20, perPrincipal: 50 };

/** One open subscription's place: `ended` resolves with the reason when its access is withdrawn. */
export interface SubscriptionSlot {
  ended: Promise<AppError>;
  /** Frees the place (the subscription ended on its own or its client left); idempotent. */
  release(): void;
}

/** Who opened a subscription: the principal (its role then) and the token it authenticated with. */
export interface SubscriptionOwner {
  principal: Principal;
  tokenId: string;
}

interface Entry {
  owner: SubscriptionOwner;
  connection: object | undefined;
  end(reason: AppError): void;
}

/** How long a revoked token id is remembered, to end subscriptions opened while it was revoked. */
const REVOKED_MEMORY_MS = 60_000;

function increment<K>(counts: Map<K, number>, key: K, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}

interface RegistryState {
  limits: SubscriptionLimits;
  entries: Set<Entry>;
  perPrincipal: Map<string, number>;
  perConnection: Map<object, number>;
  /** Token ids revoked lately, with when to forget them. */
  revoked: Map<string, number>;
}

function wasRevoked(state: RegistryState, tokenId: string): boolean {
  const now = Date.now();
  for (const [id, until] of state.revoked) if (until < now) state.revoked.delete(id);
  return state.revoked.has(tokenId);
}

function checkLimits(state: RegistryState, owner: SubscriptionOwner, connection: object | undefined): void {
  const { limits } = state;
  if (connection && (state.perConnection.get(connection) ?? 0) >= limits.perConnection)
    throw new RateLimitedError(
      `At most ${limits.perConnection} subscriptions may be open on one connection; complete one first`,
      1000,
    );
  if ((state.perPrincipal.get(owner.principal.id) ?? 0) >= limits.perPrincipal)
    throw new RateLimitedError(
      `At most ${limits.perPrincipal} subscriptions may be open per principal; complete one first`,
      1000,
    );
}

/** Takes a place for a new subscription; RATE_LIMITED when a cap is reached. */
function openSlot(state: RegistryState, owner: SubscriptionOwner, connection?: object): SubscriptionSlot {
  if (wasRevoked(state, owner.tokenId)) return { ended: Promise.resolve(revokedError()), release: () => {} };
  checkLimits(state, owner, connection);
  let resolveEnded!: (reason: AppError) => void;
  const ended = new Promise<AppError>((resolve) => {
    resolveEnded = resolve;
  });
  const entry: Entry = {
    owner,
    connection,
    end(reason) {
      release();
      resolveEnded(reason);
    },
  };
  function release() {
    if (!state.entries.delete(entry)) return;
    increment(state.perPrincipal, owner.principal.id, -1);
    if (connection) increment(state.perConnection, connection, -1);
  }
  state.entries.add(entry);
  increment(state.perPrincipal, owner.principal.id, 1);
  if (connection) increment(state.perConnection, connection, 1);
  return { ended, release };
}

/** Ends every subscription the change withdraws access from. */
function applyChange(state: RegistryState, change: AccessChange): void {
  if (change.kind === 'token.revoked') state.revoked.set(change.tokenId, Date.now() + REVOKED_MEMORY_MS);
  for (const entry of [...state.entries]) {
    const { principal, tokenId } = entry.owner;
    if (change.kind === 'token.revoked' && tokenId === change.tokenId) entry.end(revokedError());
    if (
      change.kind === 'principal.role' &&
      principal.id === change.principalId &&
      principal.role !== change.role
    )
      entry.end(
        new ForbiddenError(`The role of ${principal.name} changed to ${change.role}; subscribe again`),
      );
  }
}

/**
 * The subscriptions open on this replica, by token, principal and connection: caps them
 * (RATE_LIMITED beyond) and ends those an access change withdraws. In memory, per replica;
 * every replica applies every change (`access-feed.ts` in the tokens service).
 */
export function createSubscriptionRegistry(limits: SubscriptionLimits = SUBSCRIPTION_LIMITS) {
  const state: RegistryState = {
    limits,
    entries: new Set(),
    perPrincipal: new Map(),
    perConnection: new Map(),
    revoked: new Map(),
  };
  return {
    open: (owner: SubscriptionOwner, connection?: object) => openSlot(state, owner, connection),
    apply: (change: AccessChange) => applyChange(state, change),
    /** The tokens behind open subscriptions (checked against the database by the sweep). */
    tokenIds: (): string[] => [...new Set([...state.entries].map((e) => e.owner.tokenId))],
    /** How many subscriptions are open on this replica. */
    size: () => state.entries.size,
  };
}

function revokedError(): AppError {
  return new UnauthenticatedError('The token this subscription was opened with has been revoked');
}

export type SubscriptionRegistry = ReturnType<typeof createSubscriptionRegistry>;
