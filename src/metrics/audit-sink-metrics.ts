import { Counter, Gauge, type Registry } from 'prom-client';

/** A sink's lag, as read on scrape. */
export interface AuditSinkLag {
  name: string;
  lag: number;
}

/**
 * The audit sinks' metrics, labelled by sink name only (`file`, `webhook`):
 * `sgw_audit_sink_lag_events` (committed events the sink does not hold yet, read from the
 * database on scrape: the same on every replica; absent when the read fails) and
 * `sgw_audit_sink_delivered_events_total` (events this replica delivered).
 */
export function registerAuditSinkMetrics(
  registry: Registry,
  readLags: () => Promise<AuditSinkLag[]>,
): (sink: string, count: number) => void {
  new Gauge({
    name: 'sgw_audit_sink_lag_events',
    help: 'Committed audit events a sink has not delivered yet, by sink',
    labelNames: ['sink'],
    registers: [registry],
    async collect() {
      this.reset();
      const lags = await readLags().catch(() => []); // unreadable: no series rather than a stale one
      for (const { name, lag } of lags) this.set({ sink: name }, lag);
    },
  });
  const delivered = new Counter({
    name: 'sgw_audit_sink_delivered_events_total',
    help: 'Audit events this replica delivered to a sink, by sink',
    labelNames: ['sink'],
    registers: [registry],
  });
  return (sink, count) => delivered.inc({ sink }, count);
}
