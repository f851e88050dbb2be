import type { Authorize } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import type { Db } from '../../database/database.js';
import { BadUserInputError, type InputIssue } from '../../errors.js';
import { INPUT_LIMITS } from '../input-limits.js';
import type { VerificationLimiter } from '../rate-limit/verification-limiter.js';
import { listAuditCheckpoints } from './audit-checkpoint-repository.js';
import { type AuditEvent, type AuditFilter, auditEventMatches } from './audit-event.js';
import type { AuditFanout, FanoutSink } from './audit-fanout.js';
import { findAuditEvents } from './audit-repository.js';
import type { AuditVerification } from './audit-verifier.js';
import type { AuditCheckpoint } from './checkpoint-signature.js';

export interface AuditQueryDeps {
  db: Db;
  authorize: Authorize;
  /** Bounds verifications per principal. */
  verifications: VerificationLimiter;
  /** The verifier (incremental unless `full`), unchecked. */
  verify(options: { full?: boolean }): Promise<AuditVerification>;
  /** base64 of the raw Ed25519 public key checkpoints are signed with. */
  publicKey: string;
  /** Every public key whose checkpoints are accepted, the current one first. */
  acceptedKeys: string[];
  /** The feed, unchecked (`subscribeAuditFeed` bound to its bus). */
  subscribe(filter: AuditFilter | null | undefined, after?: string | null): AsyncGenerator<AuditEvent>;
  /** The shared feed, unchecked (`AuditFanout.follow`). */
  follow: AuditFanout['follow'];
}

/** A follower of the shared feed: what it asks for, how its events are rendered, where they go. */
export interface AuditFollowArgs {
  filter: AuditFilter | null;
  after: string | null;
  /** Followers with equal keys and filters get the same rendered bytes (e.g. the query and its variables). */
  key: string;
  render(event: AuditEvent): Uint8Array;
  sink: FanoutSink;
}

/** Arguments of one page of the log. */
export interface AuditListArgs {
  filter?: AuditFilter | null;
  first?: number | null;
  after?: string | null;
  newestFirst?: boolean;
}

/** The target of an audit-log read (every one is for ADMIN and AUDITOR: `audit.read`). */
const auditTarget = () => ({ kind: 'audit' });

/** An audit event id as a cursor (`after`, `before`): digits, at most 18; a problem goes to `issues`. */
export function checkCursor(value: string | null | undefined, path: string, issues: InputIssue[]): void {
  if (value != null && !/^\d{1,18}$/.test(value)) issues.push({ path, message: 'must be an audit event id' });
}

/** One page of the log for ADMIN and AUDITOR; BAD_USER_INPUT for a bad `first` or cursor. */
async function listAuditEvents(
  deps: Pick<AuditQueryDeps, 'db' | 'authorize'>,
  principal: Principal,
  args: AuditListArgs,
): Promise<{ events: AuditEvent[]; hasNextPage: boolean }> {
  await deps.authorize(principal, 'audit.read', { action: 'audit.list', target: auditTarget() });
  const first = args.first ?? 50;
  const issues: InputIssue[] = [];
  if (!Number.isInteger(first) || first < 1 || first > INPUT_LIMITS.maxPageSize)
    issues.push({ path: 'first', message: `must be between 1 and ${INPUT_LIMITS.maxPageSize}` });
  checkCursor(args.after, 'after', issues);
  if (issues.length) throw new BadUserInputError('Invalid audit query', issues);
  const events = await findAuditEvents(deps.db, {
    filter: args.filter,
    after: args.after,
    limit: first + 1,
    newestFirst: args.newestFirst,
  });
  return { events: events.slice(0, first), hasNextPage: events.length > first };
}

/** The chain verification for ADMIN and AUDITOR; one at a time and a few a minute per caller (RATE_LIMITED). */
async function verifyAuditChainFor(
  deps: Pick<AuditQueryDeps, 'authorize' | 'verifications' | 'verify'>,
  principal: Principal,
  options: { full?: boolean },
): Promise<AuditVerification> {
  await deps.authorize(principal, 'audit.read', { action: 'audit.verify', target: auditTarget() });
  return deps.verifications.run(principal, () => deps.verify(options));
}

/** Signed checkpoints for ADMIN and AUDITOR, newest first (below event `before` when given). */
async function listCheckpointsFor(
  deps: Pick<AuditQueryDeps, 'db' | 'authorize'>,
  principal: Principal,
  args: { first?: number | null; before?: string | null },
): Promise<AuditCheckpoint[]> {
  await deps.authorize(principal, 'audit.read', { action: 'audit.list', target: auditTarget() });
  const first = args.first ?? 50;
  const issues: InputIssue[] = [];
  if (!Number.isInteger(first) || first < 1 || first > INPUT_LIMITS.maxPageSize)
    issues.push({ path: 'first', message: `must be between 1 and ${INPUT_LIMITS.maxPageSize}` });
  checkCursor(args.before, 'before', issues);
  if (issues.length) throw new BadUserInputError('Invalid checkpoint query', issues);
  return listAuditCheckpoints(deps.db, { limit: first, beforeEventId: args.before });
}

/** The subscription for ADMIN and AUDITOR, checked (permission, cursor) before anything is sent. */
async function subscribeAuditFor(
  deps: Pick<AuditQueryDeps, 'authorize' | 'subscribe'>,
  principal: Principal,
  filter: AuditFilter | null,
  after: string | null,
): Promise<AsyncGenerator<AuditEvent>> {
  await deps.authorize(principal, 'audit.read', { action: 'audit.subscribe', target: auditTarget() });
  const issues: InputIssue[] = [];
  checkCursor(after, 'after', issues);
  if (issues.length) throw new BadUserInputError('Invalid audit subscription', issues);
  return deps.subscribe(filter, after);
}

/**
 * The subscription on the shared feed (`auditEvents` over the lean SSE path), checked like
 * `subscribeFor`; a denial is audited, then FORBIDDEN.
 */
async function followAuditFor(
  deps: Pick<AuditQueryDeps, 'authorize' | 'follow'>,
  principal: Principal,
  args: AuditFollowArgs,
): Promise<{ close(): void }> {
  await deps.authorize(principal, 'audit.read', { action: 'audit.subscribe', target: auditTarget() });
  const issues: InputIssue[] = [];
  checkCursor(args.after, 'after', issues);
  if (issues.length) throw new BadUserInputError('Invalid audit subscription', issues);
  const { filter } = args;
  const spec = {
    key: `${JSON.stringify(filter)}\n${args.key}`,
    matches: (event: AuditEvent) => auditEventMatches(event, filter),
    render: args.render,
  };
  return deps.follow(spec, args.after, args.sink);
}

/** The audit log's queries, each checking `audit.read` first (a denial is audited, then FORBIDDEN). */
export function createAuditQueryService(deps: AuditQueryDeps) {
  return {
    listEvents: (principal: Principal, args: AuditListArgs) => listAuditEvents(deps, principal, args),
    verifyChainFor: (principal: Principal, options: { full?: boolean } = {}) =>
      verifyAuditChainFor(deps, principal, options),
    checkpointsFor: (principal: Principal, args: { first?: number | null; before?: string | null }) =>
      listCheckpointsFor(deps, principal, args),
    /** The checkpoint public key, for ADMIN and AUDITOR. */
    publicKeyFor: async (principal: Principal): Promise<string> => {
      await deps.authorize(principal, 'audit.read', { action: 'audit.list', target: auditTarget() });
      return deps.publicKey;
    },
    /** Every accepted checkpoint key (current first), for ADMIN and AUDITOR. */
    publicKeysFor: async (principal: Principal): Promise<string[]> => {
      await deps.authorize(principal, 'audit.read', { action: 'audit.list', target: auditTarget() });
      return deps.acceptedKeys;
    },
    subscribeFor: (principal: Principal, filter: AuditFilter | null, after: string | null) =>
      subscribeAuditFor(deps, principal, filter, after),
    followFor: (principal: Principal, args: AuditFollowArgs) => followAuditFor(deps, principal, args),
  };
}

export type AuditQueryService = ReturnType<typeof createAuditQueryService>;
