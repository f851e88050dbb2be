import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiToken } from '../../src/auth/api-token.js';
import { Keyring } from '../../src/crypto/keyring.js';
import { type GatewayProcess, postGraphQL, startGatewayProcess } from '../helpers/gateway-process.js';
import { PrivateRedis } from '../helpers/private-redis.js';
import { expectWritesDurable, startSecretWriters, type WriteAttempt } from '../helpers/secret-writers.js';
import { type SseSubscription, subscribeSse } from '../helpers/sse-subscription.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const HMAC_KEY = 'faults-redis-hmac-key';
const SUBSCRIBE = `subscription($after: ID) { auditEvents(after: $after) { id action target } }`;

async function readyz(url: string): Promise<number> {
  return (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) })).status;
}

async function waitUntil(ms: number, what: string, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every id from `first` to `last` exactly once, in order. */
function expectGapless(ids: number[], first: number, last: number) {
  expect(ids.length).toBe(last - first + 1);
  expect(ids).toEqual(Array.from({ length: last - first + 1 }, (_, i) => first + i));
}

describe.skipIf(!process.env.DATABASE_URL)('Redis restarted during traffic', () => {
  let database: TestDatabase;
  let redis: PrivateRedis;
  let gateway: GatewayProcess;
  let dataDir: string;
  let sql: pg.Client;
  const token = generateApiToken();
  const post = async (query: string, variables?: Record<string, unknown>) => {
    const result = await postGraphQL(gateway.url, token, query, variables);
    if (result.errors?.length) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };
  const count = async (where: string) =>
    Number((await sql.query(`select count(*) as n from audit_events where ${where}`)).rows[0].n);
  const lastId = async () => Number((await sql.query('select last_id from audit_head')).rows[0].last_id);

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await PrivateRedis.create();
    dataDir = await mkdtemp(path.join(tmpdir(), 'sgw-faults-redis-'));
    gateway = await startGatewayProcess({
      DATABASE_URL: database.url!,
      REDIS_URL: redis.url,
      SGW_ADMIN_TOKEN: token,
      SGW_ENCRYPTION_KEYS: Keyring.generateDescription('k1'),
      SGW_AUDIT_HMAC_KEY: HMAC_KEY,
      SGW_DATA_DIR: dataDir,
      SGW_LOG_LEVEL: 'error',
      SGW_VALUE_READS_PER_SECOND: '0',
    });
    sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
  }, 60_000);

  afterAll(async () => {
    await sql?.end();
    await gateway?.stop();
    await redis?.stop();
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps serving and committing while Redis is down; after it is back subscribers get every event once, in order', async () => {
    await post('mutation { createSecret(name: "redis-seed", values: {a: "1"}) { id } }');
    const start = await lastId();
    // A subscriber from before the outage, on the live feed throughout: it must see it all.
    const live: SseSubscription = await subscribeSse(gateway.url, token, SUBSCRIBE, { after: String(start) });
    const subscribers = [live];
    /** Each subscriber has every event from `start` to `last` exactly once, in order (and no error). */
    const expectAllDelivered = async (last: number) => {
      for (const sub of subscribers) {
        await sub.waitFor(last - start, 10_000);
        await new Promise((r) => setTimeout(r, 300)); // a duplicate would arrive now
        expect(sub.received.every((e) => !e.errors)).toBe(true);
        expectGapless(
          sub.received.map((e) => Number(e.data.auditEvents.id)),
          start + 1,
          last,
        );
      }
    };
    const attempts: WriteAttempt[] = [];
    try {
      const during = startSecretWriters(gateway.url, token, { writers: 4, prefix: 'redis-a' });
      try {
        await during.waitForAcks(20);
        expect(await readyz(gateway.url)).toBe(200);

        await redis.stop();
        await waitUntil(5000, '/readyz 503', async () => (await readyz(gateway.url)) === 503);
        const acksBefore = during.acked();
        const readsBefore = await count(`action = 'secret.read'`);
        await during.waitForAcks(40, 5000); // writes still commit
        for (let i = 0; i < 10; i += 1) {
          const started = Date.now();
          const { secret } = await post('{ secret(name: "redis-seed") { values } }');
          expect(secret.values).toEqual({ a: '1' });
          expect(Date.now() - started).toBeLessThan(1000);
        }
        expect(await count(`action = 'secret.read'`)).toBe(readsBefore + 10);
        // Kept in the Postgres outbox until Redis is back.
        expect(await count('id in (select id from audit_unpublished)')).toBeGreaterThanOrEqual(
          during.acked() - acksBefore + 10,
        );
        expect(await readyz(gateway.url)).toBe(503);
        // A subscriber arriving during the outage replays from Postgres, then waits for the feed.
        subscribers.push(await subscribeSse(gateway.url, token, SUBSCRIBE, { after: String(start) }));
      } finally {
        await during.stop();
        attempts.push(...during.attempts);
      }
      expect(attempts.every((a) => a.outcome === 'ok')).toBe(true);
      const endOfOutage = await lastId();

      await redis.start();
      await waitUntil(10_000, '/readyz 200', async () => (await readyz(gateway.url)) === 200);
      // No traffic now: only the relay, republishing the outbox, can bring subscribers up to date.
      await waitUntil(
        10_000,
        'outbox drained',
        async () => (await count('id in (select id from audit_unpublished)')) === 0,
      );
      await expectAllDelivered(endOfOutage);

      // And the live feed works again.
      const after = startSecretWriters(gateway.url, token, { writers: 4, prefix: 'redis-b' });
      try {
        await after.waitForAcks(20);
      } finally {
        await after.stop();
        attempts.push(...after.attempts);
      }
      await expectAllDelivered(await lastId());
    } finally {
      for (const sub of subscribers) sub.close();
    }
    expect(attempts.every((a) => a.outcome === 'ok')).toBe(true);
    expect(gateway.child.exitCode).toBeNull();
    await expectWritesDurable(post, attempts, HMAC_KEY);
  }, 30_000);
});
