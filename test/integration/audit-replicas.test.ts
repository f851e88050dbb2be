import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiToken } from '../../src/auth/api-token.js';
import {
  type GatewayProcess,
  gatewayEnv,
  postGraphQL,
  sharedRedisEnv,
  startGatewayProcess,
} from '../helpers/gateway-process.js';
import { PrivateRedis } from '../helpers/private-redis.js';
import { subscribeSse } from '../helpers/sse-subscription.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { startTestGateway } from '../helpers/test-gateway.js';

const SUBSCRIBE = `subscription($filter: AuditFilter, $after: ID) { auditEvents(filter: $filter, after: $after) { id action target } }`;
const hasServices = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);

describe.runIf(hasServices)('audit across two gateway processes', () => {
  let database: TestDatabase;
  let a: GatewayProcess;
  let b: GatewayProcess;
  const token = generateApiToken();
  beforeAll(async () => {
    database = await createTestDatabase();
    const env = gatewayEnv(database.url!, token, sharedRedisEnv(path.basename(database.url!)));
    [a, b] = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.drop();
  });

  it('a subscriber on one receives, in order, the events caused on the other', async () => {
    const sub = await subscribeSse(a.url, token, SUBSCRIBE, { filter: { actions: ['secret.create'] } });
    try {
      await new Promise((r) => setTimeout(r, 300));
      for (let i = 0; i < 20; i += 1) {
        const result = await postGraphQL(
          b.url,
          token,
          `mutation { createSecret(name: "rep-${i}", values: {k: "v"}) { id } }`,
        );
        expect(result.errors).toBeUndefined();
      }
      const events = await sub.waitFor(20);
      expect(events.map((e) => e.data.auditEvents.target.name)).toEqual(
        Array.from({ length: 20 }, (_, i) => `rep-${i}`),
      );
      const ids = events.map((e) => Number(e.data.auditEvents.id));
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
    } finally {
      sub.close();
    }
  });
});

describe.runIf(process.env.DATABASE_URL)('audit while Redis is down', () => {
  it('keeps every event in Postgres, publishes them when Redis is back, and a resumed subscriber gets each once, in order', async () => {
    const redis = await PrivateRedis.create();
    const t = await startTestGateway({ env: { REDIS_URL: redis.url } });
    try {
      const server = await t.listen();
      await t.ok('mutation { createSecret(name: "outage", values: {k: "v"}) { id } }');
      const before = (await t.ok('{ auditEvents(first: 1, newestFirst: true) { nodes { id } } }')).auditEvents
        .nodes[0].id;

      await redis.stop();
      for (let i = 0; i < 100; i += 1) {
        const result = await t.gql('{ secret(name: "outage") { values } }');
        expect(result.errors).toBeUndefined();
      }
      const stored = await sql<{
        n: string;
      }>`select count(*) as n from audit_events where action = 'secret.read' and id > ${before}`.execute(
        t.gateway.database.db,
      );
      expect(Number(stored.rows[0].n)).toBe(100);

      await redis.start();
      const deadline = Date.now() + 20_000;
      for (;;) {
        const pending = await sql<{
          n: string;
        }>`select count(*) as n from audit_unpublished`.execute(t.gateway.database.db);
        if (Number(pending.rows[0].n) === 0) break;
        if (Date.now() > deadline) throw new Error(`${pending.rows[0].n} events still unpublished`);
        await new Promise((r) => setTimeout(r, 200));
      }

      const sub = await subscribeSse(server.url, t.adminToken, SUBSCRIBE, {
        after: before,
        filter: { actions: ['secret.read'] },
      });
      try {
        const events = await sub.waitFor(100);
        await t.ok('{ secret(name: "outage") { values } }');
        await sub.waitFor(101);
        const ids = events.map((e) => Number(e.data.auditEvents.id));
        expect(new Set(ids).size).toBe(101);
        expect(ids).toEqual([...ids].sort((x, y) => x - y));
        expect(ids[0]).toBe(Number(before) + 1);
      } finally {
        sub.close();
      }
    } finally {
      await t.close();
      await redis.stop();
    }
  }, 60_000);
});
