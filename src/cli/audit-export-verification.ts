import type { KeyObject } from 'node:crypto';
import { CHAIN_START, type ChainProgress, verifyLinks } from '../services/audit/audit-chain.js';
import type { AuditEvent } from '../services/audit/audit-event.js';
import { checkpointSignatureHolds, publicKeyFromRaw } from '../services/audit/checkpoint-signature.js';

/**
 * Offline verification of an `sgw audit export` file, pure: the same hash (audit-chain.ts) and
 * signature (checkpoint-signature.ts) definitions as the gateway, no gateway needed.
 */

/** A checkpoint line of an export. */
export interface ExportedCheckpoint {
  id: string;
  lastEventId: string;
  lastHash: string;
  at: string;
  signature: string;
}

/** An export file, parsed. */
export interface AuditExport {
  events: AuditEvent[];
  checkpoints: ExportedCheckpoint[];
  /** The keys of the `{"auditPublicKey": …, "auditPublicKeys": […]}` line the export ends with. */
  publicKeys: string[];
}

export interface ExportReport {
  ok: boolean;
  events: number;
  firstEventId: string | null;
  lastEventId: string | null;
  checkpoints: number;
  /** The last event the newest checkpoint covers. */
  lastCheckpointEventId: string | null;
  /** Events after the newest checkpoint (not signed yet when exported). */
  unsignedTrailing: number;
  firstBrokenId: string | null;
  problem: string | null;
}

/** Parses an export's lines; throws naming the line of anything that is not one of its shapes. */
export function parseAuditExport(text: string): AuditExport {
  const parsed: AuditExport = { events: [], checkpoints: [], publicKeys: [] };
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`line ${index + 1} is not JSON`);
    }
    if (typeof value.auditPublicKey === 'string')
      parsed.publicKeys = Array.isArray(value.auditPublicKeys)
        ? value.auditPublicKeys.map(String)
        : [value.auditPublicKey];
    else if (typeof value.signature === 'string')
      parsed.checkpoints.push(value as unknown as ExportedCheckpoint);
    else if (typeof value.hash === 'string' && typeof value.at === 'string')
      parsed.events.push({
        ...(value as unknown as AuditEvent),
        id: String(value.id),
        at: new Date(value.at),
      });
    else throw new Error(`line ${index + 1} is neither an audit event nor a checkpoint`);
  });
  return parsed;
}

/** Where the file's chain starts: the genesis, or (a partial export) the first event's link. */
function startOf(first: AuditEvent | undefined): ChainProgress {
  if (!first || first.id === '1') return CHAIN_START;
  return {
    head: { lastId: Number(first.id) - 1, lastHash: first.prevHash },
    checked: 0,
    firstBrokenId: null,
  };
}

type Failure = { firstBrokenId: string | null; problem: string };

/** The first checkpoint that fails (signature, missing or changed event), in event order. */
function checkpointFailure(
  file: AuditExport,
  key: KeyObject[],
  hashes: Map<number, string>,
  start: number,
  end: number,
): Failure | null {
  let lastIntact = start;
  const sorted = [...file.checkpoints].sort((a, b) => Number(a.lastEventId) - Number(b.lastEventId));
  for (const c of sorted) {
    const at = Number(c.lastEventId);
    if (!checkpointSignatureHolds(key, c))
      return {
        firstBrokenId: null,
        problem: `checkpoint ${c.id} (event ${at}) does not carry a valid signature`,
      };
    if (at <= start) continue;
    if (at > end)
      return {
        firstBrokenId: String(end + 1),
        problem: `checkpoint ${c.id} covers event ${at} but the chain ends at event ${end}: events were removed`,
      };
    if (hashes.get(at) !== c.lastHash)
      return {
        firstBrokenId: String(lastIntact + 1),
        problem: `event ${at} does not have the hash checkpoint ${c.id} signed: events from ${lastIntact + 1} to ${at} were rewritten`,
      };
    lastIntact = at;
  }
  return null;
}

/** Verifies every link of the file's events and every checkpoint against the keys (base64 raw; any of them). */
export function verifyAuditExport(file: AuditExport, publicKeys: string | string[]): ExportReport {
  const key = (Array.isArray(publicKeys) ? publicKeys : [publicKeys]).map(publicKeyFromRaw);
  const { events, checkpoints } = file;
  const start = startOf(events[0]);
  const progress = verifyLinks(events, start);
  const hashes = new Map(events.map((e) => [Number(e.id), e.hash]));
  const end = progress.head.lastId;
  const newest = Math.max(0, ...checkpoints.map((c) => Number(c.lastEventId)));
  const fromCheckpoints = checkpointFailure(file, key, hashes, start.head.lastId, end);
  let failure: Failure | null = fromCheckpoints;
  if (progress.firstBrokenId !== null) {
    const link: Failure = {
      firstBrokenId: progress.firstBrokenId,
      problem: `event ${progress.firstBrokenId} is missing, out of order, or does not hash to its recorded hash`,
    };
    const earlier =
      fromCheckpoints?.firstBrokenId && Number(fromCheckpoints.firstBrokenId) < Number(link.firstBrokenId);
    if (!earlier) failure = link;
  } else if (!failure && events.length > 0 && newest === 0) {
    failure = { firstBrokenId: null, problem: 'no event of the file is covered by a signed checkpoint' };
  }
  return {
    ok: failure === null,
    events: events.length,
    firstEventId: events[0]?.id ?? null,
    lastEventId: events.at(-1)?.id ?? null,
    checkpoints: checkpoints.length,
    lastCheckpointEventId: newest ? String(newest) : null,
    unsignedTrailing: Math.max(0, end - newest),
    firstBrokenId: failure?.firstBrokenId ?? null,
    problem: failure?.problem ?? null,
  };
}
