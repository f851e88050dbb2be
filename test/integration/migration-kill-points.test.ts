import path from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateApiToken } from '../../src/auth/api-token.js';
import { type AwsSecretsManagerFake, startAwsSecretsManagerFake } from '../fakes/aws-secrets-manager-fake.js';
import { type CloudFakes, startCloudFakes } from '../helpers/cloud-fakes.js';
import {
  dataOf,
  type GatewayProcess,
  gatewayEnv,
  pollUntil,
  sharedRedisEnv,
  startGatewayProcess,
} from '../helpers/gateway-process.js';
import { awsStoreEnv, liveSources, liveStoreEntries, seedSources } from '../helpers/migration-checks.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const COUNT = 100;
const LEASE_MS = 1500;

const ok = dataOf;
const waitFor = <T>(what: string, poll: () => Promise<T | undefined>) => pollUntil(what, poll, 45_000, 100);

interface Scenario {
  store: 'sql' | 'aws';
  /** SGW_TEST_KILL_AT of the first process (src/services/migration/test-kill-point.ts). */
  killAt: string;
  /** Share of the source's DeleteSecret calls throttled, in both processes' lifetimes. */
  throttle?: number;
}

/**
 * A real gateway process SIGKILLs itself at one step of a migration with deleteSource
 * (SGW_TEST_KILL_AT); a second process takes the job over after the lease. At the kill, every
 * source already deleted has its copy committed; at the end every secret is in the store once
 * with its values, every source is deleted, nothing is missing from both sides, SUCCEEDED.
 */
describe.runIf(process.env.DATABASE_URL)(
  'migration kill points (SIGKILL, resumed by a second process)',
  () => {
    let database: TestDatabase;
    let fakes: CloudFakes;
    let storeFake: AwsSecretsManagerFake;
    let client: pg.Client;
    const token = generateApiToken();
    const processes: GatewayProcess[] = [];

    beforeEach(async () => {
      database = await createTestDatabase();
      fakes = await startCloudFakes();
      storeFake = await startAwsSecretsManagerFake({ faults: [] });
      client = new pg.Client({ connectionString: database.url });
      await client.connect();
    });
    afterEach(async () => {
      await Promise.all(processes.splice(0).map((p) => p.stop('SIGKILL')));
      await client?.end();
      await storeFake?.close();
      await fakes?.close();
      await database?.drop();
    });

    async function start(env: Record<string, string>) {
      const gateway = await startGatewayProcess(env);
      processes.push(gateway);
      return gateway;
    }

    async function startJob(gateway: GatewayProcess): Promise<string> {
      await ok(
        gateway,
        token,
        `mutation($c: JSON!) {
        registerComponent(type: SECRETS_MANAGER, name: "src", flavor: "aws", configuration: $c) { component { id } }
        registerStack(name: "src", components: ["src"]) { id }
      }`,
        { c: fakes.managerConfig('aws', { scope: 'global' }) },
      );
      const started = await ok(
        gateway,
        token,
        'mutation { startSecretsMigration(stack: "src", deleteSource: true) { id } }',
      );
      return started.startSecretsMigration.id;
    }

    const rowsOf = async <T extends pg.QueryResultRow>(text: string) => (await client.query<T>(text)).rows;

    async function run(scenario: Scenario) {
      const expected = seedSources((n, v, s) => fakes.seedGlobal('aws', n, v, s), 'kp', COUNT);
      if (scenario.throttle) fakes.aws.faults.set(`DeleteSecret:throttle:${scenario.throttle}`);
      const env = gatewayEnv(database.url!, token, {
        ...sharedRedisEnv(path.basename(database.url!)),
        SGW_MIGRATION_LEASE_MS: String(LEASE_MS),
        SGW_MIGRATION_PARALLELISM: '2',
        ...(scenario.store === 'aws' ? awsStoreEnv(storeFake) : {}),
        // The orphan collector of the process that resumes repairs what the kill left, soon.
        SGW_STORE_COLLECT_INTERVAL_MS: '200',
        SGW_STORE_COLLECT_GRACE_MS: '1000',
      });
      const first = await start({ ...env, SGW_TEST_KILL_AT: scenario.killAt });
      const exited = new Promise((resolve) => first.child.once('exit', (_code, signal) => resolve(signal)));
      const id = await startJob(first);
      expect(await exited).toBe('SIGKILL');

      // At the kill: a deleted source always has its copy committed (item MIGRATED, row present).
      const live = new Set(liveSources(fakes.aws));
      const deleted = [...expected.keys()].filter((name) => !live.has(name));
      const items = await rowsOf<{ name: string; status: string }>(
        'select name, status from migration_items',
      );
      const stored = new Set((await rowsOf<{ name: string }>('select name from secrets')).map((r) => r.name));
      const statusOf = new Map(items.map((i) => [i.name, i.status]));
      for (const name of deleted) {
        expect(statusOf.get(name)).toBe('MIGRATED');
        expect(stored.has(name)).toBe(true);
      }
      expect(items.filter((i) => i.status === 'PENDING').length).toBeLessThan(COUNT);

      const second = await start(env);
      const migration = await waitFor('the job to finish', async () => {
        const data = await ok(
          second,
          token,
          'query($id: ID!) { migration(id: $id) { status total done error items { name status sourceDeleted } } }',
          { id },
        );
        return ['PENDING', 'RUNNING'].includes(data.migration.status) ? undefined : data.migration;
      });
      expect(migration).toMatchObject({ status: 'SUCCEEDED', total: COUNT, done: COUNT, error: null });
      expect(migration.items.filter((i: any) => i.status !== 'MIGRATED' || i.sourceDeleted !== true)).toEqual(
        [],
      );
      expect(liveSources(fakes.aws)).toEqual([]);
      await expectStoreComplete(second, expected, scenario);
      return { deletedAtKill: deleted.length };
    }

    /** Each secret once in the store with its values; one progress event per item; no stray entry. */
    async function expectStoreComplete(
      gateway: GatewayProcess,
      expected: Map<string, Record<string, string>>,
      scenario: Scenario,
    ) {
      const rows = await rowsOf<{ id: string; name: string }>('select id, name from secrets order by name');
      expect(rows.map((r) => r.name)).toEqual([...expected.keys()]);
      const names = [...expected.keys()];
      const data = await ok(
        gateway,
        token,
        `{ ${names.map((n, j) => `s${j}: secret(name: "${n}") { values }`).join(' ')} }`,
      );
      for (const [j, name] of names.entries()) expect(data[`s${j}`].values).toEqual(expected.get(name));
      const progress = await rowsOf<{ name: string }>(
        `select target->>'name' as name from audit_events where action = 'migration.progress'`,
      );
      expect(progress.map((e) => e.name).sort()).toEqual(names);
      if (scenario.store === 'aws') {
        const entries = new Set(liveStoreEntries(storeFake));
        for (const row of rows) expect(entries.has(`zenml/${row.id}`)).toBe(true);
        // Entries a transaction the kill caught before its commit had written (journaled write
        // intents) are deleted by the orphan collector: in the end the store holds exactly the rows.
        const wanted = rows.map((r) => `zenml/${r.id}`).sort();
        await waitFor('the orphan collector', async () => {
          const intents = await rowsOf<{ id: string }>('select id from store_write_intents');
          const now = [...liveStoreEntries(storeFake)].sort();
          return intents.length === 0 && JSON.stringify(now) === JSON.stringify(wanted) ? true : undefined;
        });
      }
    }

    for (const store of ['sql', 'aws'] as const) {
      it(`${store} store: killed after the copy, before the commit`, async () => {
        // The third transaction to reach this point: over two commit lanes, one lane has then
        // committed its first group, so the kill lands mid-job (some items committed, some not).
        await run({ store, killAt: 'after-copy:3' });
      }, 60_000);

      it(`${store} store: killed after the commit, before the source deletes`, async () => {
        const { deletedAtKill } = await run({ store, killAt: 'after-commit:3' });
        // Batches committed before the kill had their sources deleted; the killed one had not.
        expect(deletedAtKill).toBeLessThan(COUNT);
      }, 60_000);

      it(`${store} store: killed during the source deletes`, async () => {
        const { deletedAtKill } = await run({ store, killAt: 'during-deletes:25' });
        expect(deletedAtKill).toBeGreaterThanOrEqual(25);
      }, 60_000);
    }

    it('aws store, 60% of DeleteSecret throttled: killed during the deletes', async () => {
      const { deletedAtKill } = await run({ store: 'aws', killAt: 'during-deletes:25', throttle: 0.6 });
      expect(deletedAtKill).toBeGreaterThanOrEqual(25);
      expect(fakes.aws.faults.injected.filter((f) => f.operation === 'DeleteSecret').length).toBeGreaterThan(
        0,
      );
    }, 60_000);
  },
);
