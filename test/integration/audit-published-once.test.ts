import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const hasServices = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Issue #15, point 11: an event was published twice on `sgw:audit` — by the outbox of the
 * process that committed it and, before the outbox had marked it published, by a relay run
 * (of that process or of another replica). A plain Redis subscriber counts messages per id.
 */
describe.runIf(hasServices)('audit events on Redis, two replicas', () => {
  let database: TestDatabase;
  let a: TestGateway;
  let b: TestGateway;
  const prefix = `once${Date.now()}:`;
  beforeAll(async () => {
    database = await createTestDatabase();
    a = await startTestGateway({ database, env: { SGW_REDIS_PREFIX: prefix } });
    b = await startTestGateway({
      database,
      env: { SGW_REDIS_PREFIX: prefix, SGW_ENCRYPTION_KEYS: a.config.encryptionKeys as string },
    });
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await database?.drop();
  });

  it('publishes each committed event exactly once while events keep coming across relay runs', async () => {
    const subscriber = new Redis(process.env.REDIS_URL as string);
    const messages = new Map<string, number>();
    subscriber.on('message', (_channel: string, message: string) => {
      const { id } = JSON.parse(message) as { id: string };
      messages.set(id, (messages.get(id) ?? 0) + 1);
    });
    await subscriber.subscribe(`${prefix}sgw:audit`);
    try {
      await a.ok('mutation { createSecret(name: "once", values: {k: "v"}) { id } }');
      // A value read every few ms for 3.5 s, alternating replicas: each relay run (every second,
      // on both) meets events just published and not yet marked.
      const until = Date.now() + 3_500;
      for (let i = 0; Date.now() < until; i += 1) {
        const result = await (i % 2 ? a : b).gql('{ secret(name: "once") { values } }');
        expect(result.errors).toBeUndefined();
        await sleep(5);
      }
      const stored = await sql<{ id: string }>`select id from audit_events order by id`.execute(
        a.gateway.database.db,
      );
      const ids = stored.rows.map((row) => String(row.id));
      expect(ids.length).toBeGreaterThan(40);
      // Long enough for two relay runs on each replica (an event the outbox missed waits one run).
      await sleep(3_000);
      const twice = [...messages].filter(([, count]) => count > 1).map(([id]) => id);
      expect(twice).toEqual([]);
      expect([...messages.keys()].sort((x, y) => Number(x) - Number(y))).toEqual(ids);
      const unpublished = await sql<{
        n: string;
      }>`select count(*) as n from audit_unpublished`.execute(a.gateway.database.db);
      expect(Number(unpublished.rows[0].n)).toBe(0);
    } finally {
      subscriber.disconnect();
    }
  }, 30_000);
});
