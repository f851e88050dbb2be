import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CentralStore } from '../../src/backends/central-store.js';
import { createCentralStore } from '../../src/backends/create-central-store.js';
import { createSqlBackend } from '../../src/backends/sql/sql-backend.js';
import { Keyring } from '../../src/crypto/keyring.js';
import { secretFromRow } from '../../src/services/secrets/secret.js';
import { createStoredSecrets } from '../../src/services/secrets/stored-secrets.js';
import { type CloudFakes, startCloudFakes } from '../helpers/cloud-fakes.js';
import { pollUntil } from '../helpers/gateway-process.js';
import { registerManagerStack } from '../helpers/manager-stack.js';
import { type StoreGateway, startStoreGateway } from '../helpers/store-gateway.js';
import { createTestDatabase } from '../helpers/test-database.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import { loadIntoGcp, zenmlStoreFixture } from '../helpers/zenml-store-fixtures.js';

// Secret history and recovery at their edges: an overwrite racing an update, pruning through
// migration, lowering the window, purges vs ZenML adoption, an ADMIN's reach, adopted history.

describe('history on the gcp store with SGW_SECRET_VERSIONS_KEPT=1', () => {
  let fakes: CloudFakes;
  let t: TestGateway;
  let store: CentralStore;
  let running: StoreGateway;

  beforeAll(async () => {
    running = await startStoreGateway('gcp', { SGW_SECRET_VERSIONS_KEPT: '1' });
    ({ t, store } = running);
    fakes = running.fakes as CloudFakes;
  }, 30_000);
  afterAll(() => running?.close());

  const pinOf = async (id: string) =>
    (
      await t.gateway.database.db
        .selectFrom('secrets')
        .select('store_version')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).store_version as string;

  it('an update destroys the version that left the window (control)', async () => {
    const { id } = (await t.ok('mutation { createSecret(name: "u1", values: {k: "old-u1"}) { id } }'))
      .createSecret;
    const v1 = await pinOf(id);
    await t.ok('mutation { updateSecret(name: "u1", values: {k: "new-u1"}) { version } }');
    expect(await store.backend.getVersion?.(store.entryName(id), v1)).toBeUndefined();
  });

  it('a migration OVERWRITE destroys the version that left the window too', async () => {
    const { id } = (await t.ok('mutation { createSecret(name: "m0", values: {k: "old-m0"}) { id } }'))
      .createSecret;
    const v1 = await pinOf(id);
    expect(
      (await registerManagerStack(t, 'src', 'vault', fakes.managerConfig('vault', { scope: 'global' })))
        .errors,
    ).toBeUndefined();
    fakes.seedGlobal('vault', 'm0', { k: 'new-m0' });
    const job = (await t.ok('mutation { startSecretsMigration(stack: "src", onConflict: OVERWRITE) { id } }'))
      .startSecretsMigration.id;
    for (let waited = 0; ; waited += 100) {
      const m = (await t.ok(`{ migration(id: "${job}") { status } }`)).migration;
      if (m.status === 'SUCCEEDED') break;
      expect(waited < 20_000 && m.status !== 'FAILED', `migration ${m.status}`).toBe(true);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await t.ok('{ secret(name: "m0") { version versions { version } } }')).secret).toEqual({
      version: 2,
      versions: [{ version: 2 }],
    });
    // Version 1 left the history (KEPT=1): its values must be gone from the back-end as well.
    expect(await store.backend.getVersion?.(store.entryName(id), v1)).toBeUndefined();
  });
});

describe('purge reach and purge vs ZenML adoption (aws store)', () => {
  let t: TestGateway;
  let store: CentralStore;
  let running: StoreGateway;

  beforeAll(async () => {
    running = await startStoreGateway('aws', { SGW_STORE_COLLECT_INTERVAL_MS: '3600000' });
    ({ t, store } = running);
  }, 30_000);
  afterAll(() => running?.close());

  it('an ADMIN can purge the deleted USER secret of another user that deletedSecrets shows it', async () => {
    const bob = await t.tokenFor('bob', 'WRITER');
    await t.ok(
      'mutation { createSecret(name: "leak", scope: USER, values: {k: "leaked-credential"}) { id } }',
      undefined,
      bob,
    );
    await t.ok('mutation { deleteSecret(name: "leak", scope: USER) }', undefined, bob);
    const listed = (await t.ok('{ deletedSecrets { name scope } }')).deletedSecrets;
    expect(listed).toContainEqual({ name: 'leak', scope: 'USER' });
    const purged = await t.gql('mutation { purgeSecret(name: "leak", scope: USER) }');
    expect(purged.errors).toBeUndefined();
    expect(purged.data?.purgeSecret).toBe(true);
  });

  it('a purge cut off before its entry is deleted does not come back through ZenML adoption', async () => {
    const { id } = (await t.ok('mutation { createSecret(name: "p1", values: {k: "purged-canary"}) { id } }'))
      .createSecret;
    const name = store.entryName(id);
    // What a purge leaves when the process dies after its commit, before the entry's deletion.
    await t.gateway.database.db
      .insertInto('store_write_intents')
      .values({ id: '5b0d5e59-6c0e-4d35-9b0a-3f1f4a6f0c01', secret_id: id, entry_name: name, kind: 'delete' })
      .execute();
    await t.gateway.database.db.deleteFrom('secrets').where('id', '=', id).execute();
    // Anyone's lookup miss (here: the purged name itself) runs an adoption.
    await new Promise((r) => setTimeout(r, 2100));
    await t.ok('{ secret(name: "p1") { id } }');
    await new Promise((r) => setTimeout(r, 2100));
    const back = await t.ok('{ secret(name: "p1") { id version } }');
    expect(back.secret).toBeNull();
  });
});

describe('a migration overwrite of a secret written since the batch was prepared (sql store)', () => {
  const keys = Keyring.generateDescription('k1');
  let t: TestGateway;
  let stored: ReturnType<typeof createStoredSecrets>;

  beforeAll(async () => {
    t = await startTestGateway({ env: { SGW_ENCRYPTION_KEYS: keys } });
    const db = t.gateway.database.db;
    const store = await createCentralStore(t.gateway.config, {
      sqlBackend: createSqlBackend(db, Keyring.parse(keys)),
    });
    stored = createStoredSecrets({ db, store, versionsKept: 10 });
  }, 30_000);
  afterAll(async () => {
    await t?.close();
  });

  it('keeps each earlier version with its own values', async () => {
    await t.ok('mutation { createSecret(name: "race", values: {k: "v1"}) { id } }');
    const admin = { id: '', name: 'admin', role: 'ADMIN' as const };
    // What prepareBatch (migration-batch.ts) looked up before the batch's transaction…
    const row = await t.gateway.database.db
      .selectFrom('secrets')
      .selectAll()
      .where('name', '=', 'race')
      .executeTakeFirstOrThrow();
    admin.id = row.owner_id;
    const prepared = secretFromRow(row);
    // …a user's update commits in between…
    await t.ok('mutation { updateSecret(name: "race", values: {k: "v2"}) { version } }');
    // …then the batch commits its OVERWRITE with the secret it prepared (replaceIn, as writeAndVerify calls it).
    await t.gateway.database.db.transaction().execute((trx) =>
      stored.replaceIn(trx, async () => undefined, admin, prepared, {
        schema: 'arbitrary',
        values: { k: 'v3' },
        origin: null,
      }),
    );
    const at = async (v: number) =>
      (await t.gql(`{ secret(name: "race") { values(version: ${v}) } }`)).data?.secret?.values ?? null;
    expect([await at(1), await at(2), await at(3)]).toEqual([{ k: 'v1' }, { k: 'v2' }, { k: 'v3' }]);
  });
});

describe('lowering SGW_SECRET_VERSIONS_KEPT (sql store)', () => {
  it('no longer serves the values of versions outside the new window', async () => {
    const keys = Keyring.generateDescription('k1');
    const dataDir = await mkdtemp(path.join(tmpdir(), 'sgw-review-'));
    const database = await createTestDatabase();
    const first = await startTestGateway({ env: { SGW_ENCRYPTION_KEYS: keys }, database, dataDir });
    await first.ok('mutation { createSecret(name: "low", values: {k: "old-1"}) { id } }');
    for (const v of ['old-2', 'old-3', 'new-4'])
      await first.ok(`mutation { updateSecret(name: "low", values: {k: "${v}"}) { version } }`);
    await first.close();
    const second = await startTestGateway({
      env: { SGW_ENCRYPTION_KEYS: keys, SGW_SECRET_VERSIONS_KEPT: '2', SGW_SECRET_PURGE_INTERVAL_MS: '100' },
      database,
      dataDir,
    });
    try {
      const listed = (await second.ok('{ secret(name: "low") { versions { version } } }')).secret.versions;
      expect(listed).toEqual([{ version: 4 }, { version: 3 }]);
      const old = await second.gql('{ secret(name: "low") { values(version: 1) } }');
      expect(old.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      // The purger's next pass removes them, values included.
      const db = second.gateway.database.db;
      const { id } = await db
        .selectFrom('secrets')
        .select('id')
        .where('name', '=', 'low')
        .executeTakeFirstOrThrow();
      await pollUntil(
        'the versions outside the window to go',
        async () => {
          const rows = await db
            .selectFrom('secret_versions')
            .select('version')
            .where('secret_id', '=', id)
            .execute();
          return rows.length === 2 ? rows : undefined;
        },
        10_000,
      );
      const kept = await db
        .selectFrom('secret_value_versions')
        .select('version')
        .where('name', '=', id)
        .execute();
      expect(kept.map((r) => r.version)).toEqual([3]);
    } finally {
      await second.close();
      await database.drop();
    }
  }, 60_000);
});

describe('history of a secret adopted from a ZenML server sharing the store (gcp)', () => {
  const fixture = zenmlStoreFixture('0.45');
  let fakes: CloudFakes;
  let t: TestGateway;

  beforeAll(async () => {
    fakes = await startCloudFakes();
    loadIntoGcp(fakes.gcp, 'shared-project', fixture);
    t = await startTestGateway({
      env: {
        SGW_SECRETS_STORE: 'gcp',
        SGW_SECRETS_STORE_PROJECT_ID: 'shared-project',
        SGW_SECRETS_STORE_API_ENDPOINT: fakes.gcp.endpoint,
        SGW_SECRETS_STORE_INSECURE: 'true',
        SGW_DEPLOYMENT_ID: fixture.deploymentId,
        SGW_WORKSPACE_ID: fixture.workspaceId,
      },
    });
  }, 30_000);
  afterAll(async () => {
    await t?.close();
    await fakes?.close();
  });

  it('lists the current version and keeps the adopted values as version 1 after an update', async () => {
    const adopted = await t.ok('{ secret(name: "zenml-db") { version versions { version } } }');
    expect.soft(adopted.secret).toEqual({ version: 1, versions: [{ version: 1 }] });
    await t.ok('mutation { updateSecret(name: "zenml-db", values: {password: "rotated"}) { version } }');
    const after = await t.ok('{ secret(name: "zenml-db") { versions { version } } }');
    expect.soft(after.secret.versions).toEqual([{ version: 2 }, { version: 1 }]);
    const v1 = await t.gql('{ secret(name: "zenml-db") { values(version: 1) } }');
    expect.soft(v1.errors).toBeUndefined();
    expect(v1.data?.secret.values.username).toBe('admin');
  });
});
