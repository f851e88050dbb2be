import type { AuditEvent } from '../audit-event.js';

/** What a sink's delivery can ask of the runner that drives it. */
export interface DeliveryControl {
  /** The attempt should give up (the gateway stops, or the lease was lost). */
  readonly signal: AbortSignal;
  /** Records why an attempt failed (the sink retries; shown as `AuditSink.lastError`). */
  failed(reason: string): void;
}

/**
 * A destination of committed audit events (the file, the webhook). The runner hands it batches
 * in id order, each after the last one it delivered; `deliver` resolves once the batch is
 * durable there, or rejects (the runner tries the same batch again later).
 */
export interface AuditSink {
  /** The sink's name: its cursor row, metric label and `AuditSink.name`. */
  readonly name: string;
  /** Most events handed to one `deliver`. */
  readonly batchSize: number;
  /**
   * Called when this replica takes the sink over: the last id the destination itself shows it
   * holds, if it can tell (the file's last line), so nothing it holds is delivered twice.
   */
  resume?(): Promise<string | undefined>;
  deliver(events: AuditEvent[], control: DeliveryControl): Promise<void>;
  /** Releases what the sink holds open (the file). */
  close?(): Promise<void>;
}

/**
 * Why a delivery failed, in words safe to show anyone who may read the audit log (the sink's
 * `lastError`, the log): never a value, the webhook's URL or its secret, nothing a receiver said.
 */
export class SinkFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SinkFailure';
  }
}
