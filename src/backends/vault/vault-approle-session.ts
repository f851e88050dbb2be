import type vault from 'node-vault';
import { BackendError } from '../../errors.js';

/** AppRole sign-in: the role id, its secret id, and the auth mount of the AppRole method. */
export interface VaultAppRole {
  roleId: string;
  secretId: string;
  /** Auth mount path (default `approle`: `POST /v1/auth/approle/login`). */
  mount?: string;
}

/** A token held by the client and when to act on it; times in Date.now() milliseconds. */
interface Lease {
  /** The TTL the login granted, in seconds; a renewal that grants less has hit the max TTL. */
  grantedSeconds: number;
  renewable: boolean;
  /** Half-way through the lease: the first request after this renews (or logs in again). */
  renewAt: number;
  expiresAt: number;
}

/** Keeps an AppRole token on a node-vault client. */
export interface VaultAppRoleSession {
  /** Resolves once the client holds a token that is not half-way through its lease. */
  ready(): Promise<void>;
  /**
   * Vault answered 403 to a request made with `token`. When the token itself is no longer good
   * (lookup-self refused), logs in again, unless the client already holds a newer one, and
   * resolves true (retry once); when the token is fine the 403 was a policy's, and it resolves
   * false (no new login: a secret_id may allow only so many).
   */
  refused(token: string): Promise<boolean>;
}

interface AuthAnswer {
  auth?: { client_token?: unknown; lease_duration?: unknown; renewable?: unknown } | null;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { response?: { statusCode?: unknown } } | undefined)?.response?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Vault answered and said no (4xx): a renewal that can't be made, a login that is refused. */
const isRefusal = (error: unknown) => {
  const status = statusOf(error);
  return status !== undefined && status >= 400 && status < 500;
};

const leaseSeconds = (answer: AuthAnswer) => {
  const seconds = Number(answer.auth?.lease_duration ?? 0);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
};

function leaseOf(answer: AuthAnswer, grantedSeconds: number, now: number): Lease {
  const seconds = leaseSeconds(answer);
  return {
    grantedSeconds,
    renewable: answer.auth?.renewable === true,
    // 0 s: a token without expiry, never refreshed.
    renewAt: seconds > 0 ? now + (seconds * 1000) / 2 : Number.POSITIVE_INFINITY,
    expiresAt: seconds > 0 ? now + seconds * 1000 : Number.POSITIVE_INFINITY,
  };
}

/** One session's client, how it signs in, its clock, and the token it holds (if any). */
interface SessionState {
  client: vault.client;
  appRole: VaultAppRole;
  /** The AppRole auth mount, without leading or trailing slashes. */
  mount: string;
  now: () => number;
  lease?: Lease;
  /** The renewal or login under way, shared by every request that waits on it. */
  pending?: Promise<void>;
}

/**
 * Logs in with AppRole and puts the new token and its lease on the session. A refused login
 * (4xx) is a BackendError naming the fields to check; any other failure is rethrown as is.
 */
async function logIn(session: SessionState): Promise<void> {
  const { client, appRole, mount } = session;
  let answer: AuthAnswer;
  try {
    answer = await client.approleLogin({
      mount_point: mount,
      role_id: appRole.roleId,
      secret_id: appRole.secretId,
    });
  } catch (error) {
    if (!isRefusal(error)) throw error;
    throw new BackendError(
      `vault back-end error (AppRole login, HTTP ${statusOf(error)}): Vault refused the AppRole login on auth/${mount}; check role_id, secret_id and approle_mount`,
    );
  }
  if (typeof answer.auth?.client_token !== 'string' || answer.auth.client_token === '') {
    throw new BackendError('vault back-end error (AppRole login): Vault answered without a client token');
  }
  client.token = answer.auth.client_token;
  session.lease = leaseOf(answer, leaseSeconds(answer), session.now());
}

/** Renews the session's token; logs in again when the renewal is refused or capped by the max TTL. */
async function renewToken(session: SessionState, current: Lease): Promise<void> {
  let answer: AuthAnswer;
  try {
    answer = await session.client.tokenRenewSelf();
  } catch (error) {
    if (!isRefusal(error)) throw error;
    return logIn(session);
  }
  // Less than the login granted: the max TTL caps it, and only a new login goes further.
  if (leaseSeconds(answer) < current.grantedSeconds) return logIn(session);
  session.lease = leaseOf(answer, current.grantedSeconds, session.now());
}

/**
 * Resolves at once while the token is not half-way through its lease; otherwise renews it or
 * logs in again, one at a time: concurrent callers share the renewal or login under way.
 */
function refreshToken(session: SessionState): Promise<void> {
  const current = session.lease;
  const time = session.now();
  if (current && time < current.renewAt) return Promise.resolve();
  if (!session.pending) {
    // A live renewable token is renewed; anything else (none, expired, not renewable) logs in.
    const next =
      current?.renewable && time < current.expiresAt ? renewToken(session, current) : logIn(session);
    session.pending = next.finally(() => {
      session.pending = undefined;
    });
  }
  return session.pending;
}

/** Whether Vault still accepts the client's token (lookup-self); a non-refusal failure is rethrown. */
async function tokenStillValid(client: vault.client): Promise<boolean> {
  try {
    await client.tokenLookupSelf();
    return true;
  } catch (error) {
    if (!isRefusal(error)) throw error;
    return false;
  }
}

/**
 * Signs a node-vault client in with AppRole (`POST /v1/auth/<mount>/login`) and keeps its token
 * alive on demand: the first request past half the lease renews it (`auth/token/renew-self`);
 * when it can't be renewed (not renewable, refused, or capped by its max TTL) or has expired,
 * the session logs in again. No timers: an idle session just lets its token lapse. A refused
 * login is a BackendError naming the fields to check, never their values; an unreachable Vault
 * rejects with the client's own error (for the guard to map).
 */
export function startAppRoleSession(
  client: vault.client,
  appRole: VaultAppRole,
  now: () => number = Date.now,
): VaultAppRoleSession {
  const mount = (appRole.mount ?? 'approle').replace(/^\/+|\/+$/g, '');
  const session: SessionState = { client, appRole, mount, now };
  return {
    ready: () => refreshToken(session),
    async refused(token) {
      if (client.token === token) {
        if (await tokenStillValid(client)) return false;
        session.lease = undefined;
      }
      await refreshToken(session);
      return true;
    },
  };
}
