import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAwsBackend } from '../../src/backends/aws/aws-backend.js';
import { type AwsSecretsManagerFake, startAwsSecretsManagerFake } from '../fakes/aws-secrets-manager-fake.js';
import { type CloudFakes, startCloudFakes } from '../helpers/cloud-fakes.js';
import { registerManagerStack } from '../helpers/manager-stack.js';
import { awsStoreEnv, liveSources, liveStoreEntries, seedSources } from '../helpers/migration-checks.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const MIGRATION = `query($id: ID!) { migration(id: $id) { status total done error
  items { name status error sourceDeleted } } }`;

/**
 * Source deletion as its own step, with the store on a second AWS fake (SGW_SECRETS_STORE=aws):
 * throttled or failing DeleteSecret calls never lose a secret, are retried until done or the
 * bound, and the job says what remains.
 */
describe('migration source deletion on a remote store', () => {
  let fakes: CloudFakes;
  let store: AwsSecretsManagerFake;
  let t: TestGateway;

  beforeEach(async () => {
    fakes = await startCloudFakes();
    store = await startAwsSecretsManagerFake({ faults: [] });
    t = await startTestGateway({ env: { ...awsStoreEnv(store), SGW_MIGRATION_PARALLELISM: '8' } });
    expect(
      (await registerManagerStack(t, 'src', 'aws', fakes.managerConfig('aws', { scope: 'global' }))).errors,
    ).toBeUndefined();
  });
  afterEach(async () => {
    await t?.close();
    await store?.close();
    await fakes?.close();
  });

  async function migrate(deleteSource: boolean) {
    const { startSecretsMigration } = await t.ok(
      'mutation($d: Boolean) { startSecretsMigration(stack: "src", deleteSource: $d) { id } }',
      { d: deleteSource },
    );
    const deadline = Date.now() + 90_000;
    for (;;) {
      const { migration } = await t.ok(MIGRATION, { id: startSecretsMigration.id });
      if (!['PENDING', 'RUNNING'].includes(migration.status)) return migration;
      if (Date.now() > deadline) throw new Error('the migration did not finish');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Every expected secret once in the store (rows and remote entries), read back with its values. */
  async function expectAllStored(expected: Map<string, Record<string, string>>) {
    const rows = await t.gateway.database.db.selectFrom('secrets').select(['id', 'name']).execute();
    expect(rows.map((r) => r.name).sort()).toEqual([...expected.keys()].sort());
    expect(liveStoreEntries(store).sort()).toEqual(rows.map((r) => `zenml/${r.id}`).sort());
    const names = [...expected.keys()];
    for (let i = 0; i < names.length; i += 100) {
      const page = names.slice(i, i + 100);
      const data = await t.ok(
        `{ ${page.map((n, j) => `s${j}: secret(name: "${n}") { values }`).join(' ')} }`,
      );
      for (const [j, name] of page.entries()) expect(data[`s${j}`].values).toEqual(expected.get(name));
    }
  }

  it('300 secrets with 60% of DeleteSecret throttled: nothing lost, every source deleted, SUCCEEDED', async () => {
    const expected = seedSources((n, v, s) => fakes.seedGlobal('aws', n, v, s), 'thr', 300);
    fakes.aws.faults.set('DeleteSecret:throttle:0.6');
    const migration = await migrate(true);
    expect(migration).toMatchObject({ status: 'SUCCEEDED', total: 300, done: 300, error: null });
    expect(migration.items.every((i: any) => i.status === 'MIGRATED' && i.sourceDeleted === true)).toBe(true);
    expect(fakes.aws.faults.injected.filter((f) => f.operation === 'DeleteSecret').length).toBeGreaterThan(
      100,
    );
    expect(liveSources(fakes.aws)).toEqual([]);
    await expectAllStored(expected);
  }, 120_000);

  it('a source that cannot be deleted within the bound stays, and says so; the job FAILED with the count', async () => {
    const expected = seedSources((n, v, s) => fakes.seedGlobal('aws', n, v, s), 'stuck', 3);
    fakes.aws.faults.set('DeleteSecret:fail:1');
    const migration = await migrate(true);
    expect(migration.status).toBe('FAILED');
    expect(migration.error).toBe('3 of 3 sources could not be deleted and remain');
    for (const item of migration.items) {
      expect(item).toMatchObject({ status: 'MIGRATED', sourceDeleted: false });
      expect(item.error).toMatch(/^the source could not be deleted/);
    }
    expect(liveSources(fakes.aws)).toEqual([...expected.keys()]);
    await expectAllStored(expected);
  }, 120_000);

  it('a store write failing inside a grouped commit: its uncommitted entries are discarded, the batches retried alone, nothing lost', async () => {
    const expected = seedSources((n, v, s) => fakes.seedGlobal('aws', n, v, s), 'grp', 200);
    // Both attempts of the SDK at the first CreateSecret fail: that commit fails as a whole.
    store.faults.set([{ operation: 'CreateSecret', kind: 'fail', share: 1, first: 2 }]);
    const migration = await migrate(true);
    expect(migration).toMatchObject({ status: 'SUCCEEDED', total: 200, done: 200, error: null });
    expect(store.faults.injected.filter((f) => f.operation === 'CreateSecret')).toHaveLength(2);
    expect(liveSources(fakes.aws)).toEqual([]);
    await expectAllStored(expected);
  }, 60_000);

  it('without deleteSource, sourceDeleted is null and no source is touched', async () => {
    const expected = seedSources((n, v, s) => fakes.seedGlobal('aws', n, v, s), 'keep', 5);
    const migration = await migrate(false);
    expect(migration.status).toBe('SUCCEEDED');
    expect(migration.items.map((i: any) => i.sourceDeleted)).toEqual([null, null, null, null, null]);
    expect(liveSources(fakes.aws)).toEqual([...expected.keys()]);
  }, 60_000);

  it('a retried item whose source is gone counts as migrated only when its copy is in the store', async () => {
    const expected = seedSources((n, v, s) => fakes.seedGlobal('aws', n, v, s), 'ret', 3);
    const first = await migrate(false);
    expect(first.status).toBe('SUCCEEDED');
    const { db } = t.gateway.database;
    // As if a process died mid-way: two items pending again, their sources gone meanwhile, and
    // the store entry of one of the copies lost.
    const job = await db.selectFrom('migration_jobs').select('id').executeTakeFirstOrThrow();
    await db
      .updateTable('migration_items')
      .set({ status: 'PENDING' })
      .where('name', 'in', ['ret-0000', 'ret-0001'])
      .execute();
    const source = createAwsBackend(awsOptions(fakes.aws));
    await source.delete('zenml/global/ret-0000');
    await source.delete('zenml/global/ret-0001');
    const lost = await db
      .selectFrom('secrets')
      .select('id')
      .where('name', '=', 'ret-0001')
      .executeTakeFirstOrThrow();
    const storeBackend = createAwsBackend(awsOptions(store));
    await storeBackend.delete(`zenml/${lost.id}`);
    await db
      .updateTable('migration_jobs')
      .set({ status: 'PENDING', finished_at: null, error: null })
      .where('id', '=', job.id)
      .execute();
    const deadline = Date.now() + 30_000;
    let migration: any;
    do {
      await new Promise((r) => setTimeout(r, 200));
      migration = (await t.ok(MIGRATION, { id: job.id })).migration;
    } while (['PENDING', 'RUNNING'].includes(migration.status) && Date.now() < deadline);
    const byName = new Map(migration.items.map((i: any) => [i.name, i]));
    expect(byName.get('ret-0000')).toMatchObject({ status: 'MIGRATED', error: null });
    expect(byName.get('ret-0001')).toMatchObject({
      status: 'FAILED',
      error: 'the source secret no longer exists and its copy is not in the store',
    });
    expect(migration).toMatchObject({ status: 'FAILED', error: '1 of 3 items failed' });
    expect(expected.size).toBe(3);
  }, 60_000);
});

function awsOptions(fake: AwsSecretsManagerFake) {
  return {
    region: 'us-east-1',
    endpoint: fake.url,
    accessKeyId: fake.credentials.accessKeyId,
    secretAccessKey: fake.credentials.secretAccessKey,
    timeoutMs: 5000,
  };
}
