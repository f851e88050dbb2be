import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/** A raw SSE answer: status, headers and each message block as sent (pings dropped). */
interface RawSse {
  status: number;
  headers: Record<string, string>;
  blocks: string[];
  close(): void;
  waitFor(count: number): Promise<string[]>;
}

/**
 * An SSE subscription read byte for byte. `viaYoga` adds a query string to the URL, which the
 * lean path leaves to yoga (yoga serves /graphql?… as /graphql): the same request, both paths.
 */
async function openRaw(url: string, token: string, body: unknown, viaYoga: boolean): Promise<RawSse> {
  const controller = new AbortController();
  const response = await fetch(`${url}/graphql${viaYoga ? '?via=yoga' : ''}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  const blocks: string[] = [];
  let buffer = '';
  void (async () => {
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += Buffer.from(chunk).toString('utf8');
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block !== ':') blocks.push(block);
        }
      }
    } catch {
      // closed
    }
  })();
  const headers = Object.fromEntries(
    ['content-type', 'cache-control', 'content-encoding', 'connection'].map((h) => [
      h,
      response.headers.get(h) ?? '',
    ]),
  );
  return {
    status: response.status,
    headers,
    blocks,
    close: () => controller.abort(),
    async waitFor(count) {
      const deadline = Date.now() + 10_000;
      while (blocks.length < count) {
        if (Date.now() > deadline)
          throw new Error(`expected ${count} messages, got ${JSON.stringify(blocks)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return blocks.slice(0, count);
    },
  };
}

async function createSecret(t: TestGateway, name: string): Promise<void> {
  await t.ok('mutation($n: String!) { createSecret(name: $n, values: {k: "v"}) { id } }', { n: name });
}

const SUBSCRIPTIONS = [
  { query: 'subscription { auditEvents(filter: {actions: ["secret.create"]}) { id action target } }' },
  {
    query:
      'subscription S($f: AuditFilter, $a: ID) { feed: auditEvents(filter: $f, after: $a) { __typename id at actor hash prevHash outcome valueFingerprints } }',
    variables: { f: { actor: 'admin', actions: ['secret.create', 'secret.read'] } },
  },
  { query: 'subscription { auditEvents(filter: {secretName: "fan-2"}) { id target action } }' },
];

describe('auditEvents over the lean SSE path', () => {
  let t: TestGateway;
  let url: string;
  let server: Awaited<ReturnType<TestGateway['listen']>>;
  let auditor: string;
  beforeAll(async () => {
    t = await startTestGateway();
    server = await t.listen();
    ({ url } = server);
    auditor = await t.tokenFor('fan-auditor', 'AUDITOR');
  });
  afterAll(() => t?.close());

  it('answers byte for byte what yoga answers, replay and live, for many subscribers at once', async () => {
    await createSecret(t, 'fan-0');
    const { auditEvents } = await t.ok('{ auditEvents(first: 1, newestFirst: true) { nodes { id } } }');
    const cursor = String(Number(auditEvents.nodes[0].id) - 1);
    const bodies = SUBSCRIPTIONS.map((s, i) =>
      i === 1 ? { ...s, variables: { ...s.variables, a: cursor } } : s,
    );
    // Several subscribers per subscription on each path, opened while events are being written.
    const writes = (async () => {
      for (let i = 1; i <= 4; i += 1) await createSecret(t, `fan-${i}`);
    })();
    const streams = await Promise.all(
      bodies.flatMap((body) =>
        [false, true, false, true].map((viaYoga) => openRaw(url, auditor, body, viaYoga)),
      ),
    );
    await writes;
    expect(server.auditSseStreams()).toBe(6); // half of them on the lean path, half through yoga
    await new Promise((r) => setTimeout(r, 300));
    // Then an event for each subscription, once every stream is surely open.
    await createSecret(t, 'fan-5');
    await t.ok('{ secret(name: "fan-2") { values } }');
    try {
      for (let b = 0; b < bodies.length; b += 1) {
        const [lean, yoga, lean2, yoga2] = streams.slice(b * 4, b * 4 + 4);
        const last = (s: RawSse) => s.blocks.at(-1) ?? '';
        await Promise.all([lean, yoga, lean2, yoga2].map((s) => s.waitFor(1)));
        // Each ends with the last event written, and the two paths agree on everything from there.
        await new Promise((r) => setTimeout(r, 500));
        expect(last(lean)).toBe(last(yoga));
        expect(lean.headers).toEqual(yoga.headers);
        expect(lean.status).toBe(200);
        const ids = (s: RawSse) => s.blocks.map((block) => /"id":"(\d+)"/.exec(block)?.[1]);
        for (const s of [lean, yoga, lean2, yoga2]) expect(new Set(ids(s)).size).toBe(s.blocks.length); // no duplicate
      }
      // The replayed subscription saw every event after its cursor, once, in order.
      const replayed = streams.slice(4, 8);
      const expected = replayed[1].blocks;
      expect(expected.length).toBeGreaterThanOrEqual(5);
      expect(replayed[0].blocks).toEqual(expected);
      expect(replayed[2].blocks).toEqual(expected);
    } finally {
      for (const s of streams) s.close();
    }
  });

  it('refuses a READER, a bad cursor and a bad token exactly as yoga does, recording one DENIED event each', async () => {
    const reader = await t.tokenFor('fan-reader', 'READER');
    const body = { query: 'subscription { auditEvents { id } }' };
    const pairs: Array<[string, unknown]> = [
      [reader, body],
      [auditor, { query: 'subscription { auditEvents(after: "x1") { id } }' }],
      ['sgw_not-a-token', body],
    ];
    const count = async () =>
      (
        await t.ok(
          '{ auditEvents(filter: {actor: "fan-reader", actions: ["audit.subscribe"]}) { nodes { id } } }',
        )
      ).auditEvents.nodes.length;
    for (const [token, request] of pairs) {
      const before = await count();
      const lean = await openRaw(url, token, request, false);
      const yoga = await openRaw(url, token, request, true);
      await new Promise((r) => setTimeout(r, 300));
      expect(lean.status).toBe(yoga.status);
      expect(lean.blocks).toEqual(yoga.blocks);
      if (token === reader) expect((await count()) - before).toBe(2); // one per attempt, on either path
      lean.close();
      yoga.close();
    }
  });
});
