import { ForbiddenError } from '../errors.js';
import type { AuditAction } from '../services/audit/audit-action.js';
import type { Principal } from './principal.js';
import { type Permission, roleAllows } from './roles.js';

/** What a denied attempt was: recorded as a DENIED audit event. */
export interface Attempt {
  action: AuditAction;
  target: Record<string, unknown>;
}

/** Throws FORBIDDEN (after recording a DENIED event) unless the principal has the permission. */
export type Authorize = (principal: Principal, permission: Permission, attempt: Attempt) => Promise<void>;

export interface AuthorizeDeps {
  /** Records the DENIED event; resolves once it is committed (fail-closed). */
  recordDenial(entry: {
    actor: string;
    action: AuditAction;
    outcome: 'DENIED';
    target: Record<string, unknown>;
  }): Promise<void>;
}

/** The one permission check every service call makes first. */
export function createAuthorize(deps: AuthorizeDeps): Authorize {
  return async (principal, permission, attempt) => {
    if (roleAllows(principal.role, permission)) return;
    await deps.recordDenial({
      actor: principal.name,
      action: attempt.action,
      outcome: 'DENIED',
      target: attempt.target,
    });
    throw new ForbiddenError(
      `Role ${principal.role} may not ${permission.replace('.', ' ')} (${attempt.action})`,
    );
  };
}
