import { z } from 'zod';
import { generateApiToken, hashApiToken } from '../../auth/api-token.js';
import type { Principal } from '../../auth/principal.js';
import { ROLES, type Role } from '../../auth/roles.js';
import type { Executor } from '../../database/database.js';
import { BadUserInputError, ConflictError, issuesFromZod, NotFoundError } from '../../errors.js';
import * as repo from './tokens-repository.js';
import type { NewToken, TokensServiceDeps } from './tokens-service.js';

/** The principal name the gateway gives unauthenticated callers in audit events. */
export const ANONYMOUS = 'anonymous';

const principalNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[A-Za-z0-9_.@-]+$/, 'may contain letters, digits and _ . @ - only')
  .refine((name) => name !== ANONYMOUS, `"${ANONYMOUS}" is reserved`);

/** `createToken`: a valid, unreserved principal name and a known role. */
const createTokenInputSchema = z.object({
  principal: principalNameSchema,
  role: z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` }),
});

/**
 * Issues a token for a principal, created with `role` if new. FORBIDDEN, BAD_USER_INPUT;
 * CONFLICT when the principal exists with another role (roles change only by `setPrincipalRole`).
 */
export async function createToken(
  deps: TokensServiceDeps,
  caller: Principal,
  principalName: string,
  role: Role,
): Promise<NewToken> {
  const target = { kind: 'token', principal: principalName, role };
  await deps.authorize(caller, 'token.manage', { action: 'token.create', target });
  const parsed = createTokenInputSchema.safeParse({ principal: principalName, role });
  if (!parsed.success)
    throw new BadUserInputError('Invalid token request', issuesFromZod(parsed.error.issues));
  const token = generateApiToken();
  return deps.audit.audited(async (trx, record) => {
    const principal = await repo.ensurePrincipal(trx, principalName, role);
    if (principal.role !== role)
      throw new ConflictError(
        `Principal ${principalName} has role ${principal.role}; change it with setPrincipalRole, not createToken`,
      );
    const id = await repo.insertToken(trx, principal.id, hashApiToken(token));
    await record({ actor: caller.name, action: 'token.create', target: { ...target, tokenId: id } });
    return { id, token, principal };
  });
}

/**
 * Revokes a live token; true once done, and its subscriptions end on every replica. FORBIDDEN;
 * NOT_FOUND for an unknown, malformed or revoked id; CONFLICT for the last live ADMIN token.
 */
export async function revokeToken(deps: TokensServiceDeps, caller: Principal, id: string): Promise<boolean> {
  const target = { kind: 'token', tokenId: id };
  await deps.authorize(caller, 'token.manage', { action: 'token.revoke', target });
  if (!z.uuid().safeParse(id).success) throw new NotFoundError(`Token ${id} not found`);
  await deps.audit.audited(async (trx, record) => {
    await repo.lockAdmins(trx);
    const owner = await repo.findLiveTokenPrincipal(trx, id);
    if (!owner) throw new NotFoundError(`Token ${id} not found or already revoked`);
    if (owner.role === 'ADMIN' && (await repo.countActiveAdminTokens(trx, { tokenId: id })) === 0)
      throw new ConflictError('This is the last live ADMIN token; issue another admin token first');
    if (!(await repo.revokeToken(trx, id))) throw new NotFoundError(`Token ${id} already revoked`);
    await record({ actor: caller.name, action: 'token.revoke', target });
  });
  deps.access.announce({ kind: 'token.revoked', tokenId: id });
  return true;
}

/** `setPrincipalRole`: a valid principal name and a known role. */
const setRoleInputSchema = createTokenInputSchema;

/**
 * Gives an existing principal another role (its tokens follow; its subscriptions opened under
 * the old role end). FORBIDDEN, BAD_USER_INPUT, NOT_FOUND; CONFLICT when it would leave no
 * ADMIN holding a live token.
 */
export async function setPrincipalRole(
  deps: TokensServiceDeps,
  caller: Principal,
  principalName: string,
  role: Role,
): Promise<Principal> {
  const target = { kind: 'principal', principal: principalName, role };
  await deps.authorize(caller, 'token.manage', { action: 'principal.set_role', target });
  const parsed = setRoleInputSchema.safeParse({ principal: principalName, role });
  if (!parsed.success) throw new BadUserInputError('Invalid role change', issuesFromZod(parsed.error.issues));
  const principal = await deps.audit.audited(async (trx, record) => {
    await repo.lockAdmins(trx);
    const found = await repo.findPrincipalByName(trx, principalName);
    if (!found) throw new NotFoundError(`Principal ${principalName} not found`);
    const demotesAdmin = found.role === 'ADMIN' && role !== 'ADMIN';
    if (demotesAdmin && (await repo.countActiveAdminTokens(trx, { principalId: found.id })) === 0)
      throw new ConflictError(
        `${principalName} is the last ADMIN with a live token; give another principal ADMIN first`,
      );
    if (found.role !== role) await repo.updatePrincipalRole(trx, found.id, role);
    await record({
      actor: caller.name,
      action: 'principal.set_role',
      target: { ...target, from: found.role },
    });
    return { ...found, role };
  });
  deps.access.announce({ kind: 'principal.role', principalId: principal.id, role });
  return principal;
}

/**
 * Makes sure an admin can log in: registers `SGW_ADMIN_TOKEN` (hashed) if given, otherwise
 * generates a token when no admin token exists. Returns the generated token (print it once).
 */
export async function bootstrapAdmin(
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
