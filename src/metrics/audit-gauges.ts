import { Gauge, type Registry } from 'prom-client';
import type { AuditBacklog } from '../services/audit/audit-repository.js';

/**
 * Gauges of the audit chain, read on scrape: its head id, events committed but not chained yet
 * (`audit_pending`) and chained events not yet published on the live feed. One query serves the
 * three gauges of a scrape; when it fails, they read NaN rather than a stale value.
 */
export function registerAuditGauges(registry: Registry, readBacklog: () => Promise<AuditBacklog>): void {
  let reading: Promise<AuditBacklog | undefined> | undefined;

  /** The backlog of this scrape: the gauges are collected together, so they share one read. */
  function backlogOnce(): Promise<AuditBacklog | undefined> {
    reading ??= readBacklog()
      .catch(() => undefined)
      .finally(() => {
        reading = undefined;
      });
    return reading;
  }

  const gauge = (name: string, help: string, value: (backlog: AuditBacklog) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const backlog = await backlogOnce();
        this.set(backlog ? value(backlog) : Number.NaN);
      },
    });

  gauge('sgw_audit_chain_head_id', 'Id of the last event on the audit chain', (b) => b.headId);
  gauge(
    'sgw_audit_events_pending',
    'Audit events committed but not yet chained (audit_pending)',
    (b) => b.pending,
  );
  gauge(
    'sgw_audit_events_unpublished',
    'Chained audit events not yet published on the live feed',
    (b) => b.unpublished,
  );
}
