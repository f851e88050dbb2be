import type { KeyObject } from 'node:crypto';
import type { Db } from '../../database/database.js';
import {
  type AuditChainReport,
  CHAIN_START,
  type ChainProgress,
  chainReport,
  verifyLinks,
} from './audit-chain.js';
import {
  checkpointsBetween,
  eventHashesAt,
  listAuditCheckpoints,
  readVerificationMemory,
  saveVerificationMemory,
  type VerificationMemory,
} from './audit-checkpoint-repository.js';
import type { CheckpointHighWater } from './audit-checkpointer.js';
import { AUDIT_PAGE, findAuditEvents, readAuditHead } from './audit-repository.js';
import { firstChangedAfter } from './audit-rewrite-locator.js';
import { type AuditCheckpoint, checkpointSignatureHolds } from './checkpoint-signature.js';
import { verifyLinksYielding } from './verify-links-yielding.js';

/** A verification's report (API.md AuditChainReport). */
export interface AuditVerification extends AuditChainReport {
  /** The newest checkpoint, the one the chain was checked against. */
  lastCheckpoint: AuditCheckpoint | null;
  /** What is wrong, in words; null when `ok`. */
  problem: string | null;
}

export interface AuditVerifierDeps {
  db: Db;
  /** The keys whose checkpoint signatures are accepted (the current one and, derived, older ones). */
  publicKeys: KeyObject[];
  highWater: CheckpointHighWater;
}

/** Events of the already verified prefix re-checked per incremental call (the sweep). */
export const SWEEP_PAGE = AUDIT_PAGE;

type Failure = { firstBrokenId: string | null; problem: string };
type Walk = { progress: ChainProgress; failure?: Failure };

const broken = (progress: ChainProgress, failure: Failure): Walk => ({ progress, failure });

/**
 * Re-checks the next window of the already verified prefix (from `sweepAfter`, wrapping to the
 * start after the remembered checkpoint), so that an edit that leaves a broken link in old
 * events is still found, within (events / SWEEP_PAGE) calls, at one page a call.
 */
async function sweep(db: Db, memory: VerificationMemory): Promise<Failure | null> {
  const start = memory.sweepAfter;
  const end = Math.min(start + SWEEP_PAGE, memory.lastEventId);
  const events = await findAuditEvents(db, {
    after: String(start - 1),
    before: String(end + 1),
    limit: end - start + 1,
  });
  let from = CHAIN_START;
  if (start > 0) {
    const anchor = events.shift();
    if (anchor?.id !== String(start))
      return { firstBrokenId: String(start), problem: `event ${start} is missing` };
    from = { head: { lastId: start, lastHash: anchor.hash }, checked: start, firstBrokenId: null };
  }
  const result = verifyLinks(events, from);
  if (result.firstBrokenId !== null)
    return { firstBrokenId: result.firstBrokenId, problem: linkProblem(result) };
  return null;
}

function linkProblem(p: ChainProgress): string {
  return p.firstBrokenId === String(p.head.lastId + 1)
    ? `event ${p.firstBrokenId} is missing, out of order, or does not hash to its stored hash`
    : `event ${p.firstBrokenId} is out of place`;
}

/** Where the walk starts: the genesis, or the remembered checkpoint's event if it still has its hash. */
async function startOf(db: Db, memory: VerificationMemory | null): Promise<Walk> {
  if (!memory) return { progress: CHAIN_START };
  const at = memory.lastEventId;
  const progress: ChainProgress = {
    head: { lastId: at, lastHash: memory.lastHash },
    checked: at,
    firstBrokenId: null,
  };
  const hash = (await eventHashesAt(db, [at])).get(at);
  if (hash === memory.lastHash) return { progress };
  const first = await firstChangedAfter(db, at, memory.lastHash);
  return broken(progress, {
    firstBrokenId: first,
    problem:
      hash === undefined
        ? `event ${at}, covered by a verified checkpoint, is gone (truncated or deleted)`
        : `event ${at} no longer has the hash its checkpoint signed: events from ${first} on were rewritten`,
  });
}

/** Walks from `start` to the end of the log, checking links and every checkpoint on the way. */
async function walk(db: Db, start: ChainProgress, checkpoints: AuditCheckpoint[]): Promise<Walk> {
  const byEvent = new Map(checkpoints.map((c) => [Number(c.lastEventId), c]));
  let progress = start;
  let lastIntact = start.head.lastId;
  for (;;) {
    const events = await findAuditEvents(db, { after: String(progress.head.lastId), limit: AUDIT_PAGE });
    const before = progress.head.lastId;
    progress = await verifyLinksYielding(events, progress);
    for (const e of events) {
      const id = Number(e.id);
      if (id <= before || id > progress.head.lastId) continue;
      const checkpoint = byEvent.get(id);
      if (!checkpoint) continue;
      if (checkpoint.lastHash !== e.hash)
        return broken(progress, {
          firstBrokenId: String(lastIntact + 1),
          problem: `event ${id} no longer has the hash checkpoint ${checkpoint.id} signed: events from ${lastIntact + 1} on were rewritten`,
        });
      lastIntact = id;
    }
    if (progress.firstBrokenId !== null)
      return broken(progress, { firstBrokenId: progress.firstBrokenId, problem: linkProblem(progress) });
    if (events.length < AUDIT_PAGE) return { progress };
  }
}

/** Checks of the checkpoints themselves: signatures, and never fewer than remembered. */
function checkpointFailure(
  deps: AuditVerifierDeps,
  newest: AuditCheckpoint | undefined,
  recent: AuditCheckpoint[],
  floor: number,
): Failure | null {
  const forged = recent.find((c) => !checkpointSignatureHolds(deps.publicKeys, c));
  if (forged)
    return {
      firstBrokenId: null,
      problem: `checkpoint ${forged.id} (event ${forged.lastEventId}) does not carry the gateway's signature`,
    };
  const covered = Number(newest?.lastEventId ?? 0);
  if (covered < floor)
    return {
      firstBrokenId: String(covered + 1),
      problem: `the newest checkpoint covers event ${covered}, but event ${floor} was covered before: checkpoints were removed`,
    };
  return null;
}

/**
 * Verifies the audit log against its newest signed checkpoint, incrementally: from the last
 * checkpoint a verification found intact (remembered in Postgres), plus one page of the older
 * events (the sweep); `full` walks from the first event. Detects forged or removed checkpoints,
 * a checkpointed event gone or rewritten (later hashes recomputed or not), missing, moved or
 * edited events, and a log cut short of a checkpoint or of `audit_head`.
 */
export async function verifyAuditLog(
  deps: AuditVerifierDeps,
  options: { full?: boolean } = {},
): Promise<AuditVerification> {
  const { db } = deps;
  const [newest] = await listAuditCheckpoints(db, { limit: 1 });
  const memory = await readVerificationMemory(db);
  const floor = Math.max(memory?.lastEventId ?? 0, deps.highWater.value);
  const from = options.full ? null : memory;
  const recent = newest
    ? await checkpointsBetween(db, from?.lastEventId ?? 0, Number(newest.lastEventId))
    : [];
  const result = (checked: number, failure: Failure | null): AuditVerification => ({
    ok: failure === null,
    checked,
    firstBrokenId: failure?.firstBrokenId ?? null,
    lastCheckpoint: newest ?? null,
    problem: failure?.problem ?? null,
  });
  const bad = checkpointFailure(deps, newest, recent, floor);
  const swept = from ? await sweep(db, from) : null;
  if (swept) return result(0, swept);
  const start = await startOf(db, from);
  const walked = start.failure ? start : await walk(db, start.progress, recent);
  if (walked.failure) return result(walked.progress.checked, walked.failure);
  if (bad) return result(walked.progress.checked, bad);
  const { progress } = walked;
  const end = progress.head.lastId;
  if (newest && Number(newest.lastEventId) > end)
    return result(progress.checked, {
      firstBrokenId: String(end + 1),
      problem: `checkpoint ${newest.id} covers event ${newest.lastEventId} but the log ends at event ${end}: truncated`,
    });
  const head = await readAuditHead(db);
  const report = chainReport(progress, { lastId: Number(head.lastId), lastHash: head.lastHash });
  if (!report.ok)
    return result(report.checked, {
      firstBrokenId: report.firstBrokenId,
      problem: `audit_head does not match event ${end}`,
    });
  await remember(deps, newest, memory, from);
  return result(report.checked, null);
}

/** Remembers the newest checkpoint as verified, and where the next sweep starts. */
async function remember(
  deps: AuditVerifierDeps,
  newest: AuditCheckpoint | undefined,
  memory: VerificationMemory | null,
  swept: VerificationMemory | null,
): Promise<void> {
  if (!newest) return;
  const lastEventId = Number(newest.lastEventId);
  deps.highWater.value = Math.max(deps.highWater.value, lastEventId);
  let sweepAfter = memory?.sweepAfter ?? 0;
  if (swept)
    sweepAfter = swept.sweepAfter + SWEEP_PAGE >= swept.lastEventId ? 0 : swept.sweepAfter + SWEEP_PAGE;
  if (memory?.checkpointId === newest.id && memory.sweepAfter === sweepAfter) return;
  await saveVerificationMemory(deps.db, {
    checkpointId: newest.id,
    lastEventId,
    lastHash: newest.lastHash,
    sweepAfter,
  });
}
