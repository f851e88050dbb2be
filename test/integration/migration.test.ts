import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOUD_FLAVORS, type CloudFakes, startCloudFakes } from '../helpers/cloud-fakes.js';
import { subscribeSse } from '../helpers/sse-subscription.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const START = `mutation($stack: String, $names: [String!], $scope: SecretScope, $onConflict: ConflictPolicy, $renames: JSON, $deleteSource: Boolean) {
  startSecretsMigration(stack: $stack, names: $names, targetScope: $scope, onConflict: $onConflict, renames: $renames, deleteSource: $deleteSource) {
    id status total
  }
}`;
const MIGRATION = `query($id: ID!) { migration(id: $id) { id status total done error items { name targetName status error } } }`;

async function waitFinished(t: TestGateway, id: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = (await t.ok(MIGRATION, { id })).migration;
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(m.status)) return m;
    if (Date.now() > deadline) throw new Error(`migration still ${m.status} (${m.done}/${m.total})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function manager(t: TestGateway, fakes: CloudFakes, flavor: string, name: string) {
  await t.ok(
    `mutation($name: String!, $flavor: String!, $c: JSON!) {
      registerComponent(type: SECRETS_MANAGER, name: $name, flavor: $flavor, configuration: $c) { component { id } }
      registerStack(name: $name, components: [$name]) { id }
    }`,
    { name, flavor, c: fakes.managerConfig(flavor as never, flavor === 'local' ? {} : { scope: 'global' }) },
  );
}

async function storeValues(t: TestGateway): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  let after: string | null = null;
  for (;;) {
    const page: any = await t.ok(
      `query($after: String) { secrets(first: 1000, after: $after) { edges { node { name values } } pageInfo { hasNextPage endCursor } } }`,
      { after },
    );
    for (const edge of page.secrets.edges) {
      expect(out.has(edge.node.name)).toBe(false);
      out.set(edge.node.name, edge.node.values);
    }
    if (!page.secrets.pageInfo.hasNextPage) return out;
    after = page.secrets.pageInfo.endCursor;
  }
}

describe('migrating 1,000 secrets from every kind of secrets manager', () => {
  let t: TestGateway;
  let fakes: CloudFakes;
  let admin: { id: string; name: string; role: 'ADMIN' };
  beforeAll(async () => {
    fakes = await startCloudFakes();
    t = await startTestGateway({ env: { SGW_LOG_LEVEL: 'error' } });
    admin = { ...(await t.ok('{ viewer { id name } }')).viewer, role: 'ADMIN' };
  });
  afterAll(async () => {
    await t.close();
    await fakes.close();
  });

  it.each([...CLOUD_FLAVORS, 'local'] as const)(
    '%s: every value arrives equal, with schema and origin',
    async (flavor) => {
      const stack = `${flavor}-source`;
      await manager(t, fakes, flavor, stack);
      const expected = new Map<string, Record<string, string>>();
      for (let i = 0; i < 1000; i += 1) {
        const name = `${flavor}-s${String(i).padStart(4, '0')}`;
        const values = { username: `u${i}`, password: `p-${flavor}-${i}` };
        expected.set(name, values);
        if (flavor === 'local') {
          await t.gateway.services.managedSecrets.register(admin, {
            name,
            values,
            stack,
            schema: 'basic_auth',
          });
        } else fakes.seedGlobal(flavor, name, values, 'basic_auth');
      }
      const started = (await t.ok(START, { stack })).startSecretsMigration;
      expect(started.total).toBe(1000);
      const finished = await waitFinished(t, started.id, 120_000);
      expect(finished).toMatchObject({ status: 'SUCCEEDED', total: 1000, done: 1000, error: null });
      const byStatus = finished.items.reduce(
        (acc: Record<string, number>, i: any) => ({ ...acc, [i.status]: (acc[i.status] ?? 0) + 1 }),
        {},
      );
      expect(byStatus).toEqual({ MIGRATED: 1000 });
      const store = await storeValues(t);
      for (const [name, values] of expected) expect(store.get(name)).toEqual(values);
      const sample = (await t.ok(`{ secret(name: "${flavor}-s0007") { schema origin } }`)).secret;
      expect(sample.schema).toBe('basic_auth');
      expect(sample.origin).toMatchObject({
        component: stack,
        flavor,
        scope: flavor === 'local' ? 'none' : 'global',
        migrationId: started.id,
      });
    },
    180_000,
  );
});
