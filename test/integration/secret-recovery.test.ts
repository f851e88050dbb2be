import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CentralStore } from '../../src/backends/central-store.js';
import { Keyring } from '../../src/crypto/keyring.js';
import type { CloudFakes } from '../helpers/cloud-fakes.js';
import { databaseText } from '../helpers/database-text.js';
import { pollUntil } from '../helpers/gateway-process.js';
import { REMOTE_STORE_KINDS } from '../helpers/remote-store-env.js';
import { type StoreGateway, startStoreGateway } from '../helpers/store-gateway.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

// Soft delete: a deleted secret is restorable (its name taken) until purged — by an ADMIN, by the
// purger once SGW_SECRET_RECOVERY_DAYS have passed (one replica at a time), or at once with 0 days.
// A purge leaves no trace of the values in any table or back-end (Azure: Key Vault's own soft
// delete keeps them until its retention ends; see the README).

const STORES = ['sql', ...REMOTE_STORE_KINDS] as const;
const DAY_MS = 86_400_000;

describe.each(STORES)('deleting, restoring and purging on the %s store', (kind) => {
  let t: TestGateway;
  let store: CentralStore;
  let fakes: CloudFakes | undefined;
  let running: StoreGateway;
  let writer: string;
  let reader: string;

  beforeAll(async () => {
    running = await startStoreGateway(kind);
    ({ t, fakes, store } = running);
    writer = await t.tokenFor('writer-r', 'WRITER');
    reader = await t.tokenFor('reader-r', 'READER');
  }, 30_000);
  afterAll(() => running?.close());

  const codeOf = async (query: string, token?: string) =>
    (await t.gql(query, undefined, token)).errors?.[0].extensions?.code;
  const deleted = async (token?: string) =>
    (await t.ok('{ deletedSecrets { id name scope version keys deletedAt purgeAt } }', undefined, token))
      .deletedSecrets;

  it('keeps a deleted secret restorable, its name taken, then restores it with its values and history', async () => {
    await t.ok('mutation { createSecret(name: "r1", values: {k: "v1"}) { id } }', undefined, writer);
    await t.ok('mutation { updateSecret(name: "r1", values: {k: "v2"}) { version } }', undefined, writer);
    await t.ok('mutation { createSecret(name: "other", values: {k: "o"}) { id } }', undefined, writer);
    expect(await t.ok('mutation { deleteSecret(name: "r1") }', undefined, writer)).toEqual({
      deleteSecret: true,
    });
    expect((await t.ok('{ secret(name: "r1") { id } }')).secret).toBeNull();
    const [gone] = await deleted(reader);
    expect(gone).toMatchObject({ name: 'r1', scope: 'WORKSPACE', version: 2, keys: ['k'] });
    expect(Date.parse(gone.purgeAt) - Date.parse(gone.deletedAt)).toBe(7 * DAY_MS);
    expect(await codeOf('mutation { createSecret(name: "r1", values: {k: "x"}) { id } }', writer)).toBe(
      'ALREADY_EXISTS',
    );
    expect(await codeOf('mutation { renameSecret(name: "other", newName: "r1") { id } }', writer)).toBe(
      'ALREADY_EXISTS',
    );
    expect(await codeOf('mutation { updateSecret(name: "r1", values: {k: "x"}) { id } }', writer)).toBe(
      'NOT_FOUND',
    );
    expect(await codeOf('mutation { restoreSecret(name: "r1") { id } }', reader)).toBe('FORBIDDEN');
    const restored = await t.ok(
      'mutation { restoreSecret(name: "r1") { name version values versions { version } } }',
      undefined,
      writer,
    );
    expect(restored.restoreSecret).toEqual({
      name: 'r1',
      version: 2,
      values: { k: 'v2' },
      versions: [{ version: 2 }, { version: 1 }],
    });
    expect((await t.ok('{ secret(name: "r1") { values(version: 1) } }')).secret.values).toEqual({ k: 'v1' });
    expect(await codeOf('mutation { restoreSecret(name: "r1") { id } }', writer)).toBe('NOT_FOUND');
    expect(await deleted()).toEqual([]);
  });

  it('purges a deleted secret (ADMIN only): no trace of its values in any table or back-end, its name free', async () => {
    const canary = `canary-purge-${kind}-91c4`;
    const created = await t.ok(
      `mutation($v: JSON!) { createSecret(name: "r2", values: $v) { id } }`,
      { v: { k: `${canary}-1` } },
      writer,
    );
    const id = created.createSecret.id as string;
    await t.ok(
      `mutation($v: JSON!) { updateSecret(name: "r2", values: $v) { version } }`,
      { v: { k: `${canary}-2` } },
      writer,
    );
    const db = t.gateway.database.db;
    const sealed = await db
      .selectFrom('secret_value_versions')
      .select('values')
      .where('name', '=', id)
      .execute();
    const pins = await db
      .selectFrom('secret_versions')
      .select('store_version')
      .where('secret_id', '=', id)
      .execute();
    expect(await codeOf('mutation { purgeSecret(name: "r2") }')).toBe('NOT_FOUND'); // not deleted
    await t.ok('mutation { deleteSecret(name: "r2") }', undefined, writer);
    expect(await codeOf('mutation { purgeSecret(name: "r2") }', writer)).toBe('FORBIDDEN');
    expect(await t.ok('mutation { purgeSecret(name: "r2") }')).toEqual({ purgeSecret: true });
    expect(await deleted()).toEqual([]);
    const text = await databaseText(db);
    expect(text).not.toContain(canary);
    for (const row of sealed) expect(text).not.toContain(row.values);
    expect(await db.selectFrom('secret_versions').selectAll().where('secret_id', '=', id).execute()).toEqual(
      [],
    );
    expect(await db.selectFrom('secrets').selectAll().where('id', '=', id).execute()).toEqual([]);
    if (kind === 'sql') expect(sealed.length).toBe(1);
    else {
      const entry = store.entryName(id);
      expect(await store.backend.get(entry)).toBeUndefined();
      if (kind !== 'azure')
        for (const { store_version } of pins)
          expect(await store.backend.getVersion?.(entry, store_version as string)).toBeUndefined();
      if (kind === 'aws') expect(fakes?.aws.secrets.get(entry)).toBeUndefined();
    }
    const events = await db
      .selectFrom('audit_events')
      .select(['action', 'actor', sql<string>`target::text`.as('target')])
      .where(sql<string>`target->>'name'`, '=', 'r2')
      .where('outcome', '=', 'SUCCESS')
      .orderBy('id')
      .execute();
    expect(events.map((e) => e.action)).toEqual([
      'secret.create',
      'secret.update',
      'secret.delete',
      'secret.purge',
    ]);
    for (const e of events) expect(e.target).not.toContain(canary);
    await t.ok('mutation { createSecret(name: "r2", values: {k: "again"}) { id } }', undefined, writer);
  });

  it('lists deleted secrets by what each principal may see', async () => {
    await t.ok(
      'mutation { createSecret(name: "mine-r", scope: USER, values: {k: "v"}) { id } }',
      undefined,
      writer,
    );
    await t.ok('mutation { deleteSecret(name: "mine-r", scope: USER) }', undefined, writer);
    expect((await deleted(writer)).map((s: { name: string }) => s.name)).toEqual(['mine-r']);
    expect(await deleted(reader)).toEqual([]);
    expect((await deleted()).map((s: { name: string }) => s.name)).toEqual(['mine-r']);
    const auditor = await t.tokenFor('auditor-r', 'AUDITOR');
    expect(await codeOf('{ deletedSecrets { id } }', auditor)).toBe('FORBIDDEN');
  });
});

describe('SGW_SECRET_RECOVERY_DAYS=0', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ env: { SGW_SECRET_RECOVERY_DAYS: '0' } });
  });
  afterAll(() => t?.close());

  it('deletes at once: nothing restorable, the name free', async () => {
    const { createSecret } = await t.ok('mutation { createSecret(name: "now", values: {k: "v"}) { id } }');
    await t.ok('mutation { updateSecret(name: "now", values: {k: "v2"}) { version } }');
    await t.ok('mutation { deleteSecret(name: "now") }');
    expect((await t.ok('{ deletedSecrets { id } }')).deletedSecrets).toEqual([]);
    const db = t.gateway.database.db;
    expect(
      await db.selectFrom('secret_value_versions').selectAll().where('name', '=', createSecret.id).execute(),
    ).toEqual([]);
    await t.ok('mutation { createSecret(name: "now", values: {k: "again"}) { id } }');
  });
});

describe.runIf(process.env.DATABASE_URL)('expiry by one replica of two', () => {
  let database: TestDatabase;
  let a: TestGateway;
  let b: TestGateway;
  beforeAll(async () => {
    database = await createTestDatabase();
    // 0.00005 days is 4.3 s (the six deletes and the check below fit well inside it); both
    // replicas try to purge every 100 ms.
    const env = {
      SGW_SECRET_RECOVERY_DAYS: '0.00005',
      SGW_SECRET_PURGE_INTERVAL_MS: '100',
      SGW_ENCRYPTION_KEYS: Keyring.generateDescription('k1'),
    };
    a = await startTestGateway({ database, env });
    b = await startTestGateway({ database, env: { ...env, SGW_ADMIN_TOKEN: a.adminToken } });
  }, 30_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  it('purges each expired secret once, by whichever replica holds the lease', async () => {
    const names = ['e1', 'e2', 'e3', 'e4', 'e5', 'e6'];
    for (const [i, name] of names.entries()) {
      const t = i % 2 ? a : b;
      // Both replicas serve requests; b's admin token is a's (one bootstrap admin on the shared database).
      await t.ok(
        `mutation { createSecret(name: "${name}", values: {k: "v"}) { id } }`,
        undefined,
        a.adminToken,
      );
      await t.ok(`mutation { deleteSecret(name: "${name}") }`, undefined, a.adminToken);
    }
    expect((await a.ok('{ deletedSecrets { name } }')).deletedSecrets.length).toBe(names.length);
    await pollUntil(
      'the purge of every expired secret',
      async () =>
        (await b.ok('{ deletedSecrets { name } }', undefined, a.adminToken)).deletedSecrets.length === 0 ||
        undefined,
      20_000,
    );
    const purges = await a.gateway.database.db
      .selectFrom('audit_events')
      .select(['actor', sql<string>`target->>'name'`.as('name')])
      .where('action', '=', 'secret.purge')
      .execute();
    expect(purges.map((p) => p.name).sort()).toEqual(names);
    expect(new Set(purges.map((p) => p.actor))).toEqual(new Set(['system:purger']));
    await a.ok('mutation { createSecret(name: "e1", values: {k: "new"}) { id } }');
  }, 30_000);
});
