import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { BackendCallRecorder } from '../backends/observe-backend.js';
import type { AuditBacklog } from '../services/audit/audit-repository.js';
import type { MigrationItemStatus } from '../services/migration/migration.js';
import { registerAuditGauges } from './audit-gauges.js';
import { type AuditSinkLag, registerAuditSinkMetrics } from './audit-sink-metrics.js';

/** Seconds: from a fast SQL call (1 ms) to the default back-end timeout and beyond. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The labels of one GraphQL operation: its type and its root fields (schema names, never values). */
export interface GraphQLOperationLabels {
  /** `query`, `mutation` or `subscription` (`unknown` when the document has no such operation). */
  operationType: string;
  /** The root field names, sorted and comma-separated (`secret`, `createSecret,createToken`). */
  rootFields: string;
}

export interface GatewayMetricsDeps {
  /** Read on scrape for the audit gauges (one cheap query). */
  auditBacklog: () => Promise<AuditBacklog>;
  /** Read on scrape for `sgw_audit_sink_lag_events` (the configured sinks; none: no series). */
  auditSinkLags?: () => Promise<AuditSinkLag[]>;
}

/**
 * The gateway's Prometheus metrics, on a registry of its own (several gateways may share a
 * process): recording only touches memory; the audit gauges query the database on scrape.
 */
export interface GatewayMetrics {
  /** Content-Type of `scrape()`'s text. */
  readonly contentType: string;
  /** Every metric in Prometheus text format. */
  scrape(): Promise<string>;
  graphqlRequest(labels: GraphQLOperationLabels, seconds: number): void;
  /** One error of a GraphQL response, by its stable `extensions.code`. */
  graphqlError(code: string): void;
  backendCall: BackendCallRecorder;
  migrationItem(status: MigrationItemStatus): void;
  valueReadRateLimited(): void;
  /** Events this replica delivered to an audit sink (`file`, `webhook`). */
  auditSinkDelivered(sink: string, count: number): void;
}

/** The gateway's own instruments, registered on `registry` in this order. */
function createInstruments(registry: Registry) {
  const registers = [registry];
  return {
    requestDuration: new Histogram({
      name: 'sgw_graphql_request_duration_seconds',
      help: 'GraphQL operations: time from parsing to the result (subscriptions: to the stream set up)',
      labelNames: ['operation_type', 'root_fields'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    errors: new Counter({
      name: 'sgw_graphql_errors_total',
      help: 'Errors in GraphQL responses, by extensions.code',
      labelNames: ['code'],
      registers,
    }),
    backendDuration: new Histogram({
      name: 'sgw_backend_call_duration_seconds',
      help: 'Secret back-end calls, by flavor and SecretBackend method',
      labelNames: ['flavor', 'operation'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    backendFailures: new Counter({
      name: 'sgw_backend_call_failures_total',
      help: 'Failed secret back-end calls, by flavor, SecretBackend method and error code',
      labelNames: ['flavor', 'operation', 'code'],
      registers,
    }),
    backendThrottled: new Counter({
      name: 'sgw_backend_throttled_total',
      help: 'Throttled answers of secret back-ends (retried with backoff or not), by flavor and SecretBackend method',
      labelNames: ['flavor', 'operation'],
      registers,
    }),
    migrationItems: new Counter({
      name: 'sgw_migration_items_total',
      help: 'Migration items finished by this process, by outcome',
      labelNames: ['status'],
      registers,
    }),
    rateLimited: new Counter({
      name: 'sgw_value_reads_rate_limited_total',
      help: 'Secret value reads refused with RATE_LIMITED',
      registers,
    }),
  };
}

/** Builds the registry: process metrics (`sgw_` prefixed), the gateway's instruments and gauges. */
export function createGatewayMetrics(deps: GatewayMetricsDeps): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sgw_' });
  registerAuditGauges(registry, deps.auditBacklog);
  const auditSinkDelivered = registerAuditSinkMetrics(registry, deps.auditSinkLags ?? (async () => []));
  const instruments = createInstruments(registry);
  const { requestDuration, errors, backendDuration, backendFailures, migrationItems, rateLimited } =
    instruments;

  return {
    contentType: registry.contentType,
    scrape: () => registry.metrics(),
    graphqlRequest: (labels, seconds) =>
      requestDuration.observe(
        { operation_type: labels.operationType, root_fields: labels.rootFields },
        seconds,
      ),
    graphqlError: (code) => errors.inc({ code }),
    backendCall: ({ flavor, operation, seconds, failure, throttled }) => {
      backendDuration.observe({ flavor, operation }, seconds);
      if (failure) backendFailures.inc({ flavor, operation, code: failure });
      if (throttled) instruments.backendThrottled.inc({ flavor, operation }, throttled);
    },
    migrationItem: (status) => migrationItems.inc({ status }),
    valueReadRateLimited: () => rateLimited.inc(),
    auditSinkDelivered,
  };
}
