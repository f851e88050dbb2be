import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '../../src/crypto/keyring.js';
import { type SseSubscription, subscribeSse } from '../helpers/sse-subscription.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const SUBSCRIBE = `subscription($names: [String!], $after: ID) {
  secretChanges(names: $names, after: $after) {
    id at actor action name scope version changedKeys
    referencedBy { component { name } field key stacks { name } }
  }
}`;
const hasServices = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);
const CANARY = `canary-${randomBytes(8).toString('hex')}`;

type Change = {
  id: string;
  actor: string;
  action: string;
  name: string;
  scope: string;
  version: number | null;
  changedKeys: string[];
  referencedBy: Array<{
    component: { name: string };
    field: string;
    key: string;
    stacks: Array<{ name: string }>;
  }>;
};

/** The changes a subscription has received (failing on any error), as `ACTION name`. */
function changesOf(sub: SseSubscription): Change[] {
  for (const payload of sub.received) expect(payload.errors).toBeUndefined();
  return sub.received.map((p) => p.data.secretChanges as Change);
}
const summary = (changes: Change[]) => changes.map((c) => `${c.action} ${c.scope} ${c.name}`);

describe.runIf(hasServices)('secretChanges across two replicas (Postgres + Redis)', () => {
  let database: TestDatabase;
  let a: TestGateway;
  let b: TestGateway;
  const url: Record<'a' | 'b', string> = { a: '', b: '' };
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    database = await createTestDatabase();
    const env = {
      SGW_REDIS_PREFIX: `t${randomBytes(4).toString('hex')}:`,
      SGW_ENCRYPTION_KEYS: Keyring.generateDescription('k1'),
    };
    a = await startTestGateway({ database, env });
    b = await startTestGateway({ database, env });
    ({ url: url.a } = await a.listen());
    ({ url: url.b } = await b.listen());
    tokens.admin = await a.tokenFor('ops', 'ADMIN');
    tokens.ann = await a.tokenFor('ann', 'WRITER');
    tokens.bob = await a.tokenFor('bob', 'WRITER');
    tokens.rita = await a.tokenFor('rita', 'READER');
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await database?.drop();
  });

  /** Runs a mutation on a replica as someone; fails the test on any error. */
  function on(replica: TestGateway, who: string, query: string, variables: Record<string, unknown> = {}) {
    return replica.ok(query, variables, tokens[who]);
  }
  const subscribe = (replica: 'a' | 'b', who: string, variables: Record<string, unknown> = {}) =>
    subscribeSse(url[replica], tokens[who], SUBSCRIBE, variables);

  /** Seven changes, alternating replicas and principals; ann's component references "shared". */
  async function makeChanges() {
    await on(
      a,
      'ann',
      `mutation { createSecret(name: "svc", scope: USER, values: {token: "${CANARY}-1"}) { id } }`,
    );
    await on(
      b,
      'admin',
      `mutation { createSecret(name: "shared", values: {password: "${CANARY}-2"}) { id } }`,
    );
    await on(
      a,
      'ann',
      'mutation($c: JSON!) { registerComponent(type: ARTIFACT_STORE, name: "deploy-store", flavor: "s3", configuration: $c) { component { id } } }',
      { c: { path: 's3://deploy', key: '{{shared.password}}' } },
    );
    await on(a, 'ann', 'mutation { registerStack(name: "prod", components: ["deploy-store"]) { id } }');
    await on(
      a,
      'admin',
      `mutation { updateSecret(name: "shared", values: {password: "${CANARY}-3", extra: "${CANARY}-4"}) { id } }`,
    );
    // A denied attempt is recorded (DENIED) but is no change.
    const denied = await a.gql('mutation { deleteSecret(name: "shared") }', {}, tokens.rita);
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    await on(
      b,
      'bob',
      `mutation { createSecret(name: "svc", scope: USER, values: {token: "${CANARY}-5"}) { id } }`,
    );
    await on(b, 'admin', 'mutation { renameSecret(name: "shared", newName: "shared2") { id } }');
    await on(a, 'ann', 'mutation { deleteSecret(name: "svc", scope: USER) }');
    await on(a, 'admin', 'mutation { deleteSecret(name: "shared2") }');
  }

  it('delivers every change once, in order, on both replicas; only what each may see; never a value', async () => {
    const subs = {
      adminA: await subscribe('a', 'admin'),
      adminB: await subscribe('b', 'admin'),
      ann: await subscribe('a', 'ann'),
      bob: await subscribe('b', 'bob'),
      rita: await subscribe('a', 'rita'),
      named: await subscribe('b', 'rita', { names: ['shared'] }),
    };
    try {
      await new Promise((r) => setTimeout(r, 500)); // the subscriptions start "from now"
      await makeChanges();
      await Promise.all([
        subs.adminA.waitFor(7),
        subs.adminB.waitFor(7),
        subs.ann.waitFor(6),
        subs.bob.waitFor(5),
        subs.rita.waitFor(4),
        subs.named.waitFor(3),
      ]);
      await new Promise((r) => setTimeout(r, 500)); // nothing more comes
      const all = [
        'CREATED USER svc',
        'CREATED WORKSPACE shared',
        'UPDATED WORKSPACE shared',
        'CREATED USER svc',
        'RENAMED WORKSPACE shared2',
        'DELETED USER svc',
        'DELETED WORKSPACE shared2',
      ];
      const adminA = changesOf(subs.adminA);
      expect(summary(adminA)).toEqual(all);
      expect(changesOf(subs.adminB)).toEqual(adminA);
      const ids = adminA.map((c) => Number(c.id));
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
      expect(new Set(ids).size).toBe(7);
      // ann sees her USER svc, never bob's; bob the other way round; rita no USER secret at all.
      expect(changesOf(subs.ann).map((c) => c.id)).toEqual(adminA.filter((_, i) => i !== 3).map((c) => c.id));
      expect(changesOf(subs.bob).map((c) => c.id)).toEqual(
        adminA.filter((_, i) => ![0, 5].includes(i)).map((c) => c.id),
      );
      expect(summary(changesOf(subs.rita))).toEqual(all.filter((c) => c.includes('WORKSPACE')));
      expect(summary(changesOf(subs.named))).toEqual(
        all.filter((c) => / shared2?$/.test(c) && !c.startsWith('DELETED')),
      );

      const [, created, updated, , renamed, , deleted] = adminA;
      expect(created).toMatchObject({
        actor: 'ops',
        version: 1,
        changedKeys: ['password'],
        referencedBy: [],
      });
      expect(updated).toMatchObject({ actor: 'ops', version: 2, changedKeys: ['extra', 'password'] });
      const deployStore = [
        { component: { name: 'deploy-store' }, field: 'key', key: 'password', stacks: [{ name: 'prod' }] },
      ];
      expect(updated.referencedBy).toEqual(deployStore);
      expect(renamed).toMatchObject({ changedKeys: [], referencedBy: deployStore }); // who names the old name
      expect(deleted).toMatchObject({ name: 'shared2', changedKeys: [], referencedBy: [] });
      const everything = JSON.stringify(Object.values(subs).map((s) => s.received));
      expect(everything).not.toContain(CANARY);
    } finally {
      for (const sub of Object.values(subs)) sub.close();
    }
  }, 60_000);

  it('carries rollback, soft delete, restore and purge, each with its version and uses; USER ones only to their owner', async () => {
    const subs = {
      adminA: await subscribe('a', 'admin'),
      adminB: await subscribe('b', 'admin'),
      bob: await subscribe('b', 'bob'),
    };
    try {
      await new Promise((r) => setTimeout(r, 500));
      await on(a, 'admin', `mutation { createSecret(name: "cycle", values: {k: "${CANARY}-6"}) { id } }`);
      await on(
        b,
        'bob',
        'mutation($c: JSON!) { registerComponent(type: ARTIFACT_STORE, name: "cycle-store", flavor: "s3", configuration: $c) { component { id } } }',
        { c: { path: 's3://cycle', key: '{{cycle.k}}' } },
      );
      await on(
        b,
        'admin',
        `mutation { updateSecret(name: "cycle", values: {k: "${CANARY}-7", j: "x"}) { id } }`,
      );
      await on(a, 'admin', 'mutation { rollbackSecret(name: "cycle", version: 1) { version } }');
      await on(
        a,
        'ann',
        `mutation { createSecret(name: "private", scope: USER, values: {p: "${CANARY}-8"}) { id } }`,
      );
      await on(b, 'admin', 'mutation { deleteSecret(name: "cycle") }');
      await on(b, 'ann', 'mutation { deleteSecret(name: "private", scope: USER) }');
      await on(a, 'admin', 'mutation { restoreSecret(name: "cycle") { version } }');
      await on(a, 'ann', 'mutation { restoreSecret(name: "private", scope: USER) { version } }');
      await on(b, 'admin', 'mutation { deleteSecret(name: "cycle") }');
      await on(a, 'admin', 'mutation { purgeSecret(name: "cycle") }');
      await Promise.all([subs.adminA.waitFor(10), subs.adminB.waitFor(10), subs.bob.waitFor(7)]);
      await new Promise((r) => setTimeout(r, 500));
      const adminA = changesOf(subs.adminA);
      expect(changesOf(subs.adminB)).toEqual(adminA);
      const line = (c: Change) =>
        `${c.action} ${c.scope} ${c.name} v${c.version} [${c.changedKeys}] ${c.referencedBy.map((u) => u.component.name)}`;
      expect(adminA.map(line)).toEqual([
        'CREATED WORKSPACE cycle v1 [k] ',
        'UPDATED WORKSPACE cycle v2 [j,k] cycle-store',
        'ROLLED_BACK WORKSPACE cycle v3 [j,k] cycle-store',
        'CREATED USER private v1 [p] ',
        'DELETED WORKSPACE cycle v3 [] cycle-store',
        'DELETED USER private v1 [] ',
        'RESTORED WORKSPACE cycle v3 [] cycle-store',
        'RESTORED USER private v1 [] ',
        'DELETED WORKSPACE cycle v3 [] cycle-store',
        'PURGED WORKSPACE cycle v3 [] cycle-store',
      ]);
      expect(changesOf(subs.bob).map(line)).toEqual(adminA.map(line).filter((l) => l.includes('WORKSPACE')));
      expect(JSON.stringify(Object.values(subs).map((s) => s.received))).not.toContain(CANARY);
    } finally {
      for (const sub of Object.values(subs)) sub.close();
    }
  }, 60_000);

  it('resumes after a disconnect with `after`, on the other replica: no gap, no duplicate', async () => {
    const first = await subscribe('a', 'rita', { names: ['resume'] });
    const seen: Change[] = [];
    try {
      await new Promise((r) => setTimeout(r, 500));
      await on(a, 'admin', 'mutation { createSecret(name: "resume", values: {v: "1"}) { id } }');
      await on(b, 'admin', 'mutation { updateSecret(name: "resume", values: {v: "2"}) { id } }');
      await first.waitFor(2);
      seen.push(...changesOf(first));
    } finally {
      first.close();
    }
    // Changes while nobody listens, and one after the cursor that is not about "resume".
    await on(b, 'admin', 'mutation { updateSecret(name: "resume", values: {v: "3"}) { id } }');
    await on(a, 'admin', 'mutation { createSecret(name: "other", values: {v: "1"}) { id } }');
    await on(a, 'admin', 'mutation { updateSecret(name: "resume", values: {w: "4"}) { id } }');
    const second = await subscribe('b', 'rita', { names: ['resume'], after: seen[1].id });
    try {
      await second.waitFor(2);
      await on(a, 'admin', 'mutation { deleteSecret(name: "resume") }');
      await second.waitFor(3);
      await new Promise((r) => setTimeout(r, 300));
      seen.push(...changesOf(second));
    } finally {
      second.close();
    }
    expect(seen.map((c) => `${c.action} ${c.version} ${c.changedKeys.join(',')}`)).toEqual([
      'CREATED 1 v',
      'UPDATED 2 v',
      'UPDATED 3 v',
      'UPDATED 4 w',
      'DELETED 4 ',
    ]);
    const ids = seen.map((c) => Number(c.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids).size).toBe(ids.length);
  }, 60_000);
});
