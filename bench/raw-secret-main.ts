import { startRawSecretServer } from './raw-secret-server.js';

// The raw baseline in a process of its own, as the gateway runs in its own: DATABASE_URL,
// REDIS_URL (optional) and SGW_ENCRYPTION_KEYS from the environment; stops on SIGTERM.
const raw = await startRawSecretServer(
  process.env.DATABASE_URL as string,
  process.env.REDIS_URL,
  process.env.SGW_ENCRYPTION_KEYS as string,
);
// The line the bench's process helper waits for (any path is served: /read, /write, /verify).
process.stdout.write(`raw baseline listening on ${raw.url}/graphql\n`);
process.once('SIGTERM', () => void raw.close().then(() => process.exit(0)));
