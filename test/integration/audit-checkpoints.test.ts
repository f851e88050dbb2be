import { createPublicKey, hkdfSync, randomBytes, verify } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAuditSigningKey } from '../../src/crypto/audit-signing-key.js';
import { Keyring } from '../../src/crypto/keyring.js';
import { createTestDatabase } from '../helpers/test-database.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const CHECKPOINTS = `query($first: Int) { auditCheckpoints(first: $first) { id lastEventId lastHash at signature } }`;
type Checkpoint = { id: string; lastEventId: string; lastHash: string; at: string; signature: string };

/** The head of the chain as stored. */
async function headOf(t: TestGateway): Promise<{ lastId: number; lastHash: string }> {
  const head = await t.gateway.database.db.selectFrom('audit_head').selectAll().executeTakeFirstOrThrow();
  return { lastId: Number(head.last_id), lastHash: head.last_hash };
}

async function checkpointsOf(t: TestGateway, first = 1000): Promise<Checkpoint[]> {
  return (await t.ok<{ auditCheckpoints: Checkpoint[] }>(CHECKPOINTS, { first })).auditCheckpoints;
}

/** An outside check: the key as a JWK, node:crypto's Ed25519, the text of API.md. */
function signedBy(publicKey: string, c: Checkpoint): boolean {
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey, 'base64').toString('base64url') },
    format: 'jwk',
  });
  const text = `sgw-audit-checkpoint/v1\n${c.lastEventId}\n${c.lastHash}`;
  return verify(null, Buffer.from(text, 'utf8'), key, Buffer.from(c.signature, 'base64'));
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('signed checkpoints', () => {
  let t: TestGateway;
  const seed = randomBytes(32);
  beforeAll(async () => {
    t = await startTestGateway({
      env: { SGW_AUDIT_CHECKPOINT_INTERVAL_MS: '400', SGW_AUDIT_SIGNING_KEY: seed.toString('base64') },
    });
  });
  afterAll(() => t.close());

  it('covers an appended event within the interval, signed with the key auditPublicKey gives', async () => {
    const channel = `${t.config.redisPrefix}sgw:audit:checkpoint`;
    const published = t.gateway.bus.subscribe(channel);
    await published.ready;
    const next = published.next();
    await t.ok('mutation { createSecret(name: "cp-1", values: {k: "v"}) { id } }');
    const appended = Date.now();
    const head = await headOf(t);
    const list = await until(
      () => checkpointsOf(t),
      (l) => l[0]?.lastEventId === String(head.lastId),
      3000,
    );
    expect(Date.now() - appended).toBeLessThan(400 + 300);
    expect(list[0]).toMatchObject({ lastEventId: String(head.lastId), lastHash: head.lastHash });
    const { auditPublicKey } = await t.ok<{ auditPublicKey: string }>('{ auditPublicKey }');
    expect(Buffer.from(auditPublicKey, 'base64')).toHaveLength(32);
    expect(signedBy(auditPublicKey, list[0])).toBe(true);
    expect(signedBy(auditPublicKey, { ...list[0], lastEventId: String(head.lastId + 1) })).toBe(false);
    // Published on the bus (Redis with REDIS_URL) as it is made.
    const message = (await next).value as Checkpoint;
    expect(message).toMatchObject({ lastEventId: list[0].lastEventId, signature: list[0].signature });
    await published.return?.();
    // The key is not in the database: no row holds the seed or the signing key file.
    const dump = await sql<{
      t: string;
    }>`select (select coalesce(string_agg(c::text, ''), '') from audit_checkpoints c)
      || (select coalesce(string_agg(v::text, ''), '') from audit_verification v) as t`.execute(
      t.gateway.database.db,
    );
    expect(dump.rows[0].t).not.toContain(seed.toString('base64'));
  });

  it('checkpoints at least every 1,000 events, long before the interval on a busy log', async () => {
    const start = (await headOf(t)).lastId;
    await Promise.all(
      Array.from({ length: 2600 }, (_, i) =>
        t.gateway.services.audit.record({
          actor: 'filler',
          action: 'secret.read',
          target: { kind: 'secret', name: `f${i}` },
        }),
      ),
    );
    const head = await headOf(t);
    const list = await until(
      () => checkpointsOf(t),
      (l) => l[0]?.lastEventId === String(head.lastId),
      5000,
    );
    const ids = list.map((c) => Number(c.lastEventId)).reverse();
    const covering = ids.filter((id) => id >= start);
    expect(covering.at(-1)).toBe(head.lastId);
    for (let i = 1; i < ids.length; i += 1) {
      expect(ids[i]).toBeGreaterThan(ids[i - 1]);
      expect(ids[i] - ids[i - 1]).toBeLessThanOrEqual(1000);
    }
  });

  it('is only for ADMIN and AUDITOR', async () => {
    const reader = await t.tokenFor('cp-reader', 'READER');
    const auditor = await t.tokenFor('cp-auditor', 'AUDITOR');
    expect((await t.gql('{ auditPublicKey }', undefined, reader)).errors?.[0].extensions?.code).toBe(
      'FORBIDDEN',
    );
    expect((await t.gql(CHECKPOINTS, { first: 1 }, reader)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await t.ok(CHECKPOINTS, { first: 1 }, auditor)).auditCheckpoints).toHaveLength(1);
    expect((await t.gql(CHECKPOINTS, { first: 1001 }, auditor)).errors?.[0].extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
  });
});

describe('the signing key', () => {
  it('embedded and unset: generated once into SGW_DATA_DIR (0600) and kept across restarts', async () => {
    const first = await startTestGateway({ database: { url: undefined, drop: async () => {} } });
    const key = (await first.ok<{ auditPublicKey: string }>('{ auditPublicKey }')).auditPublicKey;
    const file = path.join(first.dataDir, 'audit-signing.key');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64')).toHaveLength(32);
    // A restart reads the same file: the loader the gateway starts with, on the same directory.
    const again = await loadAuditSigningKey({
      configured: undefined,
      dataDir: first.dataDir,
      external: false,
      firstEncryptionKey: Buffer.alloc(32),
    });
    expect(again.publicKey).toBe(key);
    await first.close();
  }, 90_000);

  it.skipIf(!process.env.DATABASE_URL)(
    'with DATABASE_URL and unset: derived (HKDF) from the first encryption key, no file',
    async () => {
      const keys = `${Keyring.generateDescription('a')},${Keyring.generateDescription('b')}`;
      const database = await createTestDatabase();
      const one = await startTestGateway({ database, env: { SGW_ENCRYPTION_KEYS: keys } });
      const two = await startTestGateway({ database, env: { SGW_ENCRYPTION_KEYS: keys } });
      const keyOf = async (g: TestGateway) =>
        (await g.ok<{ auditPublicKey: string }>('{ auditPublicKey }')).auditPublicKey;
      expect(await keyOf(one)).toBe(await keyOf(two));
      const ikm = Buffer.from(keys.split(',')[0].split(':')[1], 'base64');
      const seed = Buffer.from(
        hkdfSync('sha256', ikm, Buffer.alloc(0), 'sgw audit checkpoint signing key v1', 32),
      );
      const expected = await loadAuditSigningKey({
        configured: seed.toString('base64'),
        dataDir: one.dataDir,
        external: true,
        firstEncryptionKey: Buffer.alloc(32),
      });
      expect(expected.publicKey).toBe(await keyOf(one));
      await expect(stat(path.join(one.dataDir, 'audit-signing.key'))).rejects.toThrow();
      await Promise.all([one.close(), two.close()]);
      await database.drop();
    },
  );
});

describe.skipIf(!process.env.DATABASE_URL)(
  'a rotation of the first encryption key (derived signing key)',
  () => {
    it('keeps older checkpoints valid and extends them with the new key', async () => {
      const old = Keyring.generateDescription('k1');
      const before = await startTestGateway({ env: { SGW_ENCRYPTION_KEYS: old } });
      await before.ok('mutation { createSecret(name: "rot", values: {k: "v"}) { id } }');
      await before.gateway.services.audit.checkpointNow(true);
      const oldKey = (await before.ok<{ auditPublicKey: string }>('{ auditPublicKey }')).auditPublicKey;
      await before.gateway.close();
      const after = await startTestGateway({
        database: before.database,
        env: { SGW_ENCRYPTION_KEYS: `${Keyring.generateDescription('k2')},${old}` },
      });
      try {
        const keys = await after.ok<{ auditPublicKey: string; auditPublicKeys: string[] }>(
          '{ auditPublicKey auditPublicKeys }',
        );
        expect(keys.auditPublicKey).not.toBe(oldKey);
        expect(keys.auditPublicKeys).toEqual([keys.auditPublicKey, oldKey]);
        await after.ok('mutation { updateSecret(name: "rot", values: {k: "w"}) { id } }');
        expect(await after.gateway.services.audit.checkpointNow(true)).toHaveLength(1);
        const list = await checkpointsOf(after);
        expect(signedBy(keys.auditPublicKey, list[0])).toBe(true);
        expect(signedBy(oldKey, list[1])).toBe(true);
        const report = (await after.ok('{ verifyAuditChain(full: true) { ok problem } }')).verifyAuditChain;
        expect(report).toEqual({ ok: true, problem: null });
      } finally {
        await after.close();
        await before.database.drop();
      }
    });
  },
);

describe.skipIf(!process.env.DATABASE_URL)('two gateways on one database', () => {
  let a: TestGateway;
  let b: TestGateway;
  beforeAll(async () => {
    const env = {
      SGW_AUDIT_CHECKPOINT_INTERVAL_MS: '200',
      SGW_ENCRYPTION_KEYS: Keyring.generateDescription('k1'),
    };
    a = await startTestGateway({ env });
    b = await startTestGateway({ database: a.database, env });
  });
  afterAll(async () => {
    await b.gateway.close();
    await a.close();
  });

  it('make checkpoints one at a time: never two for one event, in order, verified by both', async () => {
    let oneWaited = false;
    for (let round = 0; round < 15; round += 1) {
      await Promise.all(
        [a, b].flatMap((g, n) =>
          Array.from({ length: 150 }, (_, i) =>
            g.gateway.services.audit.record({
              actor: `g${n}`,
              action: 'secret.read',
              target: { kind: 'secret', name: `r${round}-${i}` },
            }),
          ),
        ),
      );
      const [madeA, madeB] = await Promise.all([
        a.gateway.services.audit.checkpointNow(),
        b.gateway.services.audit.checkpointNow(),
      ]);
      const made = [...madeA, ...madeB].map((c) => c.lastEventId);
      expect(new Set(made).size).toBe(made.length);
      if (madeA.length === 0 || madeB.length === 0) oneWaited = true;
    }
    expect(oneWaited).toBe(true);
    const rows = await sql<{
      last_event_id: string;
    }>`select last_event_id from audit_checkpoints order by id`.execute(a.gateway.database.db);
    const ids = rows.rows.map((r) => Number(r.last_event_id));
    for (let i = 1; i < ids.length; i += 1) {
      expect(ids[i]).toBeGreaterThan(ids[i - 1]);
      expect(ids[i] - ids[i - 1]).toBeLessThanOrEqual(1000);
    }
    for (const g of [a, b]) {
      const report = (await g.ok('{ verifyAuditChain { ok problem lastCheckpoint { lastEventId } } }'))
        .verifyAuditChain;
      expect(report).toMatchObject({ ok: true, problem: null });
    }
  });
});
