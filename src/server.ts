import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { useServer } from 'graphql-ws/use/ws';
import { sql } from 'kysely';
import { WebSocketServer } from 'ws';
import { createAuthorize } from './auth/authorize.js';
import { createCentralStore } from './backends/create-central-store.js';
import { backendFlavor, observeBackend } from './backends/observe-backend.js';
import { createSqlBackend } from './backends/sql/sql-backend.js';
import type { Config } from './config.js';
import { loadKeyMaterial } from './crypto/key-material.js';
import { createDatabase, type DatabaseHandle } from './database/create-database.js';
import { runMigrations } from './database/run-migrations.js';
import { createChannels } from './events/channels.js';
import type { EventBus } from './events/event-bus.js';
import { createInProcessEventBus } from './events/in-process-event-bus.js';
import { createRedisEventBus } from './events/redis-event-bus.js';
import { createGatewayYoga, type GatewayYoga } from './graphql/create-yoga.js';
import { createLogger, type Logger } from './logger.js';
import { createGatewayMetrics, type GatewayMetrics } from './metrics/gateway-metrics.js';
import { serveMetrics } from './metrics/metrics-endpoint.js';
import { SecretSchemaRegistry } from './schemas/secret-schemas.js';
import { readAuditBacklog } from './services/audit/audit-repository.js';
import { createAuditService, createAuditTrail } from './services/audit/audit-service.js';
import { createKeyRotationService } from './services/keys/key-rotation-service.js';
import { createManagedSecretsService } from './services/managed-secrets/managed-secrets-service.js';
import { managerSecretSource } from './services/managed-secrets/manager-secret-source.js';
import { createProgressFeed } from './services/migration/migration-progress.js';
import { createMigrationService } from './services/migration/migration-service.js';
import { createMigrationWorker } from './services/migration/migration-worker.js';
import { createValueReadLimiter } from './services/rate-limit/value-read-limiter.js';
import { createReferencesService } from './services/references/references-service.js';
import { createSecretsService } from './services/secrets/secrets-service.js';
import { createStoredSecrets } from './services/secrets/stored-secrets.js';
import type { Services } from './services/services.js';
import { createComponentsService } from './services/stacks/components-service.js';
import { createStacksService } from './services/stacks/stacks-service.js';
import { createTokensService } from './services/tokens/tokens-service.js';

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
  close(): Promise<void>;
}

export interface GatewayOptions {
  log?: Logger;
  /** Overrides the PGlite directory (tests use `memory://`). */
  pgliteDir?: string;
  /** Called with the SQL of every statement (tests count statements). */
  onQuery?: (sql: string) => void;
}

/** Composition root: database, migrations, keys, events, services and the GraphQL handler. */
export async function createGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  const log = options.log ?? createLogger(config.logLevel);
  const keys = await loadKeyMaterial({
    encryptionKeys: config.encryptionKeys,
    auditHmacKey: config.auditHmacKey,
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
  const metrics = createGatewayMetrics({ auditBacklog: () => readAuditBacklog(db) });

  const auditTrail = createAuditTrail({
    db,
    bus,
    channels,
    hmacKey: keys.auditHmacKey,
    log,
    publishedOnCommit: !config.redisUrl,
  });
  const authorize = createAuthorize({ recordDenial: auditTrail.record });
  const audit = createAuditService({ trail: auditTrail, db, authorize });
  const tokens = createTokensService({ db, audit, authorize });
  let generatedAdminToken: string | undefined;
  try {
    await runMigrations(db, async (conn) => {
      generatedAdminToken = await tokens.bootstrapAdmin(conn, config.adminToken);
    });
  } catch (error) {
    await bus.close();
    await database.close();
    throw error;
  }

  const schemas = new SecretSchemaRegistry();
  const sqlBackend = createSqlBackend(db, keys.keyring);
  let store: Awaited<ReturnType<typeof createCentralStore>>;
  try {
    store = await createCentralStore(config, { sqlBackend });
    store = {
      ...store,
      backend: observeBackend(store.backend, backendFlavor(store.kind), metrics.backendCall),
    };
  } catch (error) {
    await bus.close();
    await database.close();
    throw error;
  }
  const stacks = createStacksService({ db, keyring: keys.keyring, audit, authorize });
  const storedSecrets = createStoredSecrets({ db, store });
  const secrets = createSecretsService({ db, store, schemas, audit, authorize, stored: storedSecrets });
  const managedSecrets = createManagedSecretsService({
    stacks,
    audit,
    authorize,
    schemas,
    dataDir: config.dataDir,
    timeoutMs: config.backendTimeoutMs,
    metrics,
  });
  const references = createReferencesService({
    secrets: storedSecrets,
    stacks,
    audit,
    authorize,
    validationLevel: config.secretValidationLevel,
    managerSecrets: managerSecretSource(managedSecrets),
  });
  const components = createComponentsService({
    db,
    keyring: keys.keyring,
    audit,
    authorize,
    checkReferences: references.check,
  });
  const keyRotation = createKeyRotationService({
    audit,
    authorize,
    components,
    resealStore: store.kind === 'sql' ? () => sqlBackend.reseal() : undefined,
    activeKeyId: keys.keyring.activeKeyId,
  });
  const progress = createProgressFeed({ bus, channels });
  const worker = createMigrationWorker({
    db,
    log,
    audit,
    storedSecrets,
    managedSecrets,
    components,
    tokens,
    progress,
    parallelism: config.migrationParallelism,
    leaseMs: config.migrationLeaseMs,
    metrics,
  });
  const migrations = createMigrationService({
    db,
    audit,
    authorize,
    managedSecrets,
    storedSecrets,
    progress,
    onQueued: worker.kick,
  });
  worker.start();
  const services: Services = {
    audit,
    tokens,
    stacks,
    components,
    secrets,
    references,
    keys: keyRotation,
    schemas,
    managedSecrets,
    migrations,
    valueReads: createValueReadLimiter({
      readsPerSecond: config.valueReadsPerSecond,
      burst: config.valueReadsBurst,
      metrics,
    }),
  };
  await audit.chainPending(); // events a stopped process committed but did not chain
  audit.startRelay();
  const yoga = createGatewayYoga(services, log, {
    maxBodyBytes: config.maxBodyBytes,
    metrics,
    graphiql: config.graphiql,
    ready,
  });

  async function ready(): Promise<boolean> {
    try {
      await Promise.race([
        sql`select 1`.execute(db),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref()),
      ]);
    } catch {
      return false;
    }
    return !config.redisUrl || bus.isConnected();
  }

  async function close(): Promise<void> {
    await worker.stop();
    audit.stop();
    await bus.close();
    await database.close();
  }

  return { config, services, yoga, metrics, database, bus, log, generatedAdminToken, ready, close };
}

export interface RunningServer {
  gateway: Gateway;
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Serves a gateway over HTTP: /metrics here, everything else (GraphQL, SSE, /healthz, /readyz) by yoga; graphql-ws. */
export async function startServer(gateway: Gateway): Promise<RunningServer> {
  const { yoga, config } = gateway;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    if (url === '/metrics' || url.startsWith('/metrics?'))
      return serveMetrics(req, res, gateway.metrics, config.metricsToken);
    yoga(req, res);
  });
  const wsServer = new WebSocketServer({
    server,
    path: yoga.graphqlEndpoint,
    maxPayload: config.maxBodyBytes,
  });
  const wsCleanup = useServer(
    {
      execute: (args) => (args.rootValue as { execute: (a: unknown) => unknown }).execute(args) as never,
      subscribe: (args) =>
        (args.rootValue as { subscribe: (a: unknown) => unknown }).subscribe(args) as never,
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          connectionParams: ctx.connectionParams,
        });
        const document = parse(params.query);
        const errors = validate(schema, document);
        if (errors.length) return errors;
        return {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
      },
    },
    wsServer,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    gateway,
    server,
    url: `http://${host}:${address.port}`,
    async close() {
      await wsCleanup.dispose();
      wsServer.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
    },
  };
}
