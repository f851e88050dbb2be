import { createAuthorize } from '../auth/authorize.js';
import type { Config } from '../config.js';
import type { DatabaseHandle } from '../database/create-database.js';
import { runMigrations } from '../database/run-migrations.js';
import type { EventBus } from '../events/event-bus.js';
import { createGatewayYoga, type GatewayYoga } from '../graphql/create-yoga.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { endpointPolicyOf } from '../security/endpoint-policy.js';
import { createAuditCheckpointer } from '../services/audit/audit-checkpointer.js';
import { createAuditService, createAuditTrail } from '../services/audit/audit-service.js';
import { buildAuditSinks, startAuditSinks } from '../services/audit/sinks/audit-sinks.js';
import { createAuthFailureThrottle } from '../services/rate-limit/auth-failure-throttle.js';
import type { Services } from '../services/services.js';
import { createSubscriptionRegistry } from '../services/subscriptions/subscription-registry.js';
import { createAccessFeed } from '../services/tokens/access-feed.js';
import { createTokensService } from '../services/tokens/tokens-service.js';
import {
  closeInfrastructure,
  type Infrastructure,
  type InfrastructureOptions,
  isReady,
  openCentralStore,
  openInfrastructure,
} from './infrastructure.js';
import { wireServices } from './wire-services.js';

/** A gateway with every dependency built, not yet listening. */
export interface Gateway {
  config: Config;
  services: Services;
  yoga: GatewayYoga;
  /** Prometheus metrics of this gateway (`GET /metrics`). */
  metrics: GatewayMetrics;
  database: DatabaseHandle;
  bus: EventBus;
  log: Logger;
  /** Set when this start generated the bootstrap admin token (print it once). */
  generatedAdminToken: string | undefined;
  ready(): Promise<boolean>;
  /** SIGHUP: the audit file sink writes its next batch to the file now at its path (log rotation). */
  reopenAuditFile(): void;
  close(): Promise<void>;
}

export type GatewayOptions = InfrastructureOptions;

/**
 * The audit trail, the permission check built on it, and tokens (bootstrap needs them), with the
 * open subscriptions and the feed that ends them when their token or role changes.
 */
function wireAudit(infra: Infrastructure) {
  const { db, bus, channels, keys, log, config } = infra;
  const trail = createAuditTrail({
    ...{ db, bus, channels, log },
    hmacKey: keys.auditHmacKey,
    publishedOnCommit: !config.redisUrl,
  });
  const authorize = createAuthorize({ recordDenial: trail.record });
  const checkpointer = createAuditCheckpointer({
    ...{ db, bus, channels, log },
    signing: keys.auditSigning,
    intervalMs: config.auditCheckpointIntervalMs,
  });
  const audit = createAuditService({ trail, db, authorize, checkpointer });
  const subscriptions = createSubscriptionRegistry();
  // Sessions are cached where every replica's changes arrive: over Redis, or in one PGlite process.
  const cacheSessions = Boolean(config.redisUrl) || !config.databaseUrl;
  const access = createAccessFeed({ db, bus, channels, log, registry: subscriptions, cacheSessions });
  const tokens = createTokensService({ db, audit, authorize, access, sessions: access.sessions });
  return { audit, authorize, tokens, subscriptions, access, checkpointer };
}

/**
 * Composition root: infrastructure, audit and tokens, schema migrations (+ bootstrap admin
 * token), the centralized store, the domain services, the migration worker and the audit relay,
 * then the GraphQL handler. A failure before the services exist closes what was opened.
 */
export async function createGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  const infra = await openInfrastructure(config, options);
  const { audit, authorize, tokens, subscriptions, access, checkpointer } = wireAudit(infra);
  let generatedAdminToken: string | undefined;
  let opened: Awaited<ReturnType<typeof openCentralStore>>;
  let sinks: ReturnType<typeof buildAuditSinks>;
  try {
    sinks = buildAuditSinks(config, endpointPolicyOf(config)); // a refused webhook URL stops the start
    await runMigrations(infra.db, async (conn) => {
      generatedAdminToken = await tokens.bootstrapAdmin(conn, config.adminToken);
    });
    opened = await openCentralStore(infra);
  } catch (error) {
    await closeInfrastructure(infra);
    throw error;
  }
  const { store, sqlBackend } = opened;
  const resealStore = store.kind === 'sql' ? () => sqlBackend.reseal() : undefined;
  const { services, worker, collectors } = wireServices({
    ...{ infra, store, resealStore, audit, authorize, tokens, subscriptions },
  });
  worker.start();
  for (const collector of collectors) collector.start();
  access.start();
  await audit.chainPending(); // events a stopped process committed but did not chain
  audit.startRelay();
  const sinkRunners = startSinks(infra, config, sinks);
  checkpointer.start();
  const ready = () => isReady(infra);
  const authFailures = createAuthFailureThrottle({
    record: audit.record,
    maxFailures: config.authFailuresPerWindow,
    windowMs: config.authFailureWindowMs,
  });
  const yoga = createGatewayYoga(services, infra.log, {
    maxBodyBytes: config.maxBodyBytes,
    metrics: infra.metrics,
    graphiql: config.graphiql,
    ready,
    authFailures,
    corsOrigins: config.corsOrigins,
    trustedProxies: config.trustedProxies,
  });
  async function close(): Promise<void> {
    await worker.stop();
    for (const collector of collectors) await collector.stop();
    access.stop();
    await authFailures.close(); // the summaries of open windows, while the database is open
    audit.stop();
    await sinkRunners.stop();
    await checkpointer.stop();
    await closeInfrastructure(infra);
  }
  const { metrics, database, bus, log } = infra;
  const reopenAuditFile = () => sinkRunners.reopenFile();
  return {
    config,
    services,
    yoga,
    metrics,
    database,
    bus,
    log,
    generatedAdminToken,
    ready,
    reopenAuditFile,
    close,
  };
}

/** Starts the audit sinks built at start-up (one runner each, under its lease). */
function startSinks(infra: Infrastructure, config: Config, built: ReturnType<typeof buildAuditSinks>) {
  return startAuditSinks({
    ...{ db: infra.db, bus: infra.bus, channels: infra.channels, log: infra.log, built },
    leaseMs: config.auditSinkLeaseMs,
    onDelivered: infra.metrics.auditSinkDelivered,
  });
}
