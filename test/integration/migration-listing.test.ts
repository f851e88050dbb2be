import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CloudFakes, startCloudFakes } from '../helpers/cloud-fakes.js';
import { registerManagerStack } from '../helpers/manager-stack.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const MIGRATION = `query($id: ID!) { migration(id: $id) { status total done error items { name status error } } }`;
const COUNT = 250; // three ListSecrets pages of at most 100

/**
 * The source is listed once per job run in the process that started it: the worker reads its
 * batches with the listing made by startSecretsMigration. A secret deleted or changed between
 * the start and its copy is still handled as the values read at copy time say.
 */
describe('migration source listing', () => {
  let fakes: CloudFakes;
  let t: TestGateway;

  beforeEach(async () => {
    fakes = await startCloudFakes();
    for (let i = 0; i < COUNT; i += 1)
      fakes.seedGlobal('aws', `s${String(i).padStart(3, '0')}`, { v: `value-${i}` }, 'arbitrary');
    t = await startTestGateway({ env: { SGW_LOG_LEVEL: 'error', SGW_VALUE_READS_PER_SECOND: '0' } });
    expect(
      (await registerManagerStack(t, 'src', 'aws', fakes.managerConfig('aws', { scope: 'global' }))).errors,
    ).toBeUndefined();
  });
  afterEach(async () => {
    await t?.close();
    await fakes?.close();
  });

  async function waitFinished(id: string) {
    for (;;) {
      const m = (await t.ok(MIGRATION, { id })).migration;
      if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(m.status)) return m;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const listCalls = () => fakes.aws.calls.filter((call) => call === 'ListSecrets').length;

  it('lists the source once: the pages of the start serve the worker', async () => {
    const before = listCalls();
    const { id } = (await t.ok('mutation { startSecretsMigration(stack: "src") { id } }'))
      .startSecretsMigration;
    const m = await waitFinished(id);
    expect(m).toMatchObject({ status: 'SUCCEEDED', total: COUNT, done: COUNT, error: null });
    expect(new Set(m.items.map((item: { status: string }) => item.status))).toEqual(new Set(['MIGRATED']));
    expect(listCalls() - before).toBe(3);
    const { secret } = await t.ok('{ secret(name: "s123") { values } }');
    expect(secret.values).toEqual({ v: 'value-123' });
  });

  it('a secret deleted or changed after the start is copied as it is at copy time', async () => {
    // Batch reads wait, so the changes below land between the listing and the copies.
    fakes.aws.faults.set('BatchGetSecretValue:slow:1:1000');
    const { id } = (await t.ok('mutation { startSecretsMigration(stack: "src") { id } }'))
      .startSecretsMigration;
    await t.ok(`mutation {
      deleteManagedSecret(name: "s007", stack: "src")
      updateManagedSecret(name: "s008", values: { v: "changed" }, stack: "src") { name }
    }`);
    const m = await waitFinished(id);
    expect(m).toMatchObject({
      status: 'FAILED',
      total: COUNT,
      done: COUNT,
      error: `1 of ${COUNT} items failed`,
    });
    const failed = m.items.filter((item: { status: string }) => item.status !== 'MIGRATED');
    expect(failed).toEqual([{ name: 's007', status: 'FAILED', error: 'the source secret no longer exists' }]);
    const { secret } = await t.ok('{ secret(name: "s008") { values } }');
    expect(secret.values).toEqual({ v: 'changed' });
    expect((await t.gql('{ secret(name: "s007") { values } }')).data?.secret ?? null).toBeNull();
  });
});
