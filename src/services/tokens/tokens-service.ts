import { hashApiToken, isApiTokenShape, tokenHashesEqual } from '../../auth/api-token.js';
import type { Authorize } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import type { Role } from '../../auth/roles.js';
import type { Db } from '../../database/database.js';
import type { AuditService } from '../audit/audit-service.js';
import { microBatch } from '../micro-batch.js';
import type { AccessFeed } from './access-feed.js';
import type { Session, SessionCache } from './session-cache.js';
import { ANONYMOUS, bootstrapAdmin, createToken, revokeToken, setPrincipalRole } from './token-management.js';
import * as repo from './tokens-repository.js';

/** What the tokens service is built from. */
export interface TokensServiceDeps {
  db: Db;
  audit: Pick<AuditService, 'audited'>;
  authorize: Authorize;
  /** Where revocations and role changes go once committed (ends subscriptions on every replica). */
  access: Pick<AccessFeed, 'announce'>;
  /** Recently seen sessions, kept current by the access feed; none: every request asks the database. */
  sessions?: Pick<SessionCache, 'get' | 'mark' | 'put'>;
}

export type { Session };

/** A token just issued: its id, the token itself (shown once) and its principal. */
export interface NewToken {
  id: string;
  token: string;
  principal: Principal;
}

/** A uuid as Postgres prints it, so the batched lookup finds the row under the id asked for. */
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A token's principal by token hash (active tokens only), batched. */
type FindByTokenHash = (
  hash: string,
) => Promise<(Principal & { tokenHash: string; tokenId: string }) | undefined>;

/**
 * The session of a bearer token, or undefined for a missing, malformed or revoked token: from
 * the session cache when it holds it, else from the database (and kept, unless an access change
 * arrived while the lookup ran). Unknown tokens are never cached.
 */
async function authenticate(
  findByTokenHash: FindByTokenHash,
  sessions: TokensServiceDeps['sessions'],
  token: string | undefined,
): Promise<Session | undefined> {
  if (!token || !isApiTokenShape(token)) return undefined;
  const hash = hashApiToken(token);
  const cached = sessions?.get(hash);
  if (cached) return cached;
  const mark = sessions?.mark() ?? 0;
  const found = await findByTokenHash(hash);
  if (!found || !tokenHashesEqual(found.tokenHash, hash)) return undefined;
  const principal = Object.freeze({ id: found.id, name: found.name, role: found.role });
  const session = Object.freeze({ principal, tokenId: found.tokenId });
  sessions?.put(hash, session, mark);
  return session;
}

/** API tokens and principals: issue, revoke, change roles, authenticate, bootstrap the first admin. */
export function createTokensService(deps: TokensServiceDeps) {
  const { db } = deps;
  // Concurrent lookups share one query; sessions found are cached until an access change drops them.
  const findByTokenHash = microBatch((hashes: string[]) => repo.findPrincipalsByTokenHashes(db, hashes));
  const findPrincipalBatched = microBatch((ids: string[]) => repo.findPrincipalsByIds(db, ids));
  return {
    authenticate: (token: string | undefined) => authenticate(findByTokenHash, deps.sessions, token),
    createToken: (caller: Principal, principalName: string, role: Role) =>
      createToken(deps, caller, principalName, role),
    revokeToken: (caller: Principal, id: string) => revokeToken(deps, caller, id),
    setPrincipalRole: (caller: Principal, principalName: string, role: Role) =>
      setPrincipalRole(deps, caller, principalName, role),
    bootstrapAdmin,
    /** A principal by id, or undefined; concurrent calls (a page of secret owners) share one query. */
    findPrincipal: (id: string): Promise<Principal | undefined> =>
      // Any other spelling is queried alone: found (or failing) as before, without the batch.
      CANONICAL_UUID.test(id) ? findPrincipalBatched(id) : repo.findPrincipalById(db, id),
  };
}

/** What `createTokensService` returns (`Services.tokens`). */
export type TokensService = ReturnType<typeof createTokensService>;
export { ANONYMOUS };
