import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createAwsBackend } from '../src/backends/aws/aws-backend.js';
import { listAll } from '../src/backends/backend.js';
import { createSqlBackend } from '../src/backends/sql/sql-backend.js';
import { Keyring } from '../src/crypto/keyring.js';
import { scopingFor } from '../src/scoping/scoping.js';
import { startTestGateway } from '../test/helpers/test-gateway.js';
import { type BenchFigure, figure } from './bench-report.js';

const SECRETS = Number(process.env.BENCH_MIGRATION_SECRETS ?? 10_000);
const DELAY_MS = 5;
const PARALLELISM = 8;

/** Runs `work` over `items` with at most `parallelism` at once. */
async function pool<T>(items: T[], parallelism: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallelism }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/** Starts bench/seeded-fake-process.ts: an AWS fake in its own process, seeded, with a delay. */
async function startSeededAwsFake(secrets: number, delayMs: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/seeded-fake-process.ts'], {
    cwd: new URL('..', import.meta.url).pathname,
    env: {
      ...process.env,
      BENCH_FAKE_FLAVOR: 'aws',
      BENCH_FAKE_SECRETS: String(secrets),
      BENCH_FAKE_DELAY_MS: String(delayMs),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = await createInterface({ input: child.stdout! })
    [Symbol.asyncIterator]()
    .next()
    .then((r) => [r.value]);
  if (!line) throw new Error('the seeded fake did not start');
  const { config } = JSON.parse(line) as { config: Record<string, string> };
  return { config, stop: () => child.kill('SIGTERM') };
}

/**
 * Migration throughput: SECRETS secrets from an AWS fake that adds 5 ms to every call, at
 * parallelism 8, vs a raw loop doing the same copy (listing, batched SDK reads, seal + insert)
 * with no job, no verification, no audit and no progress events.
 */
export async function benchMigrationThroughput(): Promise<BenchFigure[]> {
  const fake = await startSeededAwsFake(SECRETS, DELAY_MS);
  const t = await startTestGateway({
    env: { SGW_LOG_LEVEL: 'error', SGW_MIGRATION_PARALLELISM: String(PARALLELISM) },
  });
  try {
    // Raw baseline: list, then read 20 at a time (BatchGetSecretValue, as the gateway does),
    // seal and insert each secret; 8 batches at a time.
    const aws = createAwsBackend({
      region: 'us-east-1',
      endpoint: fake.config.endpoint_url,
      accessKeyId: fake.config.aws_access_key_id,
      secretAccessKey: fake.config.aws_secret_access_key,
      timeoutMs: 30_000,
    });
    const sql = createSqlBackend(t.gateway.database.db, Keyring.parse(Keyring.generateDescription('bench')));
    const scoping = scopingFor('aws');
    const rawStart = performance.now();
    const entries = await listAll(aws, { namePrefix: 'zenml/global/' });
    const batches: Array<typeof entries> = [];
    for (let i = 0; i < entries.length; i += 20) batches.push(entries.slice(i, i + 20));
    await pool(batches, PARALLELISM, async (batch) => {
      const values = await aws.getValues!(batch.map((entry) => entry.name));
      for (const entry of batch) {
        const secret = scoping.fromEntries([{ ...entry, values: values.get(entry.name)! }]);
        await sql.create({ name: `raw-${entry.name}`, values: secret.values, metadata: {} });
      }
    });
    const rawRate = entries.length / ((performance.now() - rawStart) / 1000);

    await t.ok(
      `mutation($c: JSON!) {
        registerComponent(type: SECRETS_MANAGER, name: "bench-aws", flavor: "aws", configuration: $c) { component { id } }
        registerStack(name: "bench-aws", components: ["bench-aws"]) { id }
      }`,
      { c: fake.config },
    );
    const start = performance.now();
    const id = (await t.ok('mutation { startSecretsMigration(stack: "bench-aws") { id } }'))
      .startSecretsMigration.id;
    for (;;) {
      const m = (await t.ok('query($id: ID!) { migration(id: $id) { status done total } }', { id }))
        .migration;
      if (m.status === 'SUCCEEDED') break;
      if (m.status === 'FAILED' || m.status === 'CANCELLED') throw new Error(`migration ${m.status}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const rate = SECRETS / ((performance.now() - start) / 1000);
    return [
      figure(
        `migration of ${SECRETS} secrets (fake +${DELAY_MS} ms/call, parallelism ${PARALLELISM})`,
        'sec/s',
        rate,
        rawRate,
      ),
    ];
  } finally {
    await t.close();
    fake.stop();
  }
}
