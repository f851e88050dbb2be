import { ConfigError, loadConfig } from './config.js';
import { createGateway, startServer } from './server.js';

/** `npm start`: validates the environment, starts the gateway, stops cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  let gateway: Awaited<ReturnType<typeof createGateway>>;
  try {
    gateway = await createGateway(config);
  } catch (error) {
    process.stderr.write(`Secrets Gateway failed to start: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const running = await startServer(gateway);
  if (gateway.generatedAdminToken) {
    process.stdout.write(
      `Generated admin token (shown once, store it now): ${gateway.generatedAdminToken}\n`,
    );
  }
  gateway.log.info('Secrets Gateway listening', {
    url: `${running.url}/graphql`,
    node: process.version,
    database: gateway.database.kind,
    events: config.redisUrl ? 'redis' : 'in-process',
  });
  process.stdout.write(`Secrets Gateway listening on ${running.url}/graphql\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    gateway.log.info('shutting down', { signal });
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Log rotation: the audit file sink reopens its path (a moved file is left as it is).
  process.on('SIGHUP', () => gateway.reopenAuditFile());
}

void main();
