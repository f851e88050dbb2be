import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiToken } from '../../src/auth/api-token.js';
import { type CloudFakes, startCloudFakes } from '../helpers/cloud-fakes.js';
import {
  type GatewayProcess,
  gatewayEnv,
  postGraphQL,
  sharedRedisEnv,
  startGatewayProcess,
} from '../helpers/gateway-process.js';
import { subscribeSse } from '../helpers/sse-subscription.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const hasServices = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);

/** Two gateway processes on two ports, sharing one Postgres and one Redis, and nothing else. */
describe.runIf(hasServices)('scale-out: two gateway processes', () => {
  let database: TestDatabase;
  let fakes: CloudFakes;
  let a: GatewayProcess;
  let b: GatewayProcess;
  const token = generateApiToken();
  const ok = async (gateway: GatewayProcess, query: string, variables?: Record<string, unknown>) => {
    const result = await postGraphQL(gateway.url, token, query, variables);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    fakes = await startCloudFakes();
    const env = gatewayEnv(database.url!, token, sharedRedisEnv(path.basename(database.url!)));
    [a, b] = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
    expect(a.url).not.toBe(b.url);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await fakes?.close();
    await database?.drop();
  });

  it('a secret written on one is read, updated and versioned on the other', async () => {
    await ok(a, 'mutation { createSecret(name: "shared", values: {password: "one"}) { id } }');
    expect((await ok(b, '{ secret(name: "shared") { values version } }')).secret).toEqual({
      values: { password: 'one' },
      version: 1,
    });
    await ok(
      b,
      'mutation { updateSecret(name: "shared", values: {password: "two"}, expectedVersion: 1) { version } }',
    );
    const stale = await postGraphQL(
      a.url,
      token,
      'mutation { updateSecret(name: "shared", values: {password: "three"}, expectedVersion: 1) { version } }',
    );
    expect(stale.errors?.[0].extensions?.code).toBe('CONFLICT');
    expect((await ok(a, '{ secret(name: "shared") { values version } }')).secret).toEqual({
      values: { password: 'two' },
      version: 2,
    });
  });

  it('audit subscribers on either process see the events caused on the other', async () => {
    const query = 'subscription { auditEvents(filter: {actions: ["secret.create"]}) { id target } }';
    const [onA, onB] = await Promise.all([
      subscribeSse(a.url, token, query),
      subscribeSse(b.url, token, query),
    ]);
    try {
      await new Promise((r) => setTimeout(r, 300));
      await ok(a, 'mutation { createSecret(name: "from-a", values: {k: "v"}) { id } }');
      await ok(b, 'mutation { createSecret(name: "from-b", values: {k: "v"}) { id } }');
      for (const sub of [onA, onB]) {
        const events = await sub.waitFor(2);
        expect(events.map((e) => e.data.auditEvents.target.name)).toEqual(['from-a', 'from-b']);
      }
    } finally {
      onA.close();
      onB.close();
    }
  });

  it('a migration started on one is watched live on both and finishes once', async () => {
    for (let i = 0; i < 100; i += 1) fakes.seedGlobal('aws', `scale-${i}`, { k: `v${i}` });
    await ok(
      a,
      `mutation($c: JSON!) {
        registerComponent(type: SECRETS_MANAGER, name: "aws-src", flavor: "aws", configuration: $c) { component { id } }
        registerStack(name: "aws-src", components: ["aws-src"]) { id }
      }`,
      { c: fakes.managerConfig('aws', { scope: 'global' }) },
    );
    fakes.aws.delayMs = 100;
    const id = (await ok(a, 'mutation { startSecretsMigration(stack: "aws-src") { id } }'))
      .startSecretsMigration.id;
    const query = 'subscription($id: ID!) { migrationProgress(id: $id) { migration { status done total } } }';
    const subs = await Promise.all([
      subscribeSse(a.url, token, query, { id }),
      subscribeSse(b.url, token, query, { id }),
    ]);
    try {
      for (const sub of subs) {
        const deadline = Date.now() + 30_000;
        while (sub.received.at(-1)?.data?.migrationProgress.migration.status !== 'SUCCEEDED') {
          if (Date.now() > deadline) throw new Error('no SUCCEEDED on a subscriber');
          await new Promise((r) => setTimeout(r, 50));
        }
        const dones = sub.received.map((e) => e.data.migrationProgress.migration.done);
        expect(dones).toEqual([...dones].sort((x, y) => x - y));
        expect(sub.received.at(-1)?.data.migrationProgress.migration).toEqual({
          status: 'SUCCEEDED',
          done: 100,
          total: 100,
        });
      }
    } finally {
      for (const sub of subs) sub.close();
      fakes.aws.delayMs = 0;
    }
    for (const gateway of [a, b]) {
      expect(
        (await ok(gateway, 'query($id: ID!) { migration(id: $id) { status done } }', { id })).migration,
      ).toEqual({
        status: 'SUCCEEDED',
        done: 100,
      });
      expect((await ok(gateway, '{ secret(name: "scale-42") { values } }')).secret.values).toEqual({
        k: 'v42',
      });
    }
    const progress = await ok(
      b,
      '{ auditEvents(first: 500, filter: {actions: ["migration.progress"]}) { nodes { target } } }',
    );
    const workers = new Set(
      progress.auditEvents.nodes.map((n: { target: { worker: string } }) => n.target.worker),
    );
    expect(progress.auditEvents.nodes).toHaveLength(100);
    expect(workers.size).toBe(1);
  });
});
