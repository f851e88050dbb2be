import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { GraphQLField } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema.js';
import {
  type ArgumentHints,
  hostileRequests,
  hostileString,
  STABLE_CODES,
  stateFingerprint,
  watchWrites,
} from '../helpers/hostile-input.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/** Cases per mutation (CI runs the default; raise it locally to dig deeper). */
const RUNS = Number(process.env.SGW_TEST_HOSTILE_RUNS ?? 1000);
const SEED = process.env.SGW_TEST_HOSTILE_SEED ? Number(process.env.SGW_TEST_HOSTILE_SEED) : undefined;

const MUTATIONS = Object.values(schema.getMutationType()?.getFields() ?? {}) as GraphQLField<
  unknown,
  unknown
>[];

/** What one mutation's cases may aim at: a full set of objects under its own prefix. */
interface Fixtures {
  prefix: string;
  canary: string;
  secret: string;
  userSecret: string;
  manager: string;
  store: string;
  stack: string;
  managedSecret: string;
  writer: string;
  tokenId: string;
  migrationId: string;
  names: string[];
}

/** Values that a user would put in a secret: the canary among hostile strings. */
function secretValues(f: Fixtures, strings: fc.Arbitrary<string>) {
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.dictionary(fc.constantFrom('token', 'user', 'password', 'k'), fc.constant(f.canary), {
        maxKeys: 3,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.dictionary(
        fc.oneof(fc.constantFrom('token', 'user', 'k'), strings),
        fc.oneof(strings, fc.constant(f.canary), fc.constant(null)),
        {
          maxKeys: 4,
        },
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<unknown>({ token: { nested: f.canary } }, [f.canary], f.canary, {
        token: [f.canary],
      }),
    },
  );
}

/**
 * Realistic arguments per mutation, aimed at the fixtures. Every mutation of the schema must
 * have an entry: a new mutation fails the suite until its hostile cases are thought through.
 */
const HINTS: Record<string, (f: Fixtures, strings: fc.Arbitrary<string>) => ArgumentHints> = {
  registerComponent: (f, strings) => ({
    name: fc.oneof(fc.constantFrom(...f.names), fresh(f)),
    flavor: fc.constantFrom('local', 'default', 'kubernetes', 'mlflow', 's3', 'nope', ''),
    configuration: fc.oneof(
      fc.constant({}),
      fc.record({
        path: fc.oneof(fc.constant(`{{${f.secret}.token}}`), fc.constant('{{missing.key}}'), strings),
      }),
      fc.record(
        { uri: strings, tracking_uri: strings, tracking_password: fc.constant(f.canary) },
        { requiredKeys: [] },
      ),
    ),
  }),
  updateComponent: (f, strings) => ({
    name: fc.constantFrom(...f.names),
    configuration: fc.oneof(
      fc.record({ path: fc.oneof(fc.constant(null), fc.constant(`{{${f.secret}.token}}`), strings) }),
      fc.record({ scope: fc.constantFrom('global', 'component', 'namespace', 'none', 'x') }),
      fc.dictionary(strings, fc.oneof(strings, fc.constant(null), fc.constant(f.canary)), { maxKeys: 3 }),
    ),
  }),
  deleteComponent: (f) => ({ name: fc.constantFrom(...f.names) }),
  registerStack: (f) => ({
    name: fc.oneof(fc.constantFrom(...f.names), fresh(f)),
    components: fc.subarray([f.manager, f.store, 'missing', f.secret]),
  }),
  updateStack: (f) => ({
    name: fc.constantFrom(...f.names),
    components: fc.subarray([f.manager, f.store, 'missing']),
  }),
  deleteStack: (f) => ({ name: fc.constantFrom(...f.names) }),
  setActiveStack: (f) => ({ name: fc.constantFrom(...f.names) }),
  registerManagedSecret: (f, strings) => ({
    name: fc.oneof(fc.constantFrom(...f.names), fresh(f)),
    schema: fc.constantFrom('arbitrary', 'basic_auth', 'aws', 'nope', ''),
    values: secretValues(f, strings),
    stack: fc.constantFrom(f.stack, 'missing', null),
  }),
  updateManagedSecret: (f, strings) => ({
    name: fc.constantFrom(...f.names),
    values: secretValues(f, strings),
    stack: fc.constantFrom(f.stack, 'missing', null),
  }),
  deleteManagedSecret: (f) => ({
    name: fc.constantFrom(...f.names),
    stack: fc.constantFrom(f.stack, 'missing', null),
  }),
  createSecret: (f, strings) => ({
    name: fc.oneof(fc.constantFrom(...f.names), fresh(f)),
    values: secretValues(f, strings),
    schema: fc.constantFrom('arbitrary', 'basic_auth', 'aws', 'nope', null),
  }),
  updateSecret: (f, strings) => ({
    name: fc.constantFrom(...f.names),
    values: secretValues(f, strings),
    removeKeys: fc.array(fc.oneof(fc.constantFrom('token', 'user', 'k'), strings), { maxLength: 3 }),
    expectedVersion: fc.integer({ min: -1, max: 4 }),
  }),
  renameSecret: (f) => ({
    name: fc.constantFrom(...f.names),
    newName: fc.oneof(fc.constantFrom(...f.names), fresh(f)),
  }),
  deleteSecret: (f) => ({ name: fc.constantFrom(...f.names) }),
  rollbackSecret: (f) => ({
    name: fc.constantFrom(...f.names),
    version: fc.integer({ min: -1, max: 5 }),
    expectedVersion: fc.integer({ min: -1, max: 4 }),
  }),
  restoreSecret: (f) => ({ name: fc.constantFrom(...f.names) }),
  purgeSecret: (f) => ({ name: fc.constantFrom(...f.names) }),
  startSecretsMigration: (f, strings) => ({
    stack: fc.constantFrom(f.stack, 'missing'),
    names: fc.subarray([f.managedSecret, 'missing', f.secret]),
    renames: fc.oneof(
      fc.constant({}),
      fc.record({ [f.managedSecret]: fc.oneof(fresh(f), fc.constant(f.secret), strings) }),
      fc.dictionary(strings, strings, { maxKeys: 3 }),
    ),
  }),
  cancelMigration: (f) => ({ id: fc.constantFrom(f.migrationId, '0', '-1', randomUUID()) }),
  createToken: (f, strings) => ({
    principal: fc.oneof(fc.constantFrom(f.writer, `${f.prefix}-new`), strings),
  }),
  revokeToken: (f) => ({ id: fc.constantFrom(f.tokenId, randomUUID(), '1', '') }),
  // Not the admins the test runs as: demoting them would turn every later request away.
  setPrincipalRole: (f, strings) => ({
    principal: fc.oneof(fc.constantFrom(f.writer, `${f.prefix}-new`), strings),
  }),
  rotateEncryptionKey: () => ({}),
};

/** A valid name that may not exist yet (a create succeeds once, then ALREADY_EXISTS). */
function fresh(f: Fixtures) {
  return fc.nat({ max: 20 }).map((n) => `${f.prefix}-n${n}`);
}

interface Outcome {
  status: number;
  text: string;
  json: {
    data?: Record<string, unknown> | null;
    errors?: Array<{ path?: unknown[]; extensions?: Record<string, unknown> }>;
  };
}

/**
 * 19,000+ requests: CI runs them once, on Postgres (the GraphQL layer under test is the same
 * on PGlite, which the embedded run covers with every other test).
 */
describe.runIf(process.env.DATABASE_URL)('hostile input to every mutation', () => {
  let t: TestGateway;
  let fuzzer: string;
  const logLines: string[] = [];
  const canaries: string[] = [];

  beforeAll(async () => {
    t = await startTestGateway({ logLines, env: { SGW_LOG_LEVEL: 'warn' } });
    fuzzer = await t.tokenFor('fuzz-admin', 'ADMIN');
    await watchWrites(t.gateway);
  });
  afterAll(() => t?.close());

  async function send(body: string): Promise<Outcome> {
    const response = await t.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        authorization: `Bearer ${fuzzer}`,
      },
      body,
    });
    const text = await response.text();
    let json: Outcome['json'];
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`HTTP ${response.status} answered with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    return { status: response.status, text, json };
  }

  async function fixtures(index: number, withMigration: boolean): Promise<Fixtures> {
    const p = `m${index}`;
    const canary = `canary-${randomBytes(8).toString('hex')}`;
    canaries.push(canary);
    const f = {
      prefix: p,
      canary,
      secret: `${p}-s`,
      userSecret: `${p}-u`,
      manager: `${p}-sm`,
      store: `${p}-as`,
      stack: `${p}-stack`,
      managedSecret: `${p}-ms`,
      writer: `${p}-writer`,
    };
    const data = await t.ok(
      `mutation($s: String!, $u: String!, $sm: String!, $as: String!, $stack: String!, $v: JSON!, $ref: JSON!) {
        s: createSecret(name: $s, values: $v) { id }
        u: createSecret(name: $u, scope: USER, values: $v) { id }
        sm: registerComponent(type: SECRETS_MANAGER, name: $sm, flavor: "local", configuration: {}) { component { id } }
        as: registerComponent(type: ARTIFACT_STORE, name: $as, flavor: "local", configuration: $ref) { component { id } }
        stack: registerStack(name: $stack, components: [$sm, $as]) { id }
      }`,
      {
        s: f.secret,
        u: f.userSecret,
        sm: f.manager,
        as: f.store,
        stack: f.stack,
        v: { token: canary, user: 'u' },
        ref: { path: `{{${f.secret}.token}}` },
      },
      fuzzer,
    );
    expect(data.stack.id).toBeTruthy();
    await t.ok(
      'mutation($n: String!, $s: String!, $v: JSON!) { registerManagedSecret(name: $n, stack: $s, values: $v) { name } }',
      { n: f.managedSecret, s: f.stack, v: { token: canary } },
      fuzzer,
    );
    const token = await t.ok(
      'mutation($p: String!) { createToken(principal: $p, role: WRITER) { id } }',
      { p: f.writer },
      fuzzer,
    );
    let migrationId = '0';
    if (withMigration) {
      const migration = await t.ok(
        'mutation($s: String!) { startSecretsMigration(stack: $s, renames: {}) { id } }',
        { s: f.stack },
        fuzzer,
      );
      migrationId = migration.startSecretsMigration.id;
      await settled();
    }
    return {
      ...f,
      tokenId: token.createToken.id,
      migrationId,
      names: [f.secret, f.userSecret, f.manager, f.store, f.stack, f.managedSecret, f.writer, 'missing'],
    };
  }

  /** Waits until no migration job is queued or running (a started one writes in the background). */
  async function settled(): Promise<void> {
    for (let i = 0; i < 500; i += 1) {
      const open = await t.gateway.database.db
        .selectFrom('migration_jobs')
        .select('id')
        .where('status', 'in', ['PENDING', 'RUNNING'])
        .execute();
      if (!open.length) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('a migration job did not finish');
  }

  it('has hostile arguments for every mutation of the schema', () => {
    expect(MUTATIONS.length).toBeGreaterThan(0);
    const missing = MUTATIONS.map((m) => m.name).filter((name) => !HINTS[name]);
    expect(missing, 'add these mutations to HINTS in hostile-input.test.ts').toEqual([]);
  });

  it.each(MUTATIONS.map((m, i) => [m.name, m, i] as const))(
    '%s: no 500, stable codes, no partial write, no value in errors',
    async (name, field, index) => {
      const hints = HINTS[name];
      if (!hints) throw new Error(`no hostile arguments for mutation ${name}`);
      const f = await fixtures(index, name === 'cancelMigration');
      const strings = hostileString(f.names);
      const requests = hostileRequests(field, hints(f, strings), strings, f.canary);
      let before = await stateFingerprint(t.gateway, t.dataDir);
      let executed = 0;
      let succeeded = 0;
      await fc.assert(
        fc.asyncProperty(requests, async (request) => {
          const { status, text, json } = await send(request.body);
          expect(status, text.slice(0, 300)).toBeLessThan(500);
          for (const error of json.errors ?? []) {
            expect(STABLE_CODES, JSON.stringify(error).slice(0, 300)).toContain(error.extensions?.code);
          }
          expect(JSON.stringify(json.errors ?? [])).not.toContain(f.canary);
          const reachedResolver = Boolean(json.errors?.some((e) => e.path));
          // The mutation failed when an error sits on it (path [name]) or on the whole request;
          // errors deeper down (a sub-field of its result) come after it succeeded.
          const failed = !json.data?.[name] && (json.errors ?? []).some((e) => !e.path || e.path.length <= 1);
          if (!failed) {
            succeeded += 1;
            if (name === 'startSecretsMigration') await settled();
            before = await stateFingerprint(t.gateway, t.dataDir);
          } else if (reachedResolver) {
            executed += 1;
            expect(
              await stateFingerprint(t.gateway, t.dataDir),
              `rejected ${request.label} changed state`,
            ).toBe(before);
          }
          // Rejected before any resolver ran (body, syntax, validation, variables): nothing can
          // have written; the check after the run covers these too.
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
      expect(await stateFingerprint(t.gateway, t.dataDir), 'state changed by a rejected request').toBe(
        before,
      );
      const chain = await t.ok('{ verifyAuditChain { ok checked firstBrokenId } }', undefined, fuzzer);
      expect(chain.verifyAuditChain.ok).toBe(true);
      // Enough cases get past the parser and validation to the resolver to mean something.
      expect(executed + succeeded).toBeGreaterThan(RUNS / 10);
    },
    180_000,
  );

  it('never writes a secret value to the log', () => {
    const log = logLines.join('\n');
    for (const canary of canaries) expect(log).not.toContain(canary);
  });
});
