import type { Authorize } from '../../../auth/authorize.js';
import type { Principal } from '../../../auth/principal.js';
import type { Db } from '../../../database/database.js';
import { readSinkStates, type StoredSinkState } from './audit-sink-repository.js';

/** A configured sink as `auditSinks` shows it (lastDeliveredId null: nothing delivered yet). */
export interface AuditSinkState {
  name: string;
  lastDeliveredId: string | null;
  lag: number;
  lastError: string | null;
}

export interface AuditSinksServiceDeps {
  db: Db;
  authorize: Authorize;
  /** The sinks configured on this gateway (`file`, `webhook`). */
  names: readonly string[];
}

function shown(state: StoredSinkState): AuditSinkState {
  return { ...state, lastDeliveredId: state.lastDeliveredId === '0' ? null : state.lastDeliveredId };
}

/** Where each configured sink stands, for ADMIN and AUDITOR (`audit.read`). */
export function createAuditSinksService(deps: AuditSinksServiceDeps) {
  return {
    async list(principal: Principal): Promise<AuditSinkState[]> {
      await deps.authorize(principal, 'audit.read', { action: 'audit.sinks', target: { kind: 'audit' } });
      return (await readSinkStates(deps.db, deps.names)).map(shown);
    },
  };
}

export type AuditSinksService = ReturnType<typeof createAuditSinksService>;
