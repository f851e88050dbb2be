import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const UPDATE = 'mutation($n: String!, $v: JSON!) { updateSecret(name: $n, values: $v) { version } }';
/** The chainer's one-statement append of pending events after the known head. */
const CHAIN_KNOWN = /^with moved as \( update audit_head .* delete from audit_pending where seq in/s;
const oneLine = (sql: string) => sql.replace(/\s+/g, ' ').trim();

/** The statements of one update on the sql store, in order (others of the gateway's background loops interleave). */
const WRITE_STATEMENTS: Array<[string, RegExp]> = [
  [
    'lock with values',
    /^select s\.\*, v\.key_id as sealed_key_id, v\.values as sealed_values from secrets s join secret_values v .* for update of s, v$/,
  ],
  ['row and version', /^with moved as \(update "secrets" .* insert into secret_versions/],
  ['values and kept copy', /kept as \( insert into secret_value_versions .* update secret_values set/],
  ['chained event', /^with moved as \( update audit_head .* insert into audit_events/],
];

describe('what one secret write costs the database (sql store)', () => {
  const statements: string[] = [];
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ onQuery: (sql) => statements.push(oneLine(sql)) });
    for (let i = 0; i < 8; i += 1)
      await t.ok(
        `mutation { createSecret(name: "cost-${i}", values: {username: "u", password: "p"}) { id } }`,
      );
  });
  afterAll(() => t.close());

  it('alone: one transaction of the lock reading the values, row and version, values and kept copy, chained event', async () => {
    await t.ok(UPDATE, { n: 'cost-0', v: { password: 'warm' } });
    statements.length = 0;
    expect((await t.ok(UPDATE, { n: 'cost-0', v: { password: 'alone' } })).updateSecret.version).toBe(3);
    const kinds = statements.flatMap((sql) =>
      WRITE_STATEMENTS.filter(([, re]) => re.test(sql)).map(([k]) => k),
    );
    expect(kinds).toEqual(WRITE_STATEMENTS.map(([kind]) => kind));
    // No statement of the separate lock, values read, keep, update and record of before.
    expect(
      statements.filter((sql) =>
        /^(select \* from "secrets" .* for update$|select \* from "secret_values"|update "secret_values"|with dropped as .* insert into secret_value_versions .* on conflict \(name, version\) do update set key_id = excluded.key_id, values = excluded.values$|with pruned as)/.test(
          sql,
        ),
      ),
    ).toEqual([]);
    // Nothing else touched the chain: the event was appended inside the write's transaction.
    expect(statements.filter((sql) => CHAIN_KNOWN.test(sql) || sql.includes('audit_pending ('))).toEqual([]);
    const history = await t.ok('{ secret(name: "cost-0") { versions(first: 5) { version } } }');
    expect(history.secret.versions.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    const kept = await t.ok('{ secret(name: "cost-0") { values(version: 2) } }');
    expect(kept.secret.values).toEqual({ username: 'u', password: 'warm' });
  });

  it('beside others: events committed pending, then chained in one statement after the known head', async () => {
    statements.length = 0;
    const versions = await Promise.all(
      Array.from({ length: 8 }, (_, i) => t.ok(UPDATE, { n: `cost-${i}`, v: { password: `together-${i}` } })),
    );
    expect(versions).toHaveLength(8);
    const pending = statements.filter((sql) => sql.includes('insert into audit_pending'));
    expect(pending.length).toBeGreaterThan(0);
    // The pending inserts say so in the statement that stores them: that commit does not wait for the disk.
    for (const sql of pending) expect(sql).toMatch(/set_config\('synchronous_commit'/);
    const known = statements.filter((sql) => CHAIN_KNOWN.test(sql)).length;
    expect(known).toBeGreaterThan(0);
    expect(known).toBeLessThanOrEqual(pending.length);
    const events = await t.ok(
      '{ auditEvents(first: 100, filter: { actions: ["secret.update"] }) { nodes { target } } }',
    );
    const updated = events.auditEvents.nodes.map((e: { target: { name: string } }) => e.target.name);
    for (let i = 0; i < 8; i += 1) expect(updated).toContain(`cost-${i}`);
    expect((await t.ok('{ verifyAuditChain { ok } }')).verifyAuditChain.ok).toBe(true);
    const left = await t.gateway.database.db.selectFrom('audit_pending').select('seq').execute();
    expect(left).toEqual([]);
  });
});
