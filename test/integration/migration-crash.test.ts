import path from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateApiToken } from '../../src/auth/api-token.js';
import { type CloudFakes, startCloudFakes } from '../helpers/cloud-fakes.js';
import {
  dataOf,
  type GatewayProcess,
  gatewayEnv,
  pollUntil,
  sharedRedisEnv,
  startGatewayProcess,
} from '../helpers/gateway-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

/** Secrets per job: enough that a job takes seconds with the fake's delay below. */
const COUNT = 300;
/** Added to every AWS call, so each batch of 20 takes a while and a kill lands mid-job. */
const DELAY_MS = 120;
const LEASE_MS = 1500;

const ok = dataOf;
const waitFor = <T>(what: string, poll: () => Promise<T | undefined>) => pollUntil(what, poll, 60_000, 50);

/**
 * Gateways as real processes on one Postgres, migrating from an AWS fake in this process:
 * a SIGKILLed worker's job is resumed by the next process after its lease expires.
 */
describe.runIf(process.env.DATABASE_URL)('migration survives a killed gateway process', () => {
  let database: TestDatabase;
  let fakes: CloudFakes;
  let client: pg.Client;
  let env: Record<string, string>;
  const token = generateApiToken();
  const processes: GatewayProcess[] = [];
  const expected = new Map<string, Record<string, string>>();

  const start = async () => {
    const gateway = await startGatewayProcess(env);
    processes.push(gateway);
    return gateway;
  };
  const progress = async () =>
    (
      await client.query<{ id: string; worker: string; name: string }>(
        `select id, target->>'worker' as worker, target->>'name' as name
         from audit_events where action = 'migration.progress' order by id`,
      )
    ).rows;
  const migration = (gateway: GatewayProcess, id: string) =>
    ok(gateway, token, 'query($id: ID!) { migration(id: $id) { status total done error } }', { id }).then(
      (d) => d.migration,
    );
  const finished = (gateway: GatewayProcess, id: string) =>
    waitFor('the job to finish', async () => {
      const m = await migration(gateway, id);
      return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(m.status) ? m : undefined;
    });

  /** Every seeded secret is in the store exactly once, with equal values, schema and origin. */
  async function expectStoreComplete(gateway: GatewayProcess, migrationId: string) {
    const rows = (await client.query<{ name: string }>('select name from secrets order by name')).rows;
    expect(rows.map((r) => r.name)).toEqual([...expected.keys()].sort());
    for (let i = 0; i < COUNT; i += 100) {
      const names = [...expected.keys()].slice(i, i + 100);
      const query = `{ ${names.map((n, j) => `s${j}: secret(name: "${n}") { values schema origin }`).join(' ')} }`;
      const data = await ok(gateway, token, query);
      names.forEach((name, j) => {
        expect(data[`s${j}`].values).toEqual(expected.get(name));
        expect(data[`s${j}`].schema).toBe('basic_auth');
        expect(data[`s${j}`].origin.migrationId).toBe(migrationId);
      });
    }
  }

  beforeEach(async () => {
    database = await createTestDatabase();
    fakes = await startCloudFakes();
    env = gatewayEnv(database.url!, token, {
      ...sharedRedisEnv(path.basename(database.url!)),
      SGW_MIGRATION_LEASE_MS: String(LEASE_MS),
      SGW_MIGRATION_PARALLELISM: '2',
    });
    expected.clear();
    for (let i = 0; i < COUNT; i += 1) {
      const name = `crash-${String(i).padStart(4, '0')}`;
      const values = { username: `u${i}`, password: `p-${i}` };
      expected.set(name, values);
      fakes.seedGlobal('aws', name, values, 'basic_auth');
    }
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });
  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.stop('SIGKILL')));
    await client?.end();
    await fakes?.close();
    await database?.drop();
  });

  async function startJob(gateway: GatewayProcess, deleteSource: boolean): Promise<string> {
    await ok(
      gateway,
      token,
      `mutation($c: JSON!) {
        registerComponent(type: SECRETS_MANAGER, name: "src", flavor: "aws", configuration: $c) { component { id } }
        registerStack(name: "src", components: ["src"]) { id }
      }`,
      { c: fakes.managerConfig('aws', { scope: 'global' }) },
    );
    fakes.aws.delayMs = DELAY_MS;
    const started = await ok(
      gateway,
      token,
      'mutation($d: Boolean) { startSecretsMigration(stack: "src", deleteSource: $d) { id total } }',
      { d: deleteSource },
    );
    expect(started.startSecretsMigration.total).toBe(COUNT);
    return started.startSecretsMigration.id;
  }

  it('SIGKILL mid-job, start again: the job resumes and finishes, each secret once, only verified sources deleted', async () => {
    const first = await start();
    const id = await startJob(first, true);
    const live = () => [...fakes.aws.secrets.values()].filter((s) => s.deletedDate === undefined).length;
    await waitFor('some sources deleted', async () => (live() <= COUNT - 40 ? true : undefined));
    await first.stop('SIGKILL');

    // At the kill: every source already deleted belongs to an item committed as MIGRATED.
    const remaining = new Set(
      [...fakes.aws.secrets.values()]
        .filter((s) => s.deletedDate === undefined)
        .map((s) => s.name.replace('zenml/global/', '')),
    );
    const deleted = [...expected.keys()].filter((n) => !remaining.has(n));
    const items = (
      await client.query<{ name: string; status: string }>('select name, status from migration_items')
    ).rows;
    const statusOf = new Map(items.map((i) => [i.name, i.status]));
    expect(deleted.length).toBeGreaterThan(0);
    expect(deleted.length).toBeLessThan(COUNT);
    for (const name of deleted) expect(statusOf.get(name)).toBe('MIGRATED');
    expect(items.filter((i) => i.status === 'PENDING').length).toBeGreaterThan(0);

    const second = await start();
    const done = await finished(second, id);
    expect(done).toMatchObject({ status: 'SUCCEEDED', total: COUNT, done: COUNT, error: null });
    await expectStoreComplete(second, id);
    expect([...fakes.aws.secrets.values()].filter((s) => s.deletedDate === undefined)).toEqual([]);
    // One progress event per item, from two workers: the killed one, then its successor.
    const events = await progress();
    expect(events.map((e) => e.name).sort()).toEqual([...expected.keys()].sort());
    const workers = [...new Set(events.map((e) => e.worker))];
    expect(workers).toHaveLength(2);
    expect(workers[0]).toContain(`:${first.child.pid}:`);
  }, 120_000);

  it('two processes: exactly one runs the job; killing it lets the other finish after the lease', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const id = await startJob(a, false);
    const events = await waitFor('progress', async () => {
      const rows = await progress();
      return rows.length >= 60 ? rows : undefined;
    });
    const workers = [...new Set(events.map((e) => e.worker))];
    expect(workers).toHaveLength(1);
    const running = [a, b].find((p) => workers[0].includes(`:${p.child.pid}:`));
    const other = running === a ? b : a;
    expect(running).toBeDefined();
    await running!.stop('SIGKILL');
    const killedAt = Date.now();

    const done = await finished(other, id);
    expect(done).toMatchObject({ status: 'SUCCEEDED', total: COUNT, done: COUNT });
    await expectStoreComplete(other, id);
    const all = await progress();
    const order = [...new Set(all.map((e) => e.worker))];
    expect(order).toHaveLength(2);
    expect(order[1]).toContain(`:${other.child.pid}:`);
    // The workers never interleave: every event of the first precedes every event of the second.
    const lastOfFirst = all.findLastIndex((e) => e.worker === order[0]);
    const firstOfSecond = all.findIndex((e) => e.worker === order[1]);
    expect(lastOfFirst).toBeLessThan(firstOfSecond);
    expect(all.map((e) => e.name).sort()).toEqual([...expected.keys()].sort());
    // The survivor took over only once the lease had run out (renewed every third of it).
    const takeover = (
      await client.query<{ at: Date }>('select at from audit_events where id = $1', [all[firstOfSecond].id])
    ).rows[0].at;
    expect(takeover.getTime() - killedAt).toBeGreaterThanOrEqual((LEASE_MS * 2) / 3 - 100);
  }, 120_000);
});
