import type { Db } from '../../../database/database.js';
import type { Logger } from '../../../logger.js';
import { findAuditEvents } from '../audit-repository.js';
import { type AuditSink, SinkFailure } from './audit-sink.js';
import { recordSinkError } from './audit-sink-repository.js';
import { createSinkLease, type SinkLease } from './sink-lease.js';
import { createWaker, sleep } from './sink-wait.js';

export interface SinkRunnerDeps {
  db: Db;
  log: Logger;
  sink: AuditSink;
  /** This replica, as written in the lease (`host:pid:random`). */
  owner: string;
  /** How long a lease lasts unless renewed (renewed every third of it). */
  leaseMs: number;
  /** Longest wait for new events when no wake-up comes (a missed signal costs this much). */
  pollMs: number;
  /** Events this replica delivered (the metric). */
  onDelivered(sink: string, count: number): void;
}

/** After a wake-up, how long the runner lets more events arrive before it reads a batch. */
const LINGER_MS = 25;

/** What a failure may say: a sink's own words, else only that the log could not be read. */
function reasonOf(error: unknown): string {
  return error instanceof SinkFailure ? error.message : 'could not read the audit log or the sink cursor';
}

/** One sink's delivery state on this replica: the lease, the cursor, the last reason logged. */
function createDelivery(deps: SinkRunnerDeps, lease: SinkLease, stopping: AbortSignal) {
  const { db, log, sink, owner } = deps;
  let cursor = '0';
  let lastReason: string | undefined;

  function failed(reason: string): void {
    if (reason !== lastReason) log.warn('audit sink delivery failed; retrying', { sink: sink.name, reason });
    lastReason = reason;
    recordSinkError(db, sink.name, owner, reason).catch(() => {});
  }

  /** Takes the lease if free and starts from the sink's cursor (or what the sink shows it holds). */
  async function takeOver(): Promise<boolean> {
    const claimed = await lease.claim();
    if (claimed === undefined) return false;
    let held: string | undefined;
    try {
      held = await sink.resume?.();
    } catch (error) {
      failed(reasonOf(error));
      lease.lose(); // not delivering until the sink can tell what it holds (the next step tries again)
      throw error;
    }
    cursor = claimed;
    if (held !== undefined && BigInt(held) > BigInt(claimed) && (await lease.advance(held))) cursor = held;
    log.info('audit sink driven by this replica', { sink: sink.name, cursor });
    return true;
  }

  /** Delivers the next batch; false when there was none (or the lease went meanwhile). */
  async function deliverNext(held: AbortSignal): Promise<boolean> {
    const events = await findAuditEvents(db, { after: cursor, limit: sink.batchSize });
    if (events.length === 0) return false;
    await sink.deliver(events, { signal: AbortSignal.any([held, stopping]), failed });
    const last = events[events.length - 1].id;
    if (!(await lease.advance(last))) return false;
    cursor = last;
    lastReason = undefined;
    deps.onDelivered(sink.name, events.length);
    return true;
  }

  return { failed, takeOver, deliverNext };
}

/**
 * Drives one sink on this replica: takes its lease (one replica at a time), then hands it the
 * committed events after its cursor, a bounded batch at a time in id order, and moves the cursor
 * after each delivered batch. A replica that stops holding the lease stops delivering at once
 * (its batch is abandoned, and delivered again by the next holder: at least once). Never touches
 * a request: it only reads the log and writes its own cursor row.
 */
export function startSinkRunner(deps: SinkRunnerDeps) {
  const { log, sink, leaseMs } = deps;
  const waker = createWaker();
  const stopping = new AbortController();
  const lease = createSinkLease({ ...deps, sink: sink.name });
  const delivery = createDelivery(deps, lease, stopping.signal);

  async function step(): Promise<void> {
    const held = lease.signal();
    if (!held) {
      if (!(await delivery.takeOver())) await sleep(Math.floor(leaseMs / 3), stopping.signal);
    } else if (!(await delivery.deliverNext(held))) {
      await waker.wait(deps.pollMs, stopping.signal);
      await sleep(LINGER_MS, stopping.signal); // events committed together go in one batch
    }
  }

  async function run(): Promise<void> {
    while (!stopping.signal.aborted) {
      try {
        await step();
      } catch (error) {
        if (stopping.signal.aborted) break;
        if (!(error instanceof SinkFailure))
          log.warn('audit sink run failed', { sink: sink.name, error: String(error) });
        if (lease.signal()) delivery.failed(reasonOf(error));
        await sleep(deps.pollMs, stopping.signal);
      }
    }
  }

  const running = run();

  return {
    name: sink.name,
    /** New events were committed: look now rather than at the next poll. */
    wake: waker.wake,
    /** Stops after the current step (an attempt under way is abandoned), gives the lease up, closes the sink. */
    async stop(): Promise<void> {
      stopping.abort();
      await running;
      await lease.release();
      await sink.close?.();
    },
  };
}

export type SinkRunner = ReturnType<typeof startSinkRunner>;
