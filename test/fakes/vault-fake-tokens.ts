/**
 * Tokens of the Vault fake, as Vault's token store keeps them: a root token (no expiry unless
 * given a TTL) and tokens issued by AppRole logins, each with a TTL, a max TTL counted from
 * issue, and a renewable flag. Serves `auth/<approle mount>/login`, `auth/token/renew-self` and
 * `auth/token/lookup-self`; an expired or unknown token is refused with 403.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { envelope, type Json, ok, type Reply, trimSlashes, VaultError } from './vault-fake-reply.js';

/** An AppRole the fake accepts, and the tokens its logins get (TTLs in seconds, as Vault's role fields). */
export interface VaultFakeAppRole {
  roleId: string;
  secretId: string;
  /** Auth mount path (default `approle`). */
  mount?: string;
  /** `token_ttl`: the lease of a login and of each renewal (default 3600). */
  tokenTtl?: number;
  /** `token_max_ttl`: no renewal goes past issue + this (default 0: no max). */
  tokenMaxTtl?: number;
  /** Whether issued tokens can be renewed (default true). */
  renewable?: boolean;
}

/** Lifetime of a token the fake issues, in seconds; 0 = no expiry. */
export interface VaultFakeTokenLifetime {
  ttl?: number;
  maxTtl?: number;
  renewable?: boolean;
}

/** One live token; times in Date.now() milliseconds, `expiresAt` Infinity for none. */
interface Token {
  readonly id: string;
  readonly accessor: string;
  readonly policies: string[];
  readonly issuedAt: number;
  readonly ttlSeconds: number;
  readonly maxTtlSeconds: number;
  readonly renewable: boolean;
  readonly root: boolean;
  expiresAt: number;
}

const DEFAULT_TTL = 3600;
const permissionDenied = () => new VaultError(403, ['permission denied']);
const remaining = (token: Token, now: number) =>
  Number.isFinite(token.expiresAt) ? Math.max(0, Math.floor((token.expiresAt - now) / 1000)) : 0;

/** Vault's `increment`: seconds, or a duration such as `90s`, `15m`, `1h`. */
function readIncrement(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '' || value === 0) return undefined;
  const match = /^(\d+)(s|m|h)?$/.exec(String(value).trim());
  if (!match) throw new VaultError(400, [`error converting input ${String(value)} for field "increment"`]);
  return Number(match[1]) * ({ s: 1, m: 60, h: 3600 }[match[2] ?? 's'] ?? 1);
}

/** The `auth` block of a login or renewal answer. */
function authBlock(token: Token, now: number): Json {
  return {
    client_token: token.id,
    accessor: token.accessor,
    policies: token.policies,
    token_policies: token.policies,
    metadata: null,
    lease_duration: remaining(token, now),
    renewable: token.renewable,
    entity_id: '',
    token_type: 'service',
    orphan: true,
    mfa_requirement: null,
    num_uses: 0,
  };
}

const authReply = (auth: Json): Reply => ({ status: 200, body: { ...envelope(null), mount_type: '', auth } });

/** Root token, AppRoles and issued tokens; `now` is the clock (Date.now). */
export class VaultFakeTokens {
  private readonly tokens = new Map<string, Token>();
  private readonly roles: VaultFakeAppRole[];

  constructor(
    readonly rootToken: string,
    options: { rootTokenTtl?: number; appRoles?: VaultFakeAppRole[] } = {},
    private readonly now: () => number = Date.now,
  ) {
    this.roles = options.appRoles ?? [];
    this.add(rootToken, ['root'], { ttl: options.rootTokenTtl ?? 0, renewable: false }, true);
  }

  private add(id: string, policies: string[], lifetime: VaultFakeTokenLifetime, root = false): Token {
    const issuedAt = this.now();
    const ttlSeconds = lifetime.ttl ?? 0;
    const token: Token = {
      id,
      accessor: randomUUID(),
      policies,
      issuedAt,
      ttlSeconds,
      maxTtlSeconds: lifetime.maxTtl ?? 0,
      renewable: lifetime.renewable ?? true,
      root,
      expiresAt: ttlSeconds > 0 ? issuedAt + ttlSeconds * 1000 : Number.POSITIVE_INFINITY,
    };
    this.tokens.set(id, token);
    return token;
  }

  /** Issues a token with the given lifetime (as `vault token create` would). */
  issue(lifetime: VaultFakeTokenLifetime = {}): string {
    return this.add(`hvs.${randomBytes(18).toString('base64url')}`, ['default'], lifetime).id;
  }

  /** Revokes every issued token (the root token stays), as if an operator revoked them. */
  revokeIssued(): void {
    for (const token of this.tokens.values()) if (!token.root) this.tokens.delete(token.id);
  }

  /** The live token with this id; an expired one is dropped (undefined). */
  valid(id: string | undefined): Token | undefined {
    const token = id === undefined ? undefined : this.tokens.get(id);
    if (token && token.expiresAt <= this.now()) {
      this.tokens.delete(token.id);
      return undefined;
    }
    return token;
  }

  /** Answers a token or AppRole route, or undefined when `path` is not one of them. */
  route(method: string, path: string, body: Json, token: string | undefined): Reply | undefined {
    const login = this.roles.filter((role) => path === `auth/${trimSlashes(role.mount ?? 'approle')}/login`);
    if (login.length > 0 && (method === 'POST' || method === 'PUT')) return this.login(login, body);
    if (path === 'auth/token/renew-self' && (method === 'POST' || method === 'PUT')) {
      return this.renewSelf(this.require(token), body);
    }
    if (path === 'auth/token/lookup-self' && method === 'GET') return this.lookupSelf(this.require(token));
    return undefined;
  }

  private require(id: string | undefined): Token {
    const token = this.valid(id);
    if (!token) throw permissionDenied();
    return token;
  }

  /** `POST auth/<mount>/login {role_id, secret_id}`: a new token with the role's lifetime. */
  private login(roles: VaultFakeAppRole[], body: Json): Reply {
    if (typeof body.role_id !== 'string' || body.role_id === '')
      throw new VaultError(400, ['missing role_id']);
    const role = roles.find((r) => r.roleId === body.role_id && r.secretId === body.secret_id);
    if (!role) throw new VaultError(400, ['invalid role or secret ID']);
    const maxTtl = role.tokenMaxTtl ?? 0;
    const ttl = role.tokenTtl ?? DEFAULT_TTL;
    const token = this.add(`hvs.${randomBytes(18).toString('base64url')}`, ['default'], {
      ttl: maxTtl > 0 ? Math.min(ttl, maxTtl) : ttl,
      maxTtl,
      renewable: role.renewable ?? true,
    });
    return authReply(authBlock(token, token.issuedAt));
  }

  /** `POST auth/token/renew-self {increment?}`: a new lease from now, capped by the max TTL. */
  private renewSelf(token: Token, body: Json): Reply {
    if (!token.renewable || token.ttlSeconds === 0) throw new VaultError(400, ['lease is not renewable']);
    const now = this.now();
    let seconds = readIncrement(body.increment) ?? token.ttlSeconds;
    if (token.maxTtlSeconds > 0) {
      const left = Math.floor((token.issuedAt + token.maxTtlSeconds * 1000 - now) / 1000);
      if (left < 1) throw new VaultError(400, ['past the max TTL, cannot renew']);
      seconds = Math.min(seconds, left);
    }
    token.expiresAt = now + seconds * 1000;
    return authReply(authBlock(token, now));
  }

  /** `GET auth/token/lookup-self`: the token's properties, `ttl` the seconds it has left (0: none). */
  private lookupSelf(token: Token): Reply {
    const now = this.now();
    return ok({
      id: token.id,
      accessor: token.accessor,
      policies: token.policies,
      ttl: remaining(token, now),
      creation_ttl: token.ttlSeconds,
      explicit_max_ttl: token.maxTtlSeconds,
      issue_time: new Date(token.issuedAt).toISOString(),
      expire_time: Number.isFinite(token.expiresAt) ? new Date(token.expiresAt).toISOString() : null,
      renewable: token.renewable,
      type: 'service',
      num_uses: 0,
      path: token.root ? 'auth/token/root' : 'auth/approle/login',
    });
  }
}
