import { generateApiToken } from '../src/auth/api-token.js';
import { SUBSCRIPTION_LIMITS } from '../src/services/subscriptions/subscription-registry.js';
import {
  type GatewayProcess,
  gatewayEnv,
  postGraphQL,
  sharedRedisEnv,
  startGatewayProcess,
} from '../test/helpers/gateway-process.js';
import { createTestDatabase } from '../test/helpers/test-database.js';
import { type BenchFigure, figure, quantile, rssOf } from './bench-report.js';
import { heapAfterGc, INSPECTABLE, inspectorUrlOf } from './heap-usage.js';
import { listenSse } from './sse-listener.js';
import { openSseSocket } from './sse-socket-listener.js';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
/** Subscribers of the scale check (0 skips it). */
const MANY = Number(process.env.BENCH_MANY_SUBSCRIBERS ?? 10_000);
const EVENTS = 10;
const MANY_EVENTS = 3;
const QUERY = 'subscription { auditEvents(filter: {actions: ["secret.create"]}) { id action target } }';

interface FanoutResult {
  p50: number;
  p99: number;
  allDelivered: number;
  /** From the emit to the first subscriber's copy (median): the cost before any fan-out. */
  firstDelivered: number;
  /** JS heap after GC, per idle subscriber (bytes). */
  heapPerSubscriber: number;
  /** Resident memory after GC, per idle subscriber (bytes). */
  rssPerSubscriber: number;
}

type Open = (i: number, onData: (at: number) => void) => Promise<{ close(): void }>;

/** Heap and RSS of a process after full garbage collections. */
async function memoryOf(process: GatewayProcess): Promise<{ heap: number; rss: number }> {
  const heap = await heapAfterGc(inspectorUrlOf(process.stderr));
  return { heap, rss: await rssOf(process.child.pid!) };
}

/** Opens `count` SSE streams, sends `events` events one at a time, and times delivery to all. */
async function measure(
  process: GatewayProcess,
  count: number,
  events: number,
  open: Open,
  emit: (i: number) => Promise<void>,
): Promise<FanoutResult> {
  const before = await memoryOf(process);
  const arrivals: number[][] = Array.from({ length: events + 1 }, () => []);
  const streams = [];
  let current = 0;
  for (let i = 0; i < count; i += 1) streams.push(await open(i, (at) => arrivals[current].push(at)));
  // Warm-up event: every subscriber is live once it has arrived everywhere.
  await waitUntil(async () => {
    if (arrivals[0].length === 0) await emit(-1);
    return arrivals[0].length >= count;
  });
  const after = await memoryOf(process);
  const latencies: number[] = [];
  const allDelivered: number[] = [];
  const firstDelivered: number[] = [];
  for (let e = 1; e <= events; e += 1) {
    current = e;
    const start = performance.now();
    await emit(e);
    await waitUntil(async () => arrivals[e].length >= count);
    for (const at of arrivals[e]) latencies.push(at - start);
    allDelivered.push(Math.max(...arrivals[e]) - start);
    firstDelivered.push(Math.min(...arrivals[e]) - start);
  }
  for (const stream of streams) stream.close();
  return {
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    allDelivered: quantile(allDelivered, 0.5),
    firstDelivered: quantile(firstDelivered, 0.5),
    heapPerSubscriber: Math.max(0, after.heap - before.heap) / count,
    rssPerSubscriber: Math.max(0, after.rss - before.rss) / count,
  };
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for delivery');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * AUDITOR tokens enough for `count` streams under the per-principal subscription cap
 * (audit consumers of several teams, each with its own principal).
 */
async function auditorTokens(url: string, adminToken: string, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < Math.ceil(count / SUBSCRIPTION_LIMITS.perPrincipal); i += 1) {
    const created = await postGraphQL(
      url,
      adminToken,
      `mutation { createToken(principal: "auditor-${i}", role: AUDITOR) { token } }`,
    );
    tokens.push(created.data.createToken.token);
  }
  return tokens;
}

/** The two sides of one run: a gateway process (Postgres, Redis) and the bare SSE server. */
interface Sides {
  gateway: GatewayProcess;
  raw: GatewayProcess;
  adminToken: string;
  auditors: string[];
}

function openers(sides: Sides, light: boolean): { gateway: Open; raw: Open } {
  const headers = (i: number) => ({
    'content-type': 'application/json',
    accept: 'text/event-stream',
    authorization: `Bearer ${sides.auditors[i % sides.auditors.length]}`,
  });
  const body = JSON.stringify({ query: QUERY });
  if (light)
    return {
      gateway: (i, onData) =>
        openSseSocket(`${sides.gateway.url}/graphql`, headers(i), body, () => onData(performance.now())),
      raw: (_i, onData) => openSseSocket(`${sides.raw.url}/events`, {}, '', () => onData(performance.now())),
    };
  return {
    gateway: (i, onData) =>
      listenSse(`${sides.gateway.url}/graphql`, { method: 'POST', headers: headers(i), body }, (_d, at) =>
        onData(at),
      ),
    raw: (_i, onData) => listenSse(`${sides.raw.url}/events`, {}, (_d, at) => onData(at)),
  };
}

function emitters(sides: Sides) {
  return {
    gateway: async (i: number) => {
      await postGraphQL(
        sides.gateway.url,
        sides.adminToken,
        `mutation { createSecret(name: "fanout-${i + 1}-${Date.now()}", values: {k: "v"}) { id } }`,
      );
    },
    raw: async (i: number) => {
      await fetch(`${sides.raw.url}/emit`, {
        method: 'POST',
        body: JSON.stringify({ id: i, action: 'secret.create' }),
      });
    },
  };
}

/** Both sides measured the same way (`count` subscribers, `events` events). */
async function compare(sides: Sides, count: number, events: number, light: boolean) {
  const open = openers(sides, light);
  const emit = emitters(sides);
  const viaGateway = await measure(sides.gateway, count, events, open.gateway, emit.gateway);
  const viaRaw = await measure(sides.raw, count, events, open.raw, emit.raw);
  return { viaGateway, viaRaw };
}

function fanoutFigures(count: number, g: FanoutResult, r: FanoutResult): BenchFigure[] {
  const at = `audit fan-out to ${count.toLocaleString('en')} SSE subscribers`;
  return [
    figure(`${at}: latency p50`, 'ms', g.p50, r.p50),
    figure(`${at}: latency p99`, 'ms', g.p99, r.p99),
    figure(`${at}: until all delivered (median)`, 'ms', g.allDelivered, r.allDelivered),
    figure(`${at}: until the first is delivered (median)`, 'ms', g.firstDelivered, r.firstDelivered),
    figure(
      `${at}: memory per idle subscriber (JS heap after GC)`,
      'KiB',
      g.heapPerSubscriber / 1024,
      r.heapPerSubscriber / 1024,
    ),
    figure(
      `${at}: memory per idle subscriber (RSS)`,
      'KiB',
      g.rssPerSubscriber / 1024,
      r.rssPerSubscriber / 1024,
    ),
  ];
}

/**
 * Audit fan-out: one event to SUBSCRIBERS SSE subscribers of one gateway process, vs a bare SSE
 * server, then MANY subscribers (bare TCP clients) each receiving every one of MANY_EVENTS.
 */
export async function benchAuditFanout(): Promise<BenchFigure[]> {
  const database = await createTestDatabase();
  const adminToken = generateApiToken();
  if (!database.url) throw new Error('this benchmark needs DATABASE_URL (Postgres)');
  const gateway = await startGatewayProcess(
    gatewayEnv(database.url, adminToken, {
      ...sharedRedisEnv(`bench${Date.now()}`),
      SGW_LOG_LEVEL: 'warn',
      ...INSPECTABLE,
    }),
  );
  const raw = await startGatewayProcess(INSPECTABLE, 30_000, 'bench/raw-sse-fanout-server.ts');
  try {
    const auditors = await auditorTokens(gateway.url, adminToken, Math.max(SUBSCRIBERS, MANY));
    const sides = { gateway, raw, adminToken, auditors };
    const one = await compare(sides, SUBSCRIBERS, EVENTS, false);
    const figures = fanoutFigures(SUBSCRIBERS, one.viaGateway, one.viaRaw);
    if (MANY > 0) {
      // measure() waits until every subscriber has every event (or throws): all of them stayed up.
      const many = await compare(sides, MANY, MANY_EVENTS, true);
      figures.push(
        ...fanoutFigures(MANY, many.viaGateway, many.viaRaw).filter((f) => !f.figure.includes('RSS')),
      );
    }
    return figures;
  } finally {
    await Promise.all([gateway.stop(), raw.stop()]);
    await database.drop();
  }
}
