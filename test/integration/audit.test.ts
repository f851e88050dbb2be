import { createHmac, randomBytes } from 'node:crypto';
import { createClient } from 'graphql-ws';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { subscribeSse } from '../helpers/sse-subscription.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const HMAC_KEY = 'test-audit-hmac-key';
const hmac = (value: string) => createHmac('sha256', HMAC_KEY).update(value).digest('hex');
const EVENTS = `query($filter: AuditFilter, $first: Int, $after: String) {
  auditEvents(filter: $filter, first: $first, after: $after) {
    nodes { id actor action outcome target valueFingerprints prevHash hash } pageInfo { hasNextPage endCursor }
  }
}`;
const SUBSCRIBE = `subscription($filter: AuditFilter, $after: ID) {
  auditEvents(filter: $filter, after: $after) { id action actor outcome target valueFingerprints }
}`;

async function eventsFor(t: TestGateway, secretName: string) {
  const data = await t.ok(EVENTS, { filter: { secretName }, first: 1000 });
  return data.auditEvents.nodes as Array<{
    id: string;
    action: string;
    outcome: string;
    valueFingerprints: any;
    target: any;
  }>;
}

describe('the audit record', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(() => t.close());

  it('records exactly one event per value read and per change, with matching HMAC fingerprints', async () => {
    const steps: Array<[string, string, Record<string, string> | null]> = [
      [
        'mutation { createSecret(name: "aud", values: {user: "u1", password: "p1"}) { id } }',
        'secret.create',
        { password: hmac('p1'), user: hmac('u1') },
      ],
      ['{ secret(name: "aud") { values } }', 'secret.read', { password: hmac('p1'), user: hmac('u1') }],
      [
        'mutation { updateSecret(name: "aud", values: {password: "p2"}) { id } }',
        'secret.update',
        { password: hmac('p2') },
      ],
      ['mutation { renameSecret(name: "aud", newName: "aud") { id } }', '', null],
      ['mutation { deleteSecret(name: "aud") }', 'secret.delete', null],
    ];
    let seen = 0;
    for (const [operation, action, fingerprints] of steps) {
      const result = await t.gql(operation);
      const events = await eventsFor(t, 'aud');
      if (!action) {
        // renaming to the same name is refused (ALREADY_EXISTS): nothing recorded as a change
        expect(result.errors?.[0].extensions?.code).toBe('ALREADY_EXISTS');
        expect(events).toHaveLength(seen);
        continue;
      }
      expect(result.errors).toBeUndefined();
      expect(events).toHaveLength(seen + 1);
      const event = events[events.length - 1];
      expect(event).toMatchObject({ action, outcome: 'SUCCESS', actor: 'admin' });
      expect(event.valueFingerprints).toEqual(fingerprints);
      seen += 1;
    }
  });

  it('records a rename once, with the previous name', async () => {
    await t.ok('mutation { createSecret(name: "before", values: {k: "v"}) { id } }');
    await t.ok('mutation { renameSecret(name: "before", newName: "after") { id } }');
    const events = await eventsFor(t, 'after');
    expect(events.map((e) => e.action)).toEqual(['secret.rename']);
    expect(events[0].target).toMatchObject({ name: 'after', previousName: 'before', kind: 'secret' });
  });

  it("records a READER's attempt to read values as DENIED", async () => {
    await t.ok('mutation { createSecret(name: "guarded", values: {k: "v"}) { id } }');
    const reader = await t.tokenFor('reader-1', 'READER');
    const result = await t.gql('{ secret(name: "guarded") { name values } }', {}, reader);
    expect(result.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const denied = (await eventsFor(t, 'guarded')).filter((e) => e.outcome === 'DENIED');
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ action: 'secret.read', valueFingerprints: null });
  });

  it('lets only ADMIN and AUDITOR read the log', async () => {
    const auditor = await t.tokenFor('auditor-1', 'AUDITOR');
    expect((await t.ok(EVENTS, { first: 1 }, auditor)).auditEvents.nodes).toHaveLength(1);
    const writer = await t.tokenFor('writer-1', 'WRITER');
    expect((await t.gql(EVENTS, { first: 1 }, writer)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await t.gql('{ verifyAuditChain { ok } }', {}, writer)).errors?.[0].extensions?.code).toBe(
      'FORBIDDEN',
    );
  });

  it('pages the log by cursor, oldest first or newest first', async () => {
    const all = (await t.ok(EVENTS, { first: 1000 })).auditEvents.nodes.map((e: any) => Number(e.id));
    expect(all).toEqual([...all].sort((a, b) => a - b));
    expect(all).toEqual(all.map((_: number, i: number) => i + 1)); // gapless
    const page = await t.ok(EVENTS, { first: 2, after: '1' });
    expect(page.auditEvents.nodes.map((e: any) => e.id)).toEqual(['2', '3']);
    const newest = await t.ok('{ auditEvents(first: 2, newestFirst: true) { nodes { id } } }');
    expect(newest.auditEvents.nodes.map((e: any) => Number(e.id))).toEqual([all.at(-1), all.at(-2)]);
  });

  it('fails closed: with audit writes failing, a value read returns an error and no value', async () => {
    await t.ok('mutation { createSecret(name: "closed", values: {k: "fail-closed-canary"}) { id } }');
    const db = t.gateway.database.db;
    await sql`create function sgw_test_refuse() returns trigger language plpgsql as $$ begin raise exception 'audit log is read-only'; end $$`.execute(
      db,
    );
    for (const table of ['audit_events', 'audit_pending'])
      await sql`create trigger sgw_test_readonly before insert on ${sql.table(table)} for each row execute function sgw_test_refuse()`.execute(
        db,
      );
    try {
      const result = await t.gql('{ secret(name: "closed") { values } }');
      expect(result.errors?.length).toBeGreaterThan(0);
      expect(result.data?.secret?.values ?? null).toBeNull();
      expect(JSON.stringify(result)).not.toContain('fail-closed-canary');
      const write = await t.gql('mutation { updateSecret(name: "closed", values: {k: "new"}) { version } }');
      expect(write.errors?.length).toBeGreaterThan(0);
    } finally {
      for (const table of ['audit_events', 'audit_pending'])
        await sql`drop trigger sgw_test_readonly on ${sql.table(table)}`.execute(db);
      await sql`drop function sgw_test_refuse()`.execute(db);
    }
    expect((await t.ok('{ secret(name: "closed") { version values } }')).secret).toEqual({
      version: 1,
      values: { k: 'fail-closed-canary' },
    });
  });
  it('puts the event of every concurrent write on the chain before the write returns', async () => {
    const names = Array.from({ length: 24 }, (_, i) => `concurrent-${i}`);
    await Promise.all(
      names.map(async (name) => {
        await t.ok(`mutation { createSecret(name: "${name}", values: {k: "v"}) { id } }`);
        expect((await eventsFor(t, name)).map((e) => e.action)).toEqual(['secret.create']);
      }),
    );
    const report = await t.ok('{ verifyAuditChain { ok checked } }');
    expect(report.verifyAuditChain.ok).toBe(true);
  });

  it('keeps the events of writes committed while the chain refuses appends, and chains them after', async () => {
    const db = t.gateway.database.db;
    await sql`create function sgw_test_no_chain() returns trigger language plpgsql as $$ begin raise exception 'chain is read-only'; end $$`.execute(
      db,
    );
    await sql`create trigger sgw_test_no_chain before insert on audit_events for each row execute function sgw_test_no_chain()`.execute(
      db,
    );
    const names = Array.from({ length: 12 }, (_, i) => `unchained-${i}`);
    let outcomes: Array<{ name: string; ok: boolean }>;
    try {
      outcomes = await Promise.all(
        names.map(async (name) => {
          const result = await t.gql(`mutation { createSecret(name: "${name}", values: {k: "v"}) { id } }`);
          return { name, ok: !result.errors };
        }),
      );
    } finally {
      await sql`drop trigger sgw_test_no_chain on audit_events`.execute(db);
      await sql`drop function sgw_test_no_chain()`.execute(db);
    }
    // Written while no event could be chained: a write either committed (its event pending) or failed whole.
    expect(outcomes.some((o) => o.ok)).toBe(true);
    const deadline = Date.now() + 10_000;
    for (const { name, ok } of outcomes) {
      for (;;) {
        const actions = (await eventsFor(t, name)).map((e) => e.action);
        if (!ok) {
          expect(actions).toEqual([]);
          expect((await t.ok(`{ secret(name: "${name}") { id } }`)).secret).toBeNull();
          break;
        }
        if (actions.length > 0 || Date.now() > deadline) {
          expect(actions).toEqual(['secret.create']);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    expect((await t.ok('{ verifyAuditChain { ok } }')).verifyAuditChain.ok).toBe(true);
  });
});

describe('tamper evidence', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
    for (let i = 0; i < 6; i += 1)
      await t.ok(`mutation { createSecret(name: "chain-${i}", values: {k: "v${i}"}) { id } }`);
  });
  afterAll(() => t.close());

  it('verifies an intact chain', async () => {
    const report = (await t.ok('{ verifyAuditChain { ok checked firstBrokenId } }')).verifyAuditChain;
    expect(report).toEqual({ ok: true, checked: 6, firstBrokenId: null });
  });

  it('reports the first edited row', async () => {
    const db = t.gateway.database.db;
    await sql`update audit_events set actor = 'mallory' where id = 3`.execute(db);
    expect((await t.ok('{ verifyAuditChain { ok firstBrokenId } }')).verifyAuditChain).toEqual({
      ok: false,
      firstBrokenId: '3',
    });
    await sql`update audit_events set actor = 'admin' where id = 3`.execute(db);
    expect((await t.ok('{ verifyAuditChain { ok } }')).verifyAuditChain.ok).toBe(true);
  });

  it('reports a deleted row, in the middle or at the end', async () => {
    const db = t.gateway.database.db;
    const last = (await t.ok('{ verifyAuditChain { checked } }')).verifyAuditChain.checked;
    await sql`delete from audit_events where id = ${last}`.execute(db);
    expect((await t.ok('{ verifyAuditChain { ok firstBrokenId } }')).verifyAuditChain).toEqual({
      ok: false,
      firstBrokenId: String(last),
    });
    await sql`delete from audit_events where id = 4`.execute(db);
    expect((await t.ok('{ verifyAuditChain { ok firstBrokenId } }')).verifyAuditChain).toEqual({
      ok: false,
      firstBrokenId: '4',
    });
  });
});

describe('the live feed', () => {
  let t: TestGateway;
  let url: string;
  beforeAll(async () => {
    t = await startTestGateway();
    url = (await t.listen()).url;
  });
  afterAll(() => t.close());

  it('replays from a cursor over SSE, then goes live, with no gap and no duplicate', async () => {
    for (let i = 0; i < 5; i += 1)
      await t.ok(`mutation { createSecret(name: "live-${i}", values: {k: "v"}) { id } }`);
    const sub = await subscribeSse(url, t.adminToken, SUBSCRIBE, {
      after: '2',
      filter: { actions: ['secret.create'] },
    });
    try {
      await sub.waitFor(3);
      const writes = Array.from({ length: 5 }, (_, i) =>
        t.ok(`mutation { createSecret(name: "more-${i}", values: {k: "v"}) { id } }`),
      );
      await Promise.all(writes);
      const events = await sub.waitFor(8);
      const ids = events.map((e) => Number(e.data.auditEvents.id));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids[0]).toBe(3);
      const names = events.map((e) => e.data.auditEvents.target.name);
      expect(names.slice(0, 3)).toEqual(['live-2', 'live-3', 'live-4']);
      expect(names.slice(3).sort()).toEqual(['more-0', 'more-1', 'more-2', 'more-3', 'more-4']);
    } finally {
      sub.close();
    }
  });

  it('streams over graphql-ws with the token in connectionParams, and refuses non-auditors', async () => {
    const client = createClient({
      url: url.replace('http', 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${t.adminToken}` },
      retryAttempts: 0,
    });
    try {
      const got: any[] = [];
      const done = new Promise<void>((resolve, reject) => {
        client.subscribe(
          { query: SUBSCRIBE, variables: { filter: { secretName: 'ws-secret' } } },
          {
            next: (value) => {
              got.push(value);
              if (got.length === 2) resolve();
            },
            error: reject,
            complete: () => {},
          },
        );
      });
      await new Promise((r) => setTimeout(r, 300));
      await t.ok('mutation { createSecret(name: "ws-secret", values: {k: "v"}) { id } }');
      await t.ok('{ secret(name: "ws-secret") { values } }');
      await done;
      expect(got.map((g) => g.data.auditEvents.action)).toEqual(['secret.create', 'secret.read']);
    } finally {
      await client.dispose();
    }
    const writer = await t.tokenFor('ws-writer', 'WRITER');
    const sub = await subscribeSse(url, writer, SUBSCRIBE, {});
    try {
      const [first] = await sub.waitFor(1);
      expect(first.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    } finally {
      sub.close();
    }
  });
});

describe('secret values never leak', () => {
  it('a canary appears in no audit row, no Redis message and no log line', async () => {
    const logLines: string[] = [];
    const t = await startTestGateway({ logLines });
    const canary = `canary-${randomBytes(12).toString('hex')}`;
    const messages: string[] = [];
    const redis = process.env.REDIS_URL ? new Redis(process.env.REDIS_URL) : undefined;
    try {
      if (redis) {
        await redis.psubscribe(`${t.config.redisPrefix}sgw:*`);
        redis.on('pmessage', (_p, _c, message) => messages.push(message));
      }
      await t.ok(`mutation($v: JSON!) { createSecret(name: "canary", values: $v) { id } }`, {
        v: { password: canary },
      });
      await t.ok('{ secret(name: "canary") { values } }');
      await t.ok(`mutation($v: JSON!) { updateSecret(name: "canary", values: $v) { id } }`, {
        v: { password: `${canary}-2` },
      });
      const bad = await t.gql(
        `mutation($v: JSON!) { createSecret(name: "canary bad", schema: "basic_auth", values: $v) { id } }`,
        {
          v: { password: canary, [`x${canary}`]: 1 },
        },
      );
      expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(bad.errors?.map((e) => e.message))).not.toContain(canary);
      await t.ok(`mutation { registerComponent(type: EXPERIMENT_TRACKER, name: "tracker", flavor: "mlflow",
        configuration: {tracking_uri: "http://x", tracking_password: "{{canary.password}}"}) { warnings } }`);
      await t.ok('{ component(type: EXPERIMENT_TRACKER, name: "tracker") { resolvedConfiguration } }');
      await t.ok('mutation { deleteSecret(name: "canary") }');
      await new Promise((r) => setTimeout(r, 500));
      const rows = await sql`select * from audit_events`.execute(t.gateway.database.db);
      expect(rows.rows.length).toBeGreaterThanOrEqual(5);
      expect(JSON.stringify(rows.rows)).not.toContain(canary);
      if (redis) {
        expect(messages.length).toBeGreaterThanOrEqual(5);
        expect(messages.join('\n')).not.toContain(canary);
      }
      expect(logLines.join('\n')).not.toContain(canary);
    } finally {
      redis?.disconnect();
      await t.close();
    }
  });
});
