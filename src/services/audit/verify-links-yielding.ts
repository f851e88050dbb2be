import { setImmediate } from 'node:timers/promises';
import { type ChainProgress, verifyLinks } from './audit-chain.js';
import type { AuditEvent } from './audit-event.js';

/** Events checked between two yields to the event loop (about 0.5 ms of hashing). */
const VERIFY_SLICE = 100;

/**
 * `verifyLinks` a slice at a time, yielding to the event loop before each: a page of 1,000 events
 * hashed in one go held up every request in flight for several milliseconds (the read p99).
 */
export async function verifyLinksYielding(events: AuditEvent[], from: ChainProgress): Promise<ChainProgress> {
  let progress = from;
  for (let start = 0; start < events.length; start += VERIFY_SLICE) {
    await setImmediate();
    progress = verifyLinks(events.slice(start, start + VERIFY_SLICE), progress);
  }
  return progress;
}
