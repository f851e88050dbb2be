import { createAwsBackend } from '../src/backends/aws/aws-backend.js';
import { listAll } from '../src/backends/backend.js';
import { createSqlBackend } from '../src/backends/sql/sql-backend.js';
import { Keyring } from '../src/crypto/keyring.js';
import { scopingFor } from '../src/scoping/scoping.js';
import { startCloudFakes } from '../test/helpers/cloud-fakes.js';
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

/**
 * Migration throughput: SECRETS secrets from an AWS fake that adds 5 ms to every call, at
 * parallelism 8, vs a raw loop doing the same copy (SDK read + seal + insert) with no job.
 */
export async function benchMigrationThroughput(): Promise<BenchFigure[]> {
  const fakes = await startCloudFakes();
  const t = await startTestGateway({
    env: { SGW_LOG_LEVEL: 'error', SGW_MIGRATION_PARALLELISM: String(PARALLELISM) },
  });
  try {
    for (let i = 0; i < SECRETS; i += 1) {
      fakes.seedGlobal('aws', `bench-${i}`, { username: `u${i}`, password: `p${i}` }, 'basic_auth');
    }
    fakes.aws.delayMs = DELAY_MS;

    // Raw baseline: list, then read + seal + insert each secret, 8 at a time.
    const aws = createAwsBackend({
      region: 'us-east-1',
      endpoint: fakes.aws.url,
      accessKeyId: 'x',
      secretAccessKey: 'y',
      timeoutMs: 30_000,
    });
    const sql = createSqlBackend(t.gateway.database.db, Keyring.parse(Keyring.generateDescription('bench')));
    const scoping = scopingFor('aws');
    const rawStart = performance.now();
    const entries = await listAll(aws, { namePrefix: 'zenml/global/' });
    await pool(entries, PARALLELISM, async (entry) => {
      const got = await aws.get(entry.name);
      const { values } = scoping.fromEntries([got!]);
      await sql.create({ name: `raw-${entry.name}`, values, metadata: {} });
    });
    const rawRate = entries.length / ((performance.now() - rawStart) / 1000);

    await t.ok(
      `mutation($c: JSON!) {
        registerComponent(type: SECRETS_MANAGER, name: "bench-aws", flavor: "aws", configuration: $c) { component { id } }
        registerStack(name: "bench-aws", components: ["bench-aws"]) { id }
      }`,
      { c: fakes.managerConfig('aws', { scope: 'global' }) },
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
    await fakes.close();
  }
}
