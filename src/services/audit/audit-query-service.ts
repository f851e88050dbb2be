import { setImmediate } from 'node:timers/promises';
import type { Authorize } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import type { Db } from '../../database/database.js';
import { BadUserInputError, type InputIssue } from '../../errors.js';
import { INPUT_LIMITS } from '../input-limits.js';
import type { VerificationLimiter } from '../rate-limit/verification-limiter.js';
import { type AuditChainReport, CHAIN_START, chainReport, verifyLinks } from './audit-chain.js';
import { type AuditEvent, type AuditFilter, auditEventMatches } from './audit-event.js';
import type { AuditFanout, FanoutSink } from './audit-fanout.js';
import { AUDIT_PAGE, findAuditEvents, readAuditHead } from './audit-repository.js';

export interface AuditQueryDeps {
  db: Db;
  authorize: Authorize;
  /** Bounds full verifications per principal. */
  verifications: VerificationLimiter;
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

/**
 * Walks the whole stored chain, a page at a time; reports the first event whose link or hash
 * does not hold. Between pages it lets the event loop serve other requests (embedded PGlite runs
 * on this thread: without the pause a long log would hold every other request, /healthz too).
 */
export async function verifyAuditChain(db: Db): Promise<AuditChainReport> {
  let progress = CHAIN_START;
  let after: string | null = null;
  for (;;) {
    if (after !== null) await setImmediate();
    const events = await findAuditEvents(db, { after, limit: AUDIT_PAGE });
    progress = verifyLinks(events, progress);
    const { checked, firstBrokenId } = progress;
    if (firstBrokenId !== null) return { ok: false, checked, firstBrokenId };
    if (events.length < AUDIT_PAGE) break;
    after = events[events.length - 1].id;
  }
  const head = await readAuditHead(db);
  return chainReport(progress, { lastId: Number(head.lastId), lastHash: head.lastHash });
}

function checkCursor(value: string | null | undefined, path: string, issues: InputIssue[]): void {
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
  deps: Pick<AuditQueryDeps, 'db' | 'authorize' | 'verifications'>,
  principal: Principal,
): Promise<AuditChainReport> {
  await deps.authorize(principal, 'audit.read', { action: 'audit.verify', target: auditTarget() });
  return deps.verifications.run(principal, () => verifyAuditChain(deps.db));
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
    verifyChainFor: (principal: Principal) => verifyAuditChainFor(deps, principal),
    subscribeFor: (principal: Principal, filter: AuditFilter | null, after: string | null) =>
      subscribeAuditFor(deps, principal, filter, after),
    followFor: (principal: Principal, args: AuditFollowArgs) => followAuditFor(deps, principal, args),
  };
}

export type AuditQueryService = ReturnType<typeof createAuditQueryService>;
