import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '../../src/crypto/keyring.js';
import { PrivateRedis } from '../helpers/private-redis.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const hasServices = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);
const READ = 'query { secret(name: "cached") { values } }';
const TOKEN_LOOKUP = /from "tokens" inner join "principals"/;

interface Replicas {
  a: TestGateway;
  b: TestGateway;
  /** Token lookups B ran against the database. */
  lookupsOnB: () => number;
}

/** Two gateways on one Postgres, one Redis (or none) and one channel prefix: replicas A and B. */
async function startReplicas(database: TestDatabase, redisUrl: string | undefined): Promise<Replicas> {
  const env = {
    SGW_ENCRYPTION_KEYS: Keyring.generateDescription('k1'),
    SGW_REDIS_PREFIX: `sc${randomBytes(4).toString('hex')}:`,
    SGW_VALUE_READS_PER_SECOND: '0',
    REDIS_URL: redisUrl ?? '',
  };
  let lookups = 0;
  const a = await startTestGateway({ database, env });
  const b = await startTestGateway({
    database,
    env,
    onQuery: (sql) => {
      if (TOKEN_LOOKUP.test(sql)) lookups += 1;
    },
  });
  return { a, b, lookupsOnB: () => lookups };
}

/** Issues a token on A; returns it with its id. */
async function issue(a: TestGateway, principal: string, role: string) {
  const data = await a.ok<{ createToken: { id: string; token: string } }>(
    'mutation($p: String!, $r: Role!) { createToken(principal: $p, role: $r) { id token } }',
    { p: principal, r: role },
  );
  return data.createToken;
}

/** Milliseconds until `b` answers READ with `code` for `token` (polling), or throws after 2 s. */
async function msUntilRefused(b: TestGateway, token: string, code: string): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < 2000) {
    const result = await b.gql(READ, {}, token);
    if (result.errors?.[0]?.extensions?.code === code) return performance.now() - start;
  }
  throw new Error(`B still served the token 2 s after the change (wanted ${code})`);
}

/** Reads on B until a read is served from the session cache (no token lookup), so B holds the session. */
async function warmOnB(replicas: Replicas, token: string): Promise<void> {
  for (let i = 0; i < 20; i += 1) {
    const before = replicas.lookupsOnB();
    const result = await replicas.b.gql(READ, {}, token);
    expect(result.errors).toBeUndefined();
    if (replicas.lookupsOnB() === before) return;
  }
  throw new Error('B never served the token from its session cache');
}

describe.runIf(hasServices)('token sessions cached across two replicas (Redis up)', () => {
  let database: TestDatabase;
  let replicas: Replicas;
  beforeAll(async () => {
    database = await createTestDatabase();
    replicas = await startReplicas(database, process.env.REDIS_URL);
    await replicas.a.ok('mutation { createSecret(name: "cached", values: {password: "p"}) { id } }');
  }, 60_000);
  afterAll(async () => {
    await replicas?.b.close();
    await replicas?.a.close();
    await database?.drop();
  });

  it('a token revoked on A is refused by B within 100 ms, though B had its session cached', async () => {
    const { id, token } = await issue(replicas.a, 'revoked-one', 'WRITER');
    await warmOnB(replicas, token);
    await replicas.a.ok('mutation($id: ID!) { revokeToken(id: $id) }', { id });
    expect(await msUntilRefused(replicas.b, token, 'UNAUTHENTICATED')).toBeLessThan(100);
    // And it stays refused: the lookup that found it live is not cached again.
    await new Promise((r) => setTimeout(r, 50));
    expect((await replicas.b.gql(READ, {}, token)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('a role taken away on A holds on B within 100 ms (FORBIDDEN), and a role given back holds as fast', async () => {
    const { token } = await issue(replicas.a, 'demoted-one', 'WRITER');
    await warmOnB(replicas, token);
    await replicas.a.ok('mutation { setPrincipalRole(principal: "demoted-one", role: AUDITOR) { role } }');
    expect(await msUntilRefused(replicas.b, token, 'FORBIDDEN')).toBeLessThan(100);
    await replicas.a.ok('mutation { setPrincipalRole(principal: "demoted-one", role: WRITER) { role } }');
    const start = performance.now();
    while ((await replicas.b.gql(READ, {}, token)).errors) {
      expect(performance.now() - start).toBeLessThan(100);
    }
  });

  it('a token unknown or revoked is never cached: every use asks the database', async () => {
    const before = replicas.lookupsOnB();
    for (let i = 0; i < 3; i += 1)
      expect((await replicas.b.gql(READ, {}, `sgw_${'x'.repeat(43)}`)).errors?.[0]?.extensions?.code).toBe(
        'UNAUTHENTICATED',
      );
    expect(replicas.lookupsOnB() - before).toBe(3);
  });
});

describe.runIf(process.env.DATABASE_URL)('token sessions when the bus cannot carry changes', () => {
  let database: TestDatabase;
  let redis: PrivateRedis | undefined;
  let replicas: Replicas | undefined;
  afterEach(async () => {
    await replicas?.b.close();
    await replicas?.a.close();
    await redis?.stop();
    await database?.drop();
    replicas = undefined;
    redis = undefined;
  });

  it('Redis down: B drops its cached sessions and asks the database on every request, so a revocation on A holds at once', async () => {
    database = await createTestDatabase();
    redis = await PrivateRedis.create();
    replicas = await startReplicas(database, redis.url);
    await replicas.a.ok('mutation { createSecret(name: "cached", values: {password: "p"}) { id } }');
    const { id, token } = await issue(replicas.a, 'while-down', 'WRITER');
    await warmOnB(replicas, token);
    await redis.stop();
    await new Promise((r) => setTimeout(r, 100)); // the subscriber's connection closes
    const before = replicas.lookupsOnB();
    for (let i = 0; i < 3; i += 1) expect((await replicas.b.gql(READ, {}, token)).errors).toBeUndefined();
    expect(replicas.lookupsOnB() - before).toBe(3);
    await replicas.a.ok('mutation($id: ID!) { revokeToken(id: $id) }', { id });
    expect((await replicas.b.gql(READ, {}, token)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  }, 60_000);

  it('Postgres without Redis: nothing is cached (another replica could never announce its changes)', async () => {
    database = await createTestDatabase();
    replicas = await startReplicas(database, undefined);
    await replicas.a.ok('mutation { createSecret(name: "cached", values: {password: "p"}) { id } }');
    const { id, token } = await issue(replicas.a, 'no-redis', 'WRITER');
    const before = replicas.lookupsOnB();
    for (let i = 0; i < 3; i += 1) expect((await replicas.b.gql(READ, {}, token)).errors).toBeUndefined();
    expect(replicas.lookupsOnB() - before).toBe(3);
    await replicas.a.ok('mutation($id: ID!) { revokeToken(id: $id) }', { id });
    expect((await replicas.b.gql(READ, {}, token)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  }, 60_000);
});
