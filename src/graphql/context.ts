import type { Principal } from '../auth/principal.js';
import { UnauthenticatedError } from '../errors.js';
import type { AuditVerification } from '../services/audit/audit-verifier.js';
import type { Services } from '../services/services.js';

/** Per-request state: the caller and the services. */
export interface GraphQLContext {
  principal: Principal | null;
  /** The id of the token the caller authenticated with (its subscriptions end when it is revoked). */
  tokenId?: string;
  /** The WebSocket an operation came on (graphql-ws), for the per-connection subscription cap. */
  connection?: object;
  services: Services;
  /** The client's address (socket, or trusted proxy's X-Forwarded-For); undefined in-process. */
  clientAddress?: string;
  /** Memo of `activeStackIdOf`: the caller's active stack id, once per request. */
  activeStackId?: Promise<string | undefined>;
  /** Memo of `auditVerificationOf`: one chain verification per request, whatever the aliases (by `full`). */
  auditVerification?: Promise<AuditVerification>;
  auditFullVerification?: Promise<AuditVerification>;
}

/** The authenticated caller, or UNAUTHENTICATED. */
export function principalOf(ctx: GraphQLContext): Principal {
  if (!ctx.principal) throw new UnauthenticatedError();
  return ctx.principal;
}

/** The caller, once `count` secret value reads are taken from its rate (RATE_LIMITED when spent). */
export function valueReaderOf(ctx: GraphQLContext, count = 1): Principal {
  const principal = principalOf(ctx);
  ctx.services.valueReads.take(principal, count);
  return principal;
}

/** The caller's active stack id, read once per request (every `Stack.isActive` of a page shares it). */
export function activeStackIdOf(ctx: GraphQLContext): Promise<string | undefined> {
  ctx.activeStackId ??= ctx.services.stacks.activeStackId(principalOf(ctx));
  return ctx.activeStackId;
}

/** The audit chain's verification, run once per request: every alias of `verifyAuditChain` shares it. */
export function auditVerificationOf(ctx: GraphQLContext, full = false): Promise<AuditVerification> {
  if (full) {
    ctx.auditFullVerification ??= ctx.services.audit.verifyChainFor(principalOf(ctx), { full: true });
    return ctx.auditFullVerification;
  }
  ctx.auditVerification ??= ctx.services.audit.verifyChainFor(principalOf(ctx));
  return ctx.auditVerification;
}
