import path from 'node:path';
import { sql } from 'kysely';
import type { CentralStore } from '../backends/central-store.js';
import { createCentralStore } from '../backends/create-central-store.js';
import { backendFlavor, observeBackend } from '../backends/observe-backend.js';
import { createSqlBackend } from '../backends/sql/sql-backend.js';
import type { Config } from '../config.js';
import { type KeyMaterial, loadKeyMaterial } from '../crypto/key-material.js';
import { createDatabase, type DatabaseHandle } from '../database/create-database.js';
import type { Db } from '../database/database.js';
import { type Channels, createChannels } from '../events/channels.js';
import type { EventBus } from '../events/event-bus.js';
import { createInProcessEventBus } from '../events/in-process-event-bus.js';
import { createRedisEventBus } from '../events/redis-event-bus.js';
import { createLogger, type Logger } from '../logger.js';
import { createGatewayMetrics, type GatewayMetrics } from '../metrics/gateway-metrics.js';
import { readAuditBacklog } from '../services/audit/audit-repository.js';
import { readSinkStates } from '../services/audit/sinks/audit-sink-repository.js';
import { configuredSinkNames } from '../services/audit/sinks/audit-sinks.js';
import { loadStoreIdentity } from '../services/secrets/store-identity.js';

/** What every service stands on: keys, the database, the event bus, metrics and the log. */
export interface Infrastructure {
  config: Config;
  log: Logger;
  keys: KeyMaterial;
  database: DatabaseHandle;
  db: Db;
  bus: EventBus;
  channels: Channels;
  metrics: GatewayMetrics;
}

export interface InfrastructureOptions {
  log?: Logger;
  /** Overrides the PGlite directory (tests use `memory://`). */
  pgliteDir?: string;
  /** Called with the SQL of every statement (tests count statements). */
  onQuery?: (sql: string) => void;
}

/** Loads the keys, opens the database (Postgres or PGlite) and the bus (Redis or in-process). */
export async function openInfrastructure(
  config: Config,
  options: InfrastructureOptions,
): Promise<Infrastructure> {
  const log = options.log ?? createLogger(config.logLevel);
  const keys = await loadKeyMaterial({
    encryptionKeys: config.encryptionKeys,
    auditHmacKey: config.auditHmacKey,
    auditSigningKey: config.auditSigningKey,
    dataDir: config.dataDir,
    external: Boolean(config.databaseUrl),
  });
  const database = await createDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDir: options.pgliteDir ?? path.join(config.dataDir, 'pgdata'),
    onQuery: options.onQuery,
  });
  const { db } = database;
  const bus = config.redisUrl ? createRedisEventBus(config.redisUrl) : createInProcessEventBus();
  const channels = createChannels(config.redisPrefix);
  const sinkNames = configuredSinkNames(config);
  const metrics = createGatewayMetrics({
    auditBacklog: () => readAuditBacklog(db),
    auditSinkLags: () => readSinkStates(db, sinkNames),
  });
  return { config, log, keys, database, db, bus, channels, metrics };
}

/** The centralized store chosen by `SGW_SECRETS_STORE`, observed by metrics; rejects on bad options. */
export async function openCentralStore(
  infra: Infrastructure,
): Promise<{ store: CentralStore; sqlBackend: ReturnType<typeof createSqlBackend> }> {
  const sqlBackend = createSqlBackend(infra.db, infra.keys.keyring);
  const { config } = infra;
  const identity =
    config.secretsStore === 'sql'
      ? undefined
      : await loadStoreIdentity(infra.db, {
          deploymentId: config.deploymentId,
          workspaceId: config.workspaceId,
        });
  const store = await createCentralStore(config, { sqlBackend, identity });
  const backend = observeBackend(store.backend, backendFlavor(store.kind), infra.metrics.backendCall);
  return { store: { ...store, backend }, sqlBackend };
}

/** Whether Postgres answers within 2 s and, when configured, Redis is connected. */
export async function isReady(infra: Infrastructure): Promise<boolean> {
  try {
    await Promise.race([
      sql`select 1`.execute(infra.db),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref()),
    ]);
  } catch {
    return false;
  }
  return !infra.config.redisUrl || infra.bus.isConnected();
}

/** Closes the bus, then the database. */
export async function closeInfrastructure(infra: Infrastructure): Promise<void> {
  await infra.bus.close();
  await infra.database.close();
}
