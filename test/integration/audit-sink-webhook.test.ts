import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/test-database.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import {
  dedupedIds,
  signatureHolds,
  startWebhookReceiver,
  type WebhookReceiver,
  waitFor,
} from '../helpers/webhook-receiver.js';

const SECRET = 'webhook-secret-canary-6f1d2c9a';
const CANARY = 'canary-value-7b3e19f0a2';
/** This machine's host name, when it resolves to loopback (most containers and VMs). */
const loopbackName = await lookup(hostname()).then(
  (resolved) => (resolved.address.startsWith('127.') ? hostname() : undefined),
  () => undefined,
);
const SINKS = '{ auditSinks { name lastDeliveredId lag lastError } }';

interface Sink {
  name: string;
  lastDeliveredId: string | null;
  lag: number;
  lastError: string | null;
}

describe('webhook audit sink', () => {
  let receiver: WebhookReceiver;
  let t: TestGateway;
  let auditor: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await startTestGateway({
      env: {
        SGW_AUDIT_WEBHOOK_URL: receiver.url,
        SGW_AUDIT_WEBHOOK_SECRET: SECRET,
        SGW_AUDIT_WEBHOOK_RETRY_MAX_MS: '300',
      },
      logLines,
    });
    auditor = await t.tokenFor('sink-auditor', 'AUDITOR');
  });

  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const sink = async () => (await t.ok<{ auditSinks: Sink[] }>(SINKS, {}, auditor)).auditSinks[0];
  const head = async () =>
    Number(
      (
        await t.ok<{ auditEvents: { nodes: Array<{ id: string }> } }>(
          '{ auditEvents(first: 1, newestFirst: true) { nodes { id } } }',
        )
      ).auditEvents.nodes[0].id,
    );
  let written = 0;
  /** A few audit events: a secret written with canary values, then read back. */
  async function someEvents(): Promise<void> {
    written += 1;
    const name = `sink-${written}`;
    await t.ok('mutation($n: String!, $v: JSON!) { createSecret(name: $n, values: $v) { id } }', {
      n: name,
      v: { password: `${CANARY}-${written}` },
    });
    await t.ok('query($n: String!) { secret(name: $n) { values } }', { n: name });
  }
  /** A value read, timed; it must not wait for the sink. */
  async function timedRead(): Promise<number> {
    const started = performance.now();
    const data = await t.ok<{ secret: { values: Record<string, string> } }>(
      '{ secret(name: "sink-1") { values } }',
    );
    expect(data.secret.values.password).toBe(`${CANARY}-1`);
    return performance.now() - started;
  }

  it('delivers every event in order with valid signatures through a receiver that fails, disappears and hangs', async () => {
    await someEvents();
    await waitFor('first delivery', () => receiver.accepted().length > 0);

    receiver.setMode('fail');
    await someEvents();
    await waitFor('retries refused', () => receiver.requests.filter((r) => r.status === 503).length >= 3);
    await waitFor(
      'the error shown',
      async () => (await sink()).lastError === 'the webhook answered HTTP 503',
    );
    expect((await sink()).lag).toBeGreaterThan(0);

    await receiver.down();
    await someEvents();
    await waitFor('connection refused', async () => /ECONNREFUSED/.test((await sink()).lastError ?? ''));
    // Gone for a while (several retries), with reads and writes going on.
    const goneUntil = Date.now() + 1500;
    while (Date.now() < goneUntil) {
      await someEvents();
      expect(await timedRead()).toBeLessThan(2000);
    }
    expect((await sink()).lag).toBeGreaterThan(0);

    // Back, but answering nothing: a delivery is stuck on it while reads and writes go on.
    receiver.setMode('hold');
    await receiver.up();
    await waitFor('a held batch', () => receiver.heldCount() > 0);
    await someEvents();
    expect(await timedRead()).toBeLessThan(2000);
    expect(receiver.heldCount()).toBeGreaterThan(0); // the sink was still waiting when the read returned

    receiver.setMode('ok');
    receiver.release();
    await someEvents();
    const last = await head();
    await waitFor('the sink caught up', async () => (await sink()).lag === 0, 30_000);
    expect(await sink()).toEqual({ name: 'webhook', lastDeliveredId: String(last), lag: 0, lastError: null });

    for (const request of receiver.requests)
      expect(signatureHolds(SECRET, request.body, request.signature)).toBe(true);
    const { ids } = dedupedIds(receiver.accepted());
    expect(ids).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    const bodies = receiver.requests.map((r) => r.body).join('\n');
    expect(bodies).not.toContain(CANARY);
    expect(bodies).not.toContain(SECRET);

    // Every delivered event is the stored one, field for field (the sgw:audit message shape).
    const stored = await t.ok<{ auditEvents: { nodes: Array<Record<string, unknown>> } }>(
      '{ auditEvents(first: 1000) { nodes { id at actor action outcome target valueFingerprints prevHash hash } } }',
    );
    const delivered = new Map<string, unknown>();
    for (const r of receiver.accepted())
      for (const event of (JSON.parse(r.body) as { events: Array<{ id: string }> }).events)
        delivered.set(event.id, event);
    for (const event of stored.auditEvents.nodes) expect(delivered.get(event.id as string)).toEqual(event);

    const metrics = await t.gateway.metrics.scrape();
    expect(metrics).toMatch(/sgw_audit_sink_lag_events\{sink="webhook"\} 0/);
    expect(metrics).toMatch(/sgw_audit_sink_delivered_events_total\{sink="webhook"\} [1-9]/);
    expect(metrics).not.toContain(SECRET);
    const logs = logLines.join('');
    expect(logs).toContain('audit sink delivery failed');
    expect(logs).not.toContain(SECRET);
    expect(logs).not.toContain(CANARY);
  }, 90_000);

  it('shows sinks to AUDITOR and ADMIN only', async () => {
    const reader = await t.tokenFor('sink-reader', 'READER');
    const denied = await t.gql(SINKS, {}, reader);
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await t.ok<{ auditSinks: Sink[] }>(SINKS)).auditSinks.map((s) => s.name)).toEqual(['webhook']);
  });
});

describe('webhook audit sink and SGW_ALLOWED_ENDPOINTS', () => {
  it('refuses to start with a URL the policy refuses, naming the host but not the secret', async () => {
    const database = await createTestDatabase();
    const start = startTestGateway({
      database,
      env: {
        SGW_ALLOWED_ENDPOINTS: '10.9.9.9',
        SGW_AUDIT_WEBHOOK_URL: 'http://127.0.0.1:9/audit',
        SGW_AUDIT_WEBHOOK_SECRET: SECRET,
      },
    });
    const error = (await start.then(
      (started) => started.close(),
      (e: Error) => e,
    )) as Error;
    await database.drop();
    expect(error.message).toMatch(/SGW_AUDIT_WEBHOOK_URL points at 127\.0\.0\.1, a loopback address/);
    expect(error.message).not.toContain(SECRET);
  }, 90_000);

  // Needs a host name (not `localhost`, which the policy judges as written) that resolves to loopback.
  it.skipIf(!loopbackName)(
    'checks the resolved address when it connects: a name that resolves to loopback gets nothing',
    async () => {
      const name = loopbackName as string;
      const receiver = await startWebhookReceiver();
      const t = await startTestGateway({
        env: {
          SGW_ALLOWED_ENDPOINTS: '10.9.9.9',
          SGW_AUDIT_WEBHOOK_URL: `http://${name}:${receiver.port}/audit`,
          SGW_AUDIT_WEBHOOK_SECRET: SECRET,
        },
      });
      try {
        await t.tokenFor('refusal-auditor', 'AUDITOR'); // an event to deliver
        const refused = `${name} resolves to an address SGW_ALLOWED_ENDPOINTS does not allow`;
        await waitFor('the refusal', async () => {
          const data = await t.ok<{ auditSinks: Sink[] }>(SINKS);
          return data.auditSinks[0].lastError === refused;
        });
        expect(receiver.requests).toHaveLength(0);
      } finally {
        await t.close();
        await receiver.close();
      }
    },
    90_000,
  );
});
