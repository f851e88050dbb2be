import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERIFICATIONS_PER_MINUTE } from '../../src/services/audit/audit-service.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const VERIFY = '{ verifyAuditChain { ok checked firstBrokenId } }';
const VERIFY_FULL = '{ verifyAuditChain(full: true) { ok checked firstBrokenId } }';
const aliases = (n: number, args = '') =>
  `{ ${Array.from({ length: n }, (_, i) => `v${i}: verifyAuditChain${args} { ok checked firstBrokenId }`).join(' ')} }`;
/** A page of the chain read by a verification. */
const CHAIN_PAGE = /^select \* from "audit_events" (where "id" > \$1 )?order by "id" asc limit \$\d+$/;
/** A page of the already verified events re-checked by an incremental verification (the sweep). */
const SWEEP_PAGE =
  /^select \* from "audit_events" where "id" > \$1 and "id" < \$2 order by "id" asc limit \$\d+$/;

/** Appends `n` events through the audit writer (group commits of 500), as a busy gateway would. */
async function fillLog(t: TestGateway, n: number): Promise<void> {
  for (let start = 0; start < n; start += 5000) {
    await Promise.all(
      Array.from({ length: Math.min(5000, n - start) }, (_, i) =>
        t.gateway.services.audit.record({
          actor: 'filler',
          action: 'secret.read',
          target: { kind: 'secret', name: `s${start + i}` },
        }),
      ),
    );
  }
}

describe('verifyAuditChain costs one verification (an AUDITOR attacking)', () => {
  const statements: string[] = [];
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ onQuery: (sql) => statements.push(sql) });
    await fillLog(t, 6000);
  });
  afterAll(() => t.close());

  it('answers 100 aliases with one walk of the chain, shared by every alias', async () => {
    const auditor = await t.tokenFor('v-aliases', 'AUDITOR');
    await t.gateway.services.audit.checkpointNow(true);
    statements.length = 0;
    const one = (await t.ok(VERIFY_FULL, undefined, auditor)).verifyAuditChain;
    const pagesOfOne = statements.filter((sql) => CHAIN_PAGE.test(sql)).length;
    expect(one).toMatchObject({ ok: true, firstBrokenId: null });
    expect(one.checked).toBeGreaterThan(6000);
    expect(pagesOfOne).toBeGreaterThan(6);

    statements.length = 0;
    const many = await t.ok(aliases(100, '(full: true)'), undefined, auditor);
    expect(statements.filter((sql) => CHAIN_PAGE.test(sql))).toHaveLength(pagesOfOne);
    expect(new Set(Object.values(many).map((r) => JSON.stringify(r))).size).toBe(1);
    expect(Object.keys(many)).toHaveLength(100);
  });

  it('costs the events since the last verified checkpoint (plus one page of older ones), not the whole log', async () => {
    const auditor = await t.tokenFor('v-incremental', 'AUDITOR');
    await t.ok(VERIFY, undefined, auditor); // remembers the newest checkpoint
    await fillLog(t, 2500);
    await t.gateway.services.audit.checkpointNow(true);
    statements.length = 0;
    const report = (await t.ok(VERIFY, undefined, auditor)).verifyAuditChain;
    expect(report).toMatchObject({ ok: true, firstBrokenId: null });
    expect(report.checked).toBeGreaterThan(8500);
    // 2,500 new events: three pages of 1,000; the re-check of older events: one bounded page.
    expect(statements.filter((sql) => CHAIN_PAGE.test(sql))).toHaveLength(3);
    expect(statements.filter((sql) => SWEEP_PAGE.test(sql))).toHaveLength(1);
    statements.length = 0;
    const many = await t.ok(aliases(100), undefined, auditor);
    expect(Object.values(many).every((r) => r.ok && r.checked === report.checked)).toBe(true);
    // Nothing new since: one page (empty) after the checkpoint, one page of the sweep.
    expect(statements.filter((sql) => CHAIN_PAGE.test(sql))).toHaveLength(1);
  });

  it('refuses a second verification of the same caller while one runs (RATE_LIMITED); others go on', async () => {
    const auditor = await t.tokenFor('v-concurrent', 'AUDITOR');
    const other = await t.tokenFor('v-other', 'AUDITOR');
    const first = t.gql(VERIFY_FULL, undefined, auditor);
    // Once the first one is reading the chain, the second arrives.
    await waitFor(
      () => statements.some((sql) => CHAIN_PAGE.test(sql)),
      () => (statements.length = 0),
    );
    const [second, another] = await Promise.all([
      t.gql(VERIFY_FULL, undefined, auditor),
      t.gql(VERIFY_FULL, undefined, other),
    ]);
    expect(second.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    expect(second.errors?.[0].extensions?.retryAfterMs).toBeGreaterThan(0);
    expect(another.data?.verifyAuditChain.ok).toBe(true);
    expect((await first).data?.verifyAuditChain.ok).toBe(true);
    // Once it is over, the caller may verify again.
    expect((await t.ok(VERIFY, undefined, auditor)).verifyAuditChain.ok).toBe(true);
  });
});

describe('verifications a minute', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(() => t.close());

  it(`allows ${VERIFICATIONS_PER_MINUTE} verifications a minute per caller, then RATE_LIMITED`, async () => {
    const auditor = await t.tokenFor('v-rate', 'AUDITOR');
    for (let i = 0; i < VERIFICATIONS_PER_MINUTE; i += 1) await t.ok(VERIFY, undefined, auditor);
    const refused = await t.gql(VERIFY, undefined, auditor);
    expect(refused.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    const retryAfterMs = refused.errors?.[0].extensions?.retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(refused.errors?.[0].message).not.toMatch(/audit_events|select/i);
  });
});

/** Waits until `done()` holds (polling every few ms), after calling `reset` once. */
async function waitFor(done: () => boolean, reset: () => void): Promise<void> {
  reset();
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('a long verification does not hold other requests (embedded PGlite, one thread)', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ database: { url: undefined, drop: async () => {} } });
    await fillLog(t, 15_000);
  }, 180_000);
  afterAll(() => t.close());

  it('answers /healthz all along, quickly, while 100 aliases of verifyAuditChain run', async () => {
    const server = await t.listen();
    const auditor = await t.tokenFor('v-health', 'AUDITOR');
    let verifying = true;
    const verification = fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${auditor}` },
      body: JSON.stringify({ query: aliases(100) }),
    })
      .then((r) => r.json())
      .finally(() => {
        verifying = false;
      });
    const latencies: number[] = [];
    while (verifying) {
      const started = performance.now();
      const health = await fetch(`${server.url}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok' });
      if (verifying) latencies.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 20));
    }
    const result = (await verification) as { data: Record<string, { ok: boolean; checked: number }> };
    expect(result.data.v99).toMatchObject({ ok: true });
    expect(result.data.v99.checked).toBeGreaterThan(15_000);
    // Held, it would answer once, after the whole walk; served between pages, it answers all along.
    expect(latencies.length).toBeGreaterThanOrEqual(5);
    const sorted = [...latencies].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(500);
    expect(sorted[sorted.length - 1]).toBeLessThan(3000);
  }, 120_000);
});
