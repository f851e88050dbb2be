import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusedWithoutWork } from '../helpers/limits.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/** `n` keys `k0` … with `value`. */
const keys = (n: number, value = 'v') =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, value]));

const CREATE = 'mutation($n: String!, $v: JSON!) { createSecret(name: $n, values: $v) { id keys } }';
const UPDATE = 'mutation($n: String!, $v: JSON!) { updateSecret(name: $n, values: $v) { id keys } }';
const REGISTER_MANAGED =
  'mutation($n: String!, $v: JSON!) { registerManagedSecret(name: $n, stack: "lim-stack", values: $v) { name } }';
const UPDATE_MANAGED =
  'mutation($n: String!, $v: JSON!) { updateManagedSecret(name: $n, stack: "lim-stack", values: $v) { name } }';

describe('limits of a secret, of a configuration and of argument lists (a WRITER attacking)', () => {
  const statements: string[] = [];
  let t: TestGateway;
  let writer: string;
  beforeAll(async () => {
    t = await startTestGateway({ onQuery: (sql) => statements.push(sql) });
    writer = await t.tokenFor('lim-writer', 'WRITER');
    await t.ok(`mutation {
      registerComponent(type: SECRETS_MANAGER, name: "lim-sm", flavor: "local", configuration: {}) { component { id } }
      registerStack(name: "lim-stack", components: ["lim-sm"]) { id }
      createSecret(name: "lim-existing", values: {a: "1"}) { id }
      registerManagedSecret(name: "lim-managed", stack: "lim-stack", values: {a: "1"}) { name }
    }`);
  });
  afterAll(() => t.close());

  /** Runs the request as the writer; expects BAD_USER_INPUT, no statement but authentication; returns the issues. */
  const refused = (query: string, variables?: Record<string, unknown>) =>
    refusedWithoutWork(t, statements, query, variables, writer);

  it('refuses 257 keys, a key of 257 characters and values of 64 KiB + 1 byte; takes each limit itself', async () => {
    expect(await refused(CREATE, { n: 'too-many', v: keys(257) })).toEqual([
      { path: 'values', message: 'a secret holds at most 256 keys; got 257' },
    ]);
    expect((await t.ok(CREATE, { n: 'just-enough', v: keys(256) }, writer)).createSecret.keys).toHaveLength(
      256,
    );

    const [long] = await refused(CREATE, { n: 'long-key', v: { [`k${'x'.repeat(256)}`]: 'v' } });
    expect(long.message).toBe('keys are at most 256 characters; this one has 257');
    expect(long.path.length).toBeLessThan(80); // the key is not echoed whole
    await t.ok(CREATE, { n: 'long-key', v: { [`k${'x'.repeat(255)}`]: 'v' } }, writer);

    const big = { a: 'x'.repeat(32 * 1024), b: 'é'.repeat(16 * 1024) }; // 64 KiB in UTF-8
    expect(await refused(CREATE, { n: 'big', v: { ...big, c: '1' } })).toEqual([
      { path: 'values', message: 'the values of a secret are at most 65536 bytes together' },
    ]);
    await t.ok(CREATE, { n: 'big', v: big }, writer);
  });

  it('refuses a 70,000-key secret and a 100,000-character key with one short issue', async () => {
    const issues = await refused(CREATE, { n: 'huge', v: keys(70_000) });
    expect(issues).toEqual([{ path: 'values', message: 'a secret holds at most 256 keys; got 70000' }]);
    const [long] = await refused(CREATE, { n: 'huge', v: { ['k'.repeat(100_000)]: 'v' } });
    expect(long.message).toMatch(/at most 256 characters/);
    expect(JSON.stringify(long).length).toBeLessThan(300);
  });

  it('reports __proto__, constructor and prototype keys instead of dropping them, in variables and literals', async () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const viaVariables = JSON.parse(`{"${key}": "x", "ok": "y"}`);
      expect(await refused(CREATE, { n: 'proto', v: viaVariables })).toEqual([
        { path: `values.${key}`, message: `"${key}" is reserved and may not be a key` },
      ]);
      expect(await refused(`mutation { createSecret(name: "proto", values: {${key}: "x"}) { id } }`)).toEqual(
        [{ path: `values.${key}`, message: `"${key}" is reserved and may not be a key` }],
      );
      expect(await refused(UPDATE, { n: 'lim-existing', v: JSON.parse(`{"${key}": null}`) })).toEqual([
        { path: `values.${key}`, message: `"${key}" is reserved and may not be a key` },
      ]);
    }
    const stored = await t.ok('{ secret(name: "lim-existing") { keys version } }');
    expect(stored.secret).toEqual({ keys: ['a'], version: 1 });
  });

  it('holds the same limits for an update, before reading the secret, and for the merged result', async () => {
    expect(await refused(UPDATE, { n: 'lim-existing', v: keys(257) })).toEqual([
      { path: 'values', message: 'a secret holds at most 256 keys; got 257' },
    ]);
    // 201 keys now (`a` and 200 more), 100 more merged in: each request is small, the result is not.
    await t.ok(UPDATE, { n: 'lim-existing', v: keys(200) }, writer);
    const more = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`m${i}`, 'v']));
    const merged = await t.gql(UPDATE, { n: 'lim-existing', v: more }, writer);
    expect(merged.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(merged.errors?.[0].extensions?.issues).toEqual([
      { path: 'values', message: 'a secret holds at most 256 keys; got 301' },
    ]);
  });

  it('holds the limits for secrets in a secrets manager, before the manager is reached', async () => {
    expect(await refused(REGISTER_MANAGED, { n: 'm-huge', v: keys(257) })).toEqual([
      { path: 'values', message: 'a secret holds at most 256 keys; got 257' },
    ]);
    expect(await refused(REGISTER_MANAGED, { n: 'm-proto', v: JSON.parse('{"__proto__": "x"}') })).toEqual([
      { path: 'values.__proto__', message: '"__proto__" is reserved and may not be a key' },
    ]);
    expect(
      await refused(UPDATE_MANAGED, { n: 'lim-managed', v: { big: 'x'.repeat(64 * 1024 + 1) } }),
    ).toEqual([{ path: 'values', message: 'the values of a secret are at most 65536 bytes together' }]);
  });

  it('refuses a configuration of 70,000 fields or with __proto__ with one issue, before any work', async () => {
    const fields = Object.fromEntries(Array.from({ length: 70_000 }, (_, i) => [`f${i}`, 'x']));
    const register =
      'mutation($c: JSON!) { registerComponent(type: ARTIFACT_STORE, name: "lim-as", flavor: "local", configuration: $c) { component { id } } }';
    expect(await refused(register, { c: fields })).toEqual([
      { path: 'configuration', message: 'a configuration holds at most 256 fields' },
    ]);
    expect(await refused(register, { c: JSON.parse('{"__proto__": {"path": "/etc"}}') })).toEqual([
      { path: 'configuration.__proto__', message: '"__proto__" is reserved and may not be a field' },
    ]);
    const update =
      'mutation($c: JSON!) { updateComponent(type: SECRETS_MANAGER, name: "lim-sm", configuration: $c) { component { id } } }';
    expect(await refused(update, { c: { path: 'x'.repeat(64 * 1024) } })).toEqual([
      { path: 'configuration', message: 'a configuration is at most 65536 bytes as JSON' },
    ]);
  });

  it('refuses argument lists of more than 1,000 items before any work', async () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`);
    const issue = (path: string, n: number) => [{ path, message: `at most 1000 items; got ${n}` }];
    const registerStack = 'mutation($c: [String!]!) { registerStack(name: "big", components: $c) { id } }';
    expect(await refused(registerStack, { c: names(20_000) })).toEqual(issue('components', 20_000));
    expect(await refused(registerStack, { c: names(1001) })).toEqual(issue('components', 1001));
    const updateStack = 'mutation($c: [String!]!) { updateStack(name: "lim-stack", components: $c) { id } }';
    expect(await refused(updateStack, { c: names(1001) })).toEqual(issue('components', 1001));
    const plan =
      'query($n: [String!]) { migrationPlan(stack: "lim-stack", names: $n, targetScope: WORKSPACE) { name } }';
    expect(await refused(plan, { n: names(1001) })).toEqual(issue('names', 1001));
    const removeKeys =
      'mutation($k: [String!]) { updateSecret(name: "lim-existing", values: {}, removeKeys: $k) { id } }';
    expect(await refused(removeKeys, { k: names(1001) })).toEqual(issue('removeKeys', 1001));
    // A list inside an input object, for an auditor.
    const auditor = await t.tokenFor('lim-auditor', 'AUDITOR');
    const filtered = await t.gql(
      'query($f: AuditFilter) { auditEvents(filter: $f) { nodes { id } } }',
      { f: { actions: names(1001) } },
      auditor,
    );
    expect(filtered.errors?.[0].extensions?.issues).toEqual(issue('filter.actions', 1001));
    // 1,000 is allowed: answered by the service (no such components), not by the limit.
    const atLimit = await t.gql(registerStack, { c: names(1000) }, writer);
    expect(atLimit.errors?.[0].extensions?.issues).toHaveLength(1000);
  });

  it('refuses 1,001 renames of a migration', async () => {
    const renames = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`s${i}`, `t${i}`]));
    const start = 'mutation($r: JSON) { startSecretsMigration(stack: "lim-stack", renames: $r) { id } }';
    const result = await t.gql(start, { r: renames });
    expect(result.errors?.[0].extensions?.issues).toEqual([
      { path: 'renames', message: 'at most 1000 renames' },
    ]);
    const proto = await t.gql(start, { r: JSON.parse('{"__proto__": "x"}') });
    expect(proto.errors?.[0].extensions?.issues).toEqual([
      { path: 'renames', message: '"__proto__" is not a secret name' },
    ]);
  });

  it('bounds page sizes given as variables like literals', async () => {
    const list = 'query($n: Int) { secrets(first: $n) { nodes { name } } }';
    expect(await refused(list, { n: 100_000 })).toEqual([{ path: 'first', message: 'must be at most 1000' }]);
    // Two pages of 1,000 with every field cost more than the limit, as literals and as variables.
    const fields = 'nodes { id name scope schema keys version owner { name } createdAt updatedAt origin }';
    const literal = `{ a: secrets(first: 1000) { ${fields} } b: secrets(first: 1000) { ${fields} } }`;
    const variables = `query($n: Int) { a: secrets(first: $n) { ${fields} } b: secrets(first: $n) { ${fields} } }`;
    expect((await t.gql(literal, undefined, writer)).errors?.[0].message).toMatch(/cost limit/i);
    const [cost] = await refused(variables, { n: 1000 });
    expect(cost.message).toMatch(/cost limit/i);
    // One such page passes, and so do two small ones.
    await t.ok(`query($n: Int) { secrets(first: $n) { ${fields} } }`, { n: 1000 }, writer);
    await t.ok(variables, { n: 10 }, writer);
  });
});
