import { generateApiToken } from '../src/auth/api-token.js';
import { SUBSCRIPTION_LIMITS } from '../src/services/subscriptions/subscription-registry.js';
import {
  gatewayEnv,
  postGraphQL,
  sharedRedisEnv,
  startGatewayProcess,
} from '../test/helpers/gateway-process.js';
import { createTestDatabase } from '../test/helpers/test-database.js';
import { type BenchFigure, figure, quantile, rssOf } from './bench-report.js';
import { listenSse } from './sse-listener.js';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const EVENTS = 10;

interface FanoutResult {
  p50: number;
  p99: number;
  allDelivered: number;
  bytesPerSubscriber: number;
}

/** Opens `SUBSCRIBERS` SSE streams, sends EVENTS events one at a time, and times delivery to all. */
async function measure(
  pid: number,
  open: (i: number, onData: (data: string, at: number) => void) => Promise<{ close(): void }>,
  emit: (i: number) => Promise<void>,
): Promise<FanoutResult> {
  const rssBefore = await rssOf(pid);
  const arrivals: number[][] = Array.from({ length: EVENTS + 1 }, () => []);
  const streams = [];
  let current = 0;
  for (let i = 0; i < SUBSCRIBERS; i += 1) {
    streams.push(await open(i, (_data, at) => arrivals[current].push(at)));
  }
  // Warm-up event: every subscriber is live once it has arrived everywhere.
  await waitUntil(async () => {
    if (arrivals[0].length === 0) await emit(-1);
    return arrivals[0].length >= SUBSCRIBERS;
  });
  const rssAfter = await rssOf(pid);
  const latencies: number[] = [];
  const allDelivered: number[] = [];
  for (let e = 1; e <= EVENTS; e += 1) {
    current = e;
    const start = performance.now();
    await emit(e);
    await waitUntil(async () => arrivals[e].length >= SUBSCRIBERS);
    for (const at of arrivals[e]) latencies.push(at - start);
    allDelivered.push(Math.max(...arrivals[e]) - start);
  }
  for (const stream of streams) stream.close();
  return {
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    allDelivered: quantile(allDelivered, 0.5),
    bytesPerSubscriber: Math.max(0, rssAfter - rssBefore) / SUBSCRIBERS,
  };
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for delivery');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * AUDITOR tokens enough for `SUBSCRIBERS` streams under the per-principal subscription cap
 * (audit consumers of several teams, each with its own principal).
 */
async function auditorTokens(url: string, adminToken: string): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < Math.ceil(SUBSCRIBERS / SUBSCRIPTION_LIMITS.perPrincipal); i += 1) {
    const created = await postGraphQL(
      url,
      adminToken,
      `mutation { createToken(principal: "auditor-${i}", role: AUDITOR) { token } }`,
    );
    tokens.push(created.data.createToken.token);
  }
  return tokens;
}

/** Audit fan-out: one event to SUBSCRIBERS SSE subscribers of one gateway process, vs a raw SSE server. */
export async function benchAuditFanout(): Promise<BenchFigure[]> {
  const database = await createTestDatabase();
  const token = generateApiToken();
  if (!database.url) throw new Error('this benchmark needs DATABASE_URL (Postgres)');
  const gateway = await startGatewayProcess(
    gatewayEnv(database.url, token, { ...sharedRedisEnv(`bench${Date.now()}`), SGW_LOG_LEVEL: 'warn' }),
  );
  const raw = await startGatewayProcess({}, 30_000, 'bench/raw-sse-fanout-server.ts');
  try {
    const query = 'subscription { auditEvents(filter: {actions: ["secret.create"]}) { id action target } }';
    const auditors = await auditorTokens(gateway.url, token);
    const viaGateway = await measure(
      gateway.child.pid!,
      (i, onData) =>
        listenSse(
          `${gateway.url}/graphql`,
          {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              accept: 'text/event-stream',
              authorization: `Bearer ${auditors[i % auditors.length]}`,
            },
            body: JSON.stringify({ query }),
          },
          onData,
        ),
      async (i) => {
        await postGraphQL(
          gateway.url,
          token,
          `mutation { createSecret(name: "fanout-${i + 1}-${Date.now()}", values: {k: "v"}) { id } }`,
        );
      },
    );
    const viaRaw = await measure(
      raw.child.pid!,
      (_i, onData) => listenSse(`${raw.url}/events`, {}, onData),
      async (i) => {
        await fetch(`${raw.url}/emit`, {
          method: 'POST',
          body: JSON.stringify({ id: i, action: 'secret.create' }),
        });
      },
    );
    return [
      figure(
        `audit fan-out to ${SUBSCRIBERS} SSE subscribers: latency p50`,
        'ms',
        viaGateway.p50,
        viaRaw.p50,
      ),
      figure(
        `audit fan-out to ${SUBSCRIBERS} SSE subscribers: latency p99`,
        'ms',
        viaGateway.p99,
        viaRaw.p99,
      ),
      figure(
        `audit fan-out to ${SUBSCRIBERS} SSE subscribers: until all delivered (median)`,
        'ms',
        viaGateway.allDelivered,
        viaRaw.allDelivered,
      ),
      figure(
        'audit fan-out: memory per subscriber',
        'KiB',
        viaGateway.bytesPerSubscriber / 1024,
        viaRaw.bytesPerSubscriber / 1024,
      ),
    ];
  } finally {
    await Promise.all([gateway.stop(), raw.stop()]);
    await database.drop();
  }
}
