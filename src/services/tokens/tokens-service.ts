import { z } from 'zod';
import { generateApiToken, hashApiToken, isApiTokenShape, tokenHashesEqual } from '../../auth/api-token.js';
import type { Authorize } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import { ROLES, type Role } from '../../auth/roles.js';
import type { Db, Executor } from '../../database/database.js';
import { BadUserInputError, issuesFromZod, NotFoundError } from '../../errors.js';
import type { AuditService } from '../audit/audit-service.js';
import { microBatch } from '../micro-batch.js';
import * as repo from './tokens-repository.js';

export interface TokensServiceDeps {
  db: Db;
  audit: Pick<AuditService, 'audited'>;
  authorize: Authorize;
}

export interface NewToken {
  id: string;
  token: string;
  principal: Principal;
}

const principalNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[A-Za-z0-9_.@-]+$/, 'may contain letters, digits and _ . @ - only');

const ANONYMOUS = 'anonymous';

/** API tokens and principals: issue, revoke, authenticate, bootstrap the first admin. */
export function createTokensService(deps: TokensServiceDeps) {
  const { db, audit, authorize } = deps;

  /** Token lookups of concurrent requests share one query (no cache: a revocation holds at once). */
  const findByTokenHash = microBatch((hashes: string[]) => repo.findPrincipalsByTokenHashes(db, hashes));

  /** The principal of a bearer token, or undefined for a missing, malformed or revoked token. */
  async function authenticate(token: string | undefined): Promise<Principal | undefined> {
    if (!token || !isApiTokenShape(token)) return undefined;
    const hash = hashApiToken(token);
    const found = await findByTokenHash(hash);
    if (!found || !tokenHashesEqual(found.tokenHash, hash)) return undefined;
    return { id: found.id, name: found.name, role: found.role };
  }

  /** Issues a token for a principal (created with `role` if new; an existing one takes `role`). */
  async function createToken(caller: Principal, principalName: string, role: Role): Promise<NewToken> {
    const target = { kind: 'token', principal: principalName, role };
    await authorize(caller, 'token.manage', { action: 'token.create', target });
    const parsed = principalNameSchema.safeParse(principalName);
    const issues = parsed.success ? [] : issuesFromZod(parsed.error.issues, 'principal');
    if (!ROLES.includes(role)) issues.push({ path: 'role', message: `must be one of ${ROLES.join(', ')}` });
    if (principalName === ANONYMOUS)
      issues.push({ path: 'principal', message: `"${ANONYMOUS}" is reserved` });
    if (issues.length) throw new BadUserInputError('Invalid token request', issues);
    const token = generateApiToken();
    return audit.audited(async (trx, record) => {
      const principal = await repo.ensurePrincipal(trx, principalName, role);
      if (principal.role !== role) {
        await repo.updatePrincipalRole(trx, principal.id, role);
        principal.role = role;
      }
      const id = await repo.insertToken(trx, principal.id, hashApiToken(token));
      await record({ actor: caller.name, action: 'token.create', target: { ...target, tokenId: id } });
      return { id, token, principal };
    });
  }

  async function revokeToken(caller: Principal, id: string): Promise<boolean> {
    const target = { kind: 'token', tokenId: id };
    await authorize(caller, 'token.manage', { action: 'token.revoke', target });
    if (!z.uuid().safeParse(id).success) throw new NotFoundError(`Token ${id} not found`);
    return audit.audited(async (trx, record) => {
      const principalId = await repo.revokeToken(trx, id);
      if (!principalId) throw new NotFoundError(`Token ${id} not found or already revoked`);
      await record({ actor: caller.name, action: 'token.revoke', target });
      return true;
    });
  }

  /**
   * Makes sure an admin can log in: registers `SGW_ADMIN_TOKEN` (hashed) if given, otherwise
   * generates a token when no admin token exists. Returns the generated token (print it once).
   */
  async function bootstrapAdmin(
    executor: Executor,
    configuredToken: string | undefined,
  ): Promise<string | undefined> {
    const admin = await repo.ensurePrincipal(executor, 'admin', 'ADMIN');
    if (configuredToken) {
      await repo.insertToken(executor, admin.id, hashApiToken(configuredToken));
      return undefined;
    }
    if ((await repo.countActiveAdminTokens(executor)) > 0) return undefined;
    const token = generateApiToken();
    await repo.insertToken(executor, admin.id, hashApiToken(token));
    return token;
  }

  return {
    authenticate,
    createToken,
    revokeToken,
    bootstrapAdmin,
    findPrincipal: (id: string) => repo.findPrincipalById(db, id),
  };
}

export type TokensService = ReturnType<typeof createTokensService>;
export { ANONYMOUS };
