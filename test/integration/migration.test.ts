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
      `query($after: String) { secrets(first: 200, after: $after) { edges { node { name values } } pageInfo { hasNextPage endCursor } } }`,
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

/** Secrets per source back-end: 1,000 on Postgres (as CI runs it); 200 on embedded PGlite. */
const COUNT = Number(process.env.SGW_TEST_MIGRATION_SECRETS ?? (process.env.DATABASE_URL ? 1000 : 200));

describe(`migrating ${COUNT} secrets from every kind of secrets manager`, () => {
  let t: TestGateway;
  let fakes: CloudFakes;
  let admin: { id: string; name: string; role: 'ADMIN' };
  beforeAll(async () => {
    fakes = await startCloudFakes();
    t = await startTestGateway({ env: { SGW_LOG_LEVEL: 'error', SGW_VALUE_READS_PER_SECOND: '0' } });
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
      for (let i = 0; i < COUNT; i += 1) {
        const name = `${flavor}-s${String(i).padStart(4, '0')}`;
        const values = { username: `u${i}`, password: `p-${flavor}-${i}` };
        expected.set(name, values);
        if (flavor !== 'local') fakes.seedGlobal(flavor, name, values, 'basic_auth');
      }
      if (flavor === 'local') {
        // One write of ZenML's YAML file (registering one by one rewrites it each time).
        const { managedSecrets, stacks } = t.gateway.services;
        const m = managedSecrets.managerOfStack(await stacks.stackOrActive(admin, stack));
        await m.backend.createMany!(
          [...expected].flatMap(([name, values]) => m.scoping.toEntries(m.ctx, name, 'basic_auth', values)),
        );
      }
      const started = (await t.ok(START, { stack })).startSecretsMigration;
      expect(started.total).toBe(COUNT);
      const finished = await waitFinished(t, started.id, 120_000);
      expect(finished).toMatchObject({ status: 'SUCCEEDED', total: COUNT, done: COUNT, error: null });
      const byStatus: Record<string, number> = {};
      for (const item of finished.items) byStatus[item.status] = (byStatus[item.status] ?? 0) + 1;
      expect(byStatus).toEqual({ MIGRATED: COUNT });
      const store = await storeValues(t);
      for (const [name, values] of expected) expect(store.get(name)).toEqual(values);
      const sample = (
        await t.ok(
          `{ secret(name: "${flavor}-s0007") { schema origin version versions { version changedKeys } } }`,
        )
      ).secret;
      expect(sample.schema).toBe('basic_auth');
      // A migrated secret starts its history at version 1.
      expect(sample.version).toBe(1);
      expect(sample.versions).toEqual([
        { version: 1, changedKeys: Object.keys(expected.get(`${flavor}-s0007`) ?? {}).sort() },
      ]);
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

describe('conflicts, renames, deletion and progress', () => {
  let t: TestGateway;
  let fakes: CloudFakes;
  let url: string;
  beforeAll(async () => {
    fakes = await startCloudFakes();
    t = await startTestGateway({ env: { SGW_LOG_LEVEL: 'error', SGW_VALUE_READS_PER_SECOND: '0' } });
    url = (await t.listen()).url;
    await manager(t, fakes, 'local', 'src');
    const secrets: Record<string, Record<string, string>> = {
      fresh: { v: 'new' },
      same: { v: 'identical' },
      clash: { v: 'from-source' },
      moved: { v: 'moved' },
    };
    for (const [name, values] of Object.entries(secrets)) {
      await t.ok(
        'mutation($n: String!, $v: JSON!) { registerManagedSecret(name: $n, values: $v, stack: "src") { name } }',
        {
          n: name,
          v: values,
        },
      );
    }
    await t.ok('mutation { createSecret(name: "same", values: {v: "identical"}) { id } }');
    await t.ok('mutation { createSecret(name: "clash", values: {v: "in-store"}) { id } }');
    await t.ok('mutation { createSecret(name: "moved", values: {v: "other"}) { id } }');
  });
  afterAll(async () => {
    await t.close();
    await fakes.close();
  });

  it('plans NEW, IDENTICAL and CONFLICT', async () => {
    const plan = (await t.ok('{ migrationPlan(stack: "src", targetScope: WORKSPACE) { name status } }'))
      .migrationPlan;
    expect(Object.fromEntries(plan.map((p: any) => [p.name, p.status]))).toEqual({
      clash: 'CONFLICT',
      fresh: 'NEW',
      moved: 'CONFLICT',
      same: 'IDENTICAL',
    });
  });

  it('SKIP leaves a conflict alone; IDENTICAL is recognised', async () => {
    const id = (await t.ok(START, { stack: 'src', names: ['same', 'clash'], onConflict: 'SKIP' }))
      .startSecretsMigration.id;
    const done = await waitFinished(t, id);
    expect(done.status).toBe('SUCCEEDED');
    expect(Object.fromEntries(done.items.map((i: any) => [i.name, i.status]))).toEqual({
      clash: 'SKIPPED',
      same: 'IDENTICAL',
    });
    expect((await t.ok('{ secret(name: "clash") { values } }')).secret.values).toEqual({ v: 'in-store' });
  });

  it('FAIL fails that item and the others go on', async () => {
    const id = (await t.ok(START, { stack: 'src', names: ['clash', 'fresh'], onConflict: 'FAIL' }))
      .startSecretsMigration.id;
    const done = await waitFinished(t, id);
    expect(done.status).toBe('FAILED');
    expect(done.error).toMatch(/1 of 2 items failed/);
    const items = Object.fromEntries(done.items.map((i: any) => [i.name, i]));
    expect(items.clash).toMatchObject({
      status: 'FAILED',
      error: expect.stringMatching(/exists with other values/),
    });
    expect(items.fresh.status).toBe('MIGRATED');
  });

  it('a rename lands under the new name; OVERWRITE replaces fully; deleteSource removes verified sources only', async () => {
    const id = (
      await t.ok(START, {
        stack: 'src',
        names: ['moved', 'clash'],
        onConflict: 'OVERWRITE',
        renames: { moved: 'moved_v2' },
        deleteSource: true,
      })
    ).startSecretsMigration.id;
    const progress = await subscribeSse(
      url,
      t.adminToken,
      'subscription($id: ID!) { migrationProgress(id: $id) { migration { status done total } item { name status } } }',
      { id },
    );
    const done = await waitFinished(t, id);
    const events = await progress.waitFor(1);
    await new Promise((r) => setTimeout(r, 300));
    progress.close();
    expect(Object.fromEntries(done.items.map((i: any) => [i.name, [i.targetName, i.status]]))).toEqual({
      clash: ['clash', 'OVERWRITTEN'],
      moved: ['moved_v2', 'RENAMED'],
    });
    expect((await t.ok('{ secret(name: "clash") { values origin } }')).secret).toMatchObject({
      values: { v: 'from-source' },
      origin: { migrationId: id },
    });
    // An overwrite is a new version; the values it replaced stay readable.
    const history = (
      await t.ok('{ secret(name: "clash") { versions { version } first: values(version: 1) } }')
    ).secret;
    expect(history).toEqual({ versions: [{ version: 2 }, { version: 1 }], first: { v: 'in-store' } });
    expect((await t.ok('{ secret(name: "moved_v2") { values } }')).secret.values).toEqual({ v: 'moved' });
    expect((await t.ok('{ secret(name: "moved") { values } }')).secret.values).toEqual({ v: 'other' });
    const left = (await t.ok('{ managedSecrets(stack: "src") { name } }')).managedSecrets.map(
      (s: any) => s.name,
    );
    expect(left).not.toContain('clash');
    expect(left).not.toContain('moved');
    expect(left).toContain('same');
    const dones = events.map((e) => e.data.migrationProgress.migration.done);
    expect(dones).toEqual([...dones].sort((a, b) => a - b));
    expect(events.at(-1)?.data.migrationProgress.migration).toMatchObject({
      status: 'SUCCEEDED',
      done: 2,
      total: 2,
    });
  });

  it('a late subscriber first gets the current state', async () => {
    const id = (await t.ok(START, { stack: 'src', names: ['same'] })).startSecretsMigration.id;
    await waitFinished(t, id);
    const late = await subscribeSse(
      url,
      t.adminToken,
      'subscription($id: ID!) { migrationProgress(id: $id) { migration { status done total } item { name } } }',
      { id },
    );
    const [first] = await late.waitFor(1);
    late.close();
    expect(first.data.migrationProgress).toEqual({
      migration: { status: 'SUCCEEDED', done: 1, total: 1 },
      item: null,
    });
  });
});
