import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AuditSinkConfig } from '../../../config-audit-sinks.js';
import type { Db } from '../../../database/database.js';
import type { Channels } from '../../../events/channels.js';
import type { EventBus } from '../../../events/event-bus.js';
import type { Logger } from '../../../logger.js';
import type { EndpointPolicy } from '../../../security/endpoint-policy.js';
import type { AuditSink } from './audit-sink.js';
import { type SinkRunner, startSinkRunner } from './audit-sink-runner.js';
import { createFileSink } from './file-sink.js';
import { createWebhookSink } from './webhook-sink.js';

/** The sink settings of the gateway's config. */
export type AuditSinkSettings = AuditSinkConfig;

/** The names of the sinks the settings turn on (`file`, `webhook`), in that order. */
export function configuredSinkNames(settings: AuditSinkSettings): string[] {
  return [
    ...(settings.auditFile ? ['file'] : []),
    ...(settings.auditWebhookUrl && settings.auditWebhookSecret ? ['webhook'] : []),
  ];
}

/** The configured sinks, built; throws WebhookUrlRefused when the endpoint policy refuses the URL. */
export function buildAuditSinks(settings: AuditSinkSettings, policy: EndpointPolicy) {
  const file = settings.auditFile ? createFileSink(settings.auditFile) : undefined;
  const sinks: AuditSink[] = file ? [file] : [];
  if (settings.auditWebhookUrl && settings.auditWebhookSecret)
    sinks.push(
      createWebhookSink({
        url: settings.auditWebhookUrl,
        secret: settings.auditWebhookSecret,
        policy,
        timeoutMs: settings.auditWebhookTimeoutMs,
        retryMaxMs: settings.auditWebhookRetryMaxMs,
      }),
    );
  return { sinks, file };
}

export interface AuditSinksDeps {
  db: Db;
  bus: EventBus;
  channels: Channels;
  log: Logger;
  built: ReturnType<typeof buildAuditSinks>;
  leaseMs: number;
  /** Longest wait for new events without a wake-up from the bus. */
  pollMs?: number;
  onDelivered(sink: string, count: number): void;
}

/**
 * Runs every configured sink beside the relay: one runner per sink (lease, cursor, batches),
 * woken by each event on the `sgw:audit` feed (from any replica, with Redis) or else every
 * `pollMs`. `reopenFile` (SIGHUP) sends the file sink's next batch to the file now at its path.
 */
export function startAuditSinks(deps: AuditSinksDeps) {
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const runners: SinkRunner[] = deps.built.sinks.map((sink) =>
    startSinkRunner({
      ...{ db: deps.db, log: deps.log, sink, owner, leaseMs: deps.leaseMs },
      pollMs: deps.pollMs ?? 1000,
      onDelivered: deps.onDelivered,
    }),
  );
  const feed = runners.length ? deps.bus.subscribe(deps.channels.audit) : undefined;
  if (feed)
    void (async () => {
      for await (const _ of feed) for (const runner of runners) runner.wake();
    })().catch(() => {});

  return {
    /** This replica's name in the sinks' leases. */
    owner,
    reopenFile(): void {
      deps.built.file?.reopen();
      for (const runner of runners) if (runner.name === 'file') runner.wake();
    },
    async stop(): Promise<void> {
      await feed?.return?.();
      await Promise.all(runners.map((runner) => runner.stop()));
    },
  };
}

export type AuditSinks = ReturnType<typeof startAuditSinks>;
