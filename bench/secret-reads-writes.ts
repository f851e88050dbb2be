import { Agent, request } from 'node:http';
import { generateApiToken } from '../src/auth/api-token.js';
import { Keyring } from '../src/crypto/keyring.js';
import { gatewayEnv, sharedRedisEnv, startGatewayProcess } from '../test/helpers/gateway-process.js';
import { createTestDatabase } from '../test/helpers/test-database.js';
import { type BenchFigure, figure, quantile } from './bench-report.js';

const CLIENTS = [1, 8, 32];
const DURATION_MS = Number(process.env.BENCH_RW_DURATION_MS ?? 4000);
const SECRETS = 64;
const WARM_UP_MS = 1000;

interface LoadResult {
  perSecond: number;
  p50: number;
  p99: number;
}

type Op = (client: number, i: number) => Promise<void>;

/** Slices each side's measured time is cut into, the two sides taking turns. */
const SLICES = 4;

/** Runs `op` from `clients` concurrent loops for `durationMs`, adding each call's latency to `latencies`. */
async function run(clients: number, op: Op, durationMs: number, latencies: number[]): Promise<void> {
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
}

/**
 * Loads the gateway and the raw baseline from `clients` concurrent loops, DURATION_MS each after
 * a warm-up (so JIT compiles), in SLICES turns taken in ABBA order — a machine whose speed drifts
 * (another tenant, a checkpoint) weighs on both sides alike.
 */
async function loadSideBySide(
  clients: number,
  viaGateway: Op,
  viaRaw: Op,
): Promise<[LoadResult, LoadResult]> {
  const sides = [viaGateway, viaRaw].map((op) => ({ op, latencies: [] as number[], ms: 0 }));
  for (const side of sides) await run(clients, side.op, WARM_UP_MS, []);
  for (let slice = 0; slice < SLICES; slice += 1) {
    const order = slice % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const start = performance.now();
      await run(clients, side.op, DURATION_MS / SLICES, side.latencies);
      side.ms += performance.now() - start;
    }
  }
  const [gateway, raw] = sides.map(({ latencies, ms }) => ({
    perSecond: latencies.length / (ms / 1000),
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
  }));
  return [gateway, raw];
}

/** A JSON client of `url` on keep-alive connections that fails on any error or non-200 answer. */
function jsonClient(url: string, token?: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const target = new URL(url);
  return (path: string, payload: Record<string, unknown>) =>
    new Promise<void>((resolve, reject) => {
      const body = JSON.stringify(payload);
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
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
  const post = jsonClient(gateway.url, token);
  const gql = (query: string, variables: Record<string, unknown>) => post('/graphql', { query, variables });
  const raw = await startGatewayProcess(
    {
      DATABASE_URL: database.url,
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
      SGW_ENCRYPTION_KEYS: keys,
    },
    60_000,
    'bench/raw-secret-main.ts',
  );
  const rawPost = jsonClient(raw.url);
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
    const report = (what: string, clients: number, [viaGateway, viaRaw]: [LoadResult, LoadResult]) => {
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
        await loadSideBySide(
          clients,
          (c, i) => gql(read, { n: pick(c, i) }),
          (c, i) => rawPost('/read', { name: pick(c, i) }),
        ),
      );
    }
    for (const clients of CLIENTS) {
      // Each client writes its own secrets, so writers do not queue on one row.
      const own = (client: number, i: number) => names[(client + clients * i) % SECRETS];
      report(
        'secret writes',
        clients,
        await loadSideBySide(
          clients,
          (c, i) => gql(write, { n: own(c, i), v: { password: `g-${c}-${i}` } }),
          (c, i) => rawPost('/write', { name: own(c, i), value: `r-${c}-${i}` }),
        ),
      );
    }
    // The baseline did the work it claims: one event per request served, on one unbroken chain.
    const check = (await (await fetch(`${raw.url}/verify`)).json()) as {
      served: number;
      events: number;
      intact: boolean;
    };
    if (!check.intact || check.events !== check.served)
      throw new Error(`raw baseline audit: ${JSON.stringify(check)}`);
    return figures;
  } finally {
    await raw.stop();
    await gateway.stop();
    await database.drop();
  }
}
