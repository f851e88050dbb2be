import { Agent, request } from 'node:http';
import { Redis } from 'ioredis';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { generateApiToken } from '../src/auth/api-token.js';
import { Keyring } from '../src/crypto/keyring.js';
import { gatewayEnv, sharedRedisEnv, startGatewayProcess } from '../test/helpers/gateway-process.js';
import { createTestDatabase } from '../test/helpers/test-database.js';
import { type BenchFigure, figure, quantile } from './bench-report.js';

const CLIENTS = [1, 8, 32];
const DURATION_MS = Number(process.env.BENCH_RW_DURATION_MS ?? 4000);
const SECRETS = 64;
const WARM_UP_MS = 1000;
/** The gateway's default SGW_SECRET_VERSIONS_KEPT. */
const VERSIONS_KEPT = 10;

interface LoadResult {
  perSecond: number;
  p50: number;
  p99: number;
}

/** Runs `op` from `clients` concurrent loops for DURATION_MS, after a warm-up (so JIT compiles). */
async function load(clients: number, op: (client: number, i: number) => Promise<void>): Promise<LoadResult> {
  const run = async (durationMs: number, latencies: number[]) => {
    const end = performance.now() + durationMs;
    await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        for (let i = 0; performance.now() < end; i += 1) {
          const start = performance.now();
          await op(client, i);
          latencies.push(performance.now() - start);
        }
      }),
    );
  };
  await run(WARM_UP_MS, []);
  const latencies: number[] = [];
  const start = performance.now();
  await run(DURATION_MS, latencies);
  const seconds = (performance.now() - start) / 1000;
  return {
    perSecond: latencies.length / seconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
  };
}

/** A GraphQL client on keep-alive connections that fails on any error. */
function graphqlClient(url: string, token: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const target = new URL(`${url}/graphql`);
  return (query: string, variables: Record<string, unknown>) =>
    new Promise<void>((resolve, reject) => {
      const body = JSON.stringify({ query, variables });
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: `Bearer ${token}`,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200 || text.includes('"errors"')) reject(new Error(text.slice(0, 300)));
            else resolve();
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}

/**
 * The raw baseline: the same work as the gateway does for a value read or a write, straight
 * on Kysely, the keyring and ioredis — no HTTP, GraphQL, auth, hash chain or outbox.
 */
async function rawBaseline(databaseUrl: string, redisUrl: string | undefined, keys: string) {
  const db = new Kysely<any>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 20 }) }),
  });
  const redis = redisUrl ? new Redis(redisUrl, { enableAutoPipelining: true }) : undefined;
  const keyring = Keyring.parse(keys);
  await sql`create table bench_raw_audit (id bigserial primary key, at timestamptz not null default now(),
    action text not null, target jsonb not null)`.execute(db);
  const audit = async (executor: Kysely<any>, action: string, target: Record<string, unknown>) => {
    await executor
      .insertInto('bench_raw_audit')
      .values({ action, target: JSON.stringify(target) })
      .execute();
    await redis?.publish('bench:raw-audit', JSON.stringify({ action, target }));
  };
  const find = (executor: Kysely<any>, name: string, forUpdate = false) => {
    let q = executor
      .selectFrom('secrets as s')
      .innerJoin('secret_values as v', (join) => join.on(sql<boolean>`v.name = s.id::text`))
      .select(['s.id', 's.name', 's.version', 'v.key_id', 'v.values'])
      .where('s.name', '=', name)
      .where('s.scope', '=', 'WORKSPACE');
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirstOrThrow();
  };
  /**
   * The write and its history in one statement, as a hand-written store would: the previous sealed
   * values kept under the old version, the new ones written, the row's version moved, the version
   * recorded and both windows pruned (every part sees the same snapshot, so the copy is the old values).
   */
  const keepAndUpdate = (
    trx: Kysely<any>,
    row: { id: string; version: number },
    sealed: { keyId: string; ciphertext: string },
    keys: string[],
  ) => {
    const floor = row.version + 1 - VERSIONS_KEPT;
    return sql`with kept as (
        insert into secret_value_versions (name, version, key_id, values)
        select name, ${row.version}::integer, key_id, values from secret_values where name = ${row.id}
        on conflict (name, version) do update set key_id = excluded.key_id, values = excluded.values),
      dropped as (delete from secret_value_versions where name = ${row.id} and version <= ${floor}),
      written as (update secret_values set key_id = ${sealed.keyId}, values = ${sealed.ciphertext},
        updated_at = now() where name = ${row.id}),
      moved as (update secrets set version = version + 1, keys = ${JSON.stringify(keys)}::jsonb,
        updated_at = now() where id = ${row.id} returning id, version, keys),
      recorded as (insert into secret_versions (secret_id, version, actor, keys, changed_keys)
        select id, version, 'bench', keys, '["password"]'::jsonb from moved)
      delete from secret_versions where secret_id = ${row.id} and version <= ${floor}`.execute(trx);
  };
  const open = (row: { id: string; key_id: string; values: string }) =>
    JSON.parse(keyring.open({ keyId: row.key_id, ciphertext: row.values }, row.id)) as Record<string, string>;
  return {
    async read(name: string) {
      const row = await find(db, name);
      const values = open(row);
      await audit(db, 'secret.read', { kind: 'secret', name: row.name });
      return values;
    },
    async write(name: string, value: string) {
      await db.transaction().execute(async (trx) => {
        const row = await find(trx, name, true);
        const values = { ...open(row), password: value };
        const sealed = keyring.seal(JSON.stringify(values), row.id);
        await keepAndUpdate(trx, row, sealed, Object.keys(values).sort());
        await audit(trx as unknown as Kysely<any>, 'secret.update', { kind: 'secret', name: row.name });
      });
    },
    async close() {
      redis?.disconnect();
      await db.destroy();
    },
  };
}

/**
 * Secret value reads and writes through GraphQL at 1, 8 and 32 concurrent clients (gateway in
 * its own process, Postgres + Redis), each against the raw baseline doing the same work.
 */
export async function benchSecretReadsWrites(): Promise<BenchFigure[]> {
  const database = await createTestDatabase();
  if (!database.url) throw new Error('this benchmark needs DATABASE_URL (Postgres)');
  const token = generateApiToken();
  const keys = Keyring.generateDescription('k1');
  const gateway = await startGatewayProcess(
    gatewayEnv(database.url, token, {
      ...sharedRedisEnv(`bench${Date.now()}`),
      SGW_ENCRYPTION_KEYS: keys,
      SGW_LOG_LEVEL: 'warn',
    }),
  );
  const gql = graphqlClient(gateway.url, token);
  const raw = await rawBaseline(database.url, process.env.REDIS_URL, keys);
  const figures: BenchFigure[] = [];
  try {
    const names = Array.from({ length: SECRETS }, (_, i) => `bench-${i}`);
    for (const name of names) {
      await gql(
        'mutation($n: String!) { createSecret(name: $n, values: {username: "u", password: "p"}) { id } }',
        {
          n: name,
        },
      );
    }
    const read = 'query($n: String!) { secret(name: $n) { values } }';
    const write = 'mutation($n: String!, $v: JSON!) { updateSecret(name: $n, values: $v) { version } }';
    const report = (what: string, clients: number, viaGateway: LoadResult, viaRaw: LoadResult) => {
      figures.push(
        figure(`${what}, ${clients} clients: throughput`, 'op/s', viaGateway.perSecond, viaRaw.perSecond),
        figure(`${what}, ${clients} clients: latency p50`, 'ms', viaGateway.p50, viaRaw.p50),
        figure(`${what}, ${clients} clients: latency p99`, 'ms', viaGateway.p99, viaRaw.p99),
      );
    };
    for (const clients of CLIENTS) {
      const pick = (client: number, i: number) => names[(client * 7 + i) % SECRETS];
      report(
        'secret value reads',
        clients,
        await load(clients, (c, i) => gql(read, { n: pick(c, i) })),
        await load(clients, async (c, i) => void (await raw.read(pick(c, i)))),
      );
    }
    for (const clients of CLIENTS) {
      // Each client writes its own secrets, so writers do not queue on one row.
      const own = (client: number, i: number) => names[(client + clients * i) % SECRETS];
      report(
        'secret writes',
        clients,
        await load(clients, (c, i) => gql(write, { n: own(c, i), v: { password: `g-${c}-${i}` } })),
        await load(clients, (c, i) => raw.write(own(c, i), `r-${c}-${i}`)),
      );
    }
    return figures;
  } finally {
    await raw.close();
    await gateway.stop();
    await database.drop();
  }
}
