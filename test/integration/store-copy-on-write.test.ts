import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CentralStore } from '../../src/backends/central-store.js';
import { createCentralStore } from '../../src/backends/create-central-store.js';
import { createLogger } from '../../src/logger.js';
import {
  createOrphanCollector,
  type OrphanCollector,
} from '../../src/services/secrets/store-orphan-collector.js';
import { unusedSqlBackend } from '../helpers/backend-that.js';
import { type CloudFakes, startCloudFakes } from '../helpers/cloud-fakes.js';
import { registerManagerStack } from '../helpers/manager-stack.js';
import { REMOTE_STORE_KINDS, remoteStoreEnv } from '../helpers/remote-store-env.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

// Copy-on-write on remote stores, against the real SDKs and the fakes: a write whose metadata
// commit fails (a deferred constraint trigger raising at COMMIT, Postgres' own failure) or whose
// transaction fails after the back-end write (the audit insert refused) leaves the committed
// values readable whole, and the back-end's current value is the committed one again (at once,
// or after the orphan collector).

const unused = unusedSqlBackend;

/** Installs the faults: a COMMIT failing for rows with a `fail_commit` key, an audit insert failing for `fail_audit`. */
async function installFaults(t: TestGateway): Promise<void> {
  const db = t.gateway.database.db;
  await sql`create or replace function sgw_test_refuse() returns trigger language plpgsql as $$
    begin raise exception 'injected fault'; end $$`.execute(db);
  await sql`create constraint trigger sgw_test_fail_commit after insert or update on secrets
    deferrable initially deferred for each row when (new.keys::text like '%fail_commit%')
    execute function sgw_test_refuse()`.execute(db);
  for (const table of ['audit_pending', 'audit_events'])
    await sql`create trigger sgw_test_fail_audit before insert on ${sql.table(table)}
      for each row when (new.target::text like '%fail_audit%') execute function sgw_test_refuse()`.execute(
      db,
    );
}

describe.each(REMOTE_STORE_KINDS)('copy-on-write on the %s store', (kind) => {
  let fakes: CloudFakes;
  let t: TestGateway;
  let store: CentralStore;
  let collector: OrphanCollector;
  const logLines: string[] = [];

  beforeAll(async () => {
    fakes = await startCloudFakes();
    t = await startTestGateway({
      env: {
        ...remoteStoreEnv(fakes, kind),
        SGW_STORE_COLLECT_INTERVAL_MS: '3600000',
        SGW_LOG_LEVEL: 'debug',
      },
      logLines,
    });
    await installFaults(t);
    store = await createCentralStore(t.gateway.config, { sqlBackend: unused });
    collector = createOrphanCollector({
      db: t.gateway.database.db,
      store,
      log: createLogger('debug', (line) => logLines.push(line)),
      graceMs: 0,
      intervalMs: 60_000,
    });
  }, 30_000);
  afterAll(async () => {
    await store?.backend.close?.();
    await t?.close();
    await fakes?.close();
  });

  const read = async (name: string) =>
    (await t.ok(`{ secret(name: "${name}") { id version values } }`)).secret;
  /** What a ZenML server sharing the store reads: the entry's current (latest) values. */
  const backendCurrent = async (id: string) => (await store.backend.get(store.entryName(id)))?.values;
  const intents = () => t.gateway.database.db.selectFrom('store_write_intents').selectAll().execute();

  it('a metadata commit that fails leaves the old values whole, and current again in the back-end', async () => {
    const created = await read(
      (await t.ok('mutation { createSecret(name: "c1", values: {user: "u1", pass: "p1"}) { name } }'))
        .createSecret.name,
    );
    const failed = await t.gql(
      'mutation { updateSecret(name: "c1", values: {user: "u2", pass: "p2-canary-7f3a", fail_commit: "x"}) { version } }',
    );
    expect(failed.errors?.length).toBe(1);
    expect(await read('c1')).toEqual({ ...created, values: { user: 'u1', pass: 'p1' } });
    // The new version reached the back-end before the commit failed; the failed write undid it.
    expect(await backendCurrent(created.id)).toEqual({ user: 'u1', pass: 'p1' });
    expect(await intents()).toEqual([]);
    // The next write goes on from the committed state.
    await t.ok('mutation { updateSecret(name: "c1", values: {pass: "p3"}) { version } }');
    expect((await read('c1')).values).toEqual({ user: 'u1', pass: 'p3' });
    expect(await backendCurrent(created.id)).toEqual({ user: 'u1', pass: 'p3' });
  });

  it('a write cut off between the back-end write and the commit reads old; the collector makes old current', async () => {
    const created = await read(
      (await t.ok('mutation { createSecret(name: "c4", values: {user: "u1"}) { name } }')).createSecret.name,
    );
    const name = store.entryName(created.id);
    // What a process killed after its back-end write leaves: its intent, and a newer version.
    await t.gateway.database.db
      .insertInto('store_write_intents')
      .values({
        id: '2b0d5e59-6c0e-4d35-9b0a-3f1f4a6f0c01',
        secret_id: created.id,
        entry_name: name,
        kind: 'update',
      })
      .execute();
    const secret = { id: created.id, name: 'c4', scope: 'WORKSPACE', ownerId: created.id };
    await store.backend.putVersion?.({ name, values: { user: 'u2' }, metadata: store.entryMetadata(secret) });
    expect(await backendCurrent(created.id)).toEqual({ user: 'u2' });
    expect(await read('c4')).toEqual(created);

    expect(await collector.collectOnce()).toEqual({ discarded: 0, repaired: 1, closed: 0 });
    expect(await backendCurrent(created.id)).toEqual({ user: 'u1' });
    expect(await read('c4')).toEqual(created);
    expect(await intents()).toEqual([]);
    await t.ok('mutation { updateSecret(name: "c4", values: {user: "u3"}) { version } }');
    expect(await backendCurrent(created.id)).toEqual({ user: 'u3' });
    expect((await read('c4')).values).toEqual({ user: 'u3' });
  });

  /** Makes the next back-end call of `operation` fail (the fakes' own failure injection; none in the Vault fake). */
  const failNext: Record<string, ((operation: string) => void) | undefined> = {
    aws: (operation) => fakes.aws.failNext(operation, 'InvalidRequestException', 'injected'),
    gcp: (operation) => fakes.gcp.failNext(operation, 13, 'injected'),
    azure: (operation) => fakes.azure.failNext(operation, 400, 'BadParameter', 'injected'),
  };
  const WRITE_CALL: Record<string, string> = {
    aws: 'PutSecretValue',
    gcp: 'AddSecretVersion',
    azure: 'setSecret',
  };

  it.runIf(kind !== 'hashicorp')('a back-end write that fails leaves the old values whole', async () => {
    const before = await read(
      (await t.ok('mutation { createSecret(name: "c5", values: {k: "one"}) { name } }')).createSecret.name,
    );
    failNext[kind]!(WRITE_CALL[kind]);
    const failed = await t.gql('mutation { updateSecret(name: "c5", values: {k: "two"}) { version } }');
    expect(failed.errors?.[0].extensions?.code).toMatch(/^BACKEND_/);
    expect(await read('c5')).toEqual(before);
    expect(await backendCurrent(before.id)).toEqual({ k: 'one' });
    expect(await intents()).toEqual([]);
  });

  it.runIf(kind === 'aws' || kind === 'gcp')(
    'a failed commit whose undo fails too reads old; a later collector pass makes old current',
    async () => {
      const before = await read(
        (await t.ok('mutation { createSecret(name: "c6", values: {k: "one"}) { name } }')).createSecret.name,
      );
      // The undo's first call after the write: AWS moves AWSCURRENT back, GCP looks up `latest`.
      failNext[kind]!(kind === 'aws' ? 'UpdateSecretVersionStage' : 'GetSecretVersion');
      const failed = await t.gql(
        'mutation { updateSecret(name: "c6", values: {k: "two", fail_commit: "x"}) { version } }',
      );
      expect(failed.errors?.length).toBe(1);
      expect(await read('c6')).toEqual(before);
      expect(await backendCurrent(before.id)).toEqual({ k: 'two', fail_commit: 'x' });
      expect(await intents()).toHaveLength(1);
      expect(await collector.collectOnce()).toEqual({ discarded: 0, repaired: 1, closed: 0 });
      expect(await backendCurrent(before.id)).toEqual({ k: 'one' });
      expect(await read('c6')).toEqual(before);
    },
  );

  it('a transaction failing after the back-end write (its audit insert refused) is undone at once', async () => {
    await t.ok('mutation { createSecret(name: "c2", values: {token: "t1"}) { id } }');
    const before = await read('c2');
    const failed = await t.gql(
      'mutation { updateSecret(name: "c2", values: {token: "t2-canary-7f3a", fail_audit: "x"}) { version } }',
    );
    expect(failed.errors?.length).toBe(1);
    expect(await read('c2')).toEqual(before);
    // The failed write collected its own intent: the committed values are current again already.
    expect(await backendCurrent(before.id)).toEqual({ token: 't1' });
    expect(await intents()).toEqual([]);
  });

  it('a create whose commit fails leaves no entry behind, and no secret', async () => {
    const failed = await t.gql('mutation { createSecret(name: "c3", values: {fail_commit: "x"}) { id } }');
    expect(failed.errors?.length).toBe(1);
    expect((await t.ok('{ secret(name: "c3") { id } }')).secret).toBeNull();
    await collector.collectOnce();
    const ids = (await intents()).map((i) => i.secret_id);
    expect(ids).toEqual([]);
    const listed = await store.backend.list({ metadata: { zenml_secret_name: 'c3' } });
    expect(listed.entries).toEqual([]);
  });

  it('a create that never committed (its writer gone) is discarded by the collector', async () => {
    // What a process killed between the entry's creation and the commit leaves: the intent and the entry.
    const id = '5b0d5e59-6c0e-4d35-9b0a-3f1f4a6f0c01';
    const name = store.entryName(id);
    await t.gateway.database.db
      .insertInto('store_write_intents')
      .values({ id: '1b0d5e59-6c0e-4d35-9b0a-3f1f4a6f0c01', secret_id: id, entry_name: name, kind: 'create' })
      .execute();
    await store.backend.create({
      name,
      values: { orphan: 'yes' },
      metadata: store.entryMetadata({ id, name: 'ghost', scope: 'WORKSPACE', ownerId: id }),
    });
    expect(await collector.collectOnce()).toEqual({ discarded: 1, repaired: 0, closed: 0 });
    expect(await store.backend.get(name)).toBeUndefined();
    expect(await store.backend.currentVersionId?.(name)).toBeUndefined();
    expect(await intents()).toEqual([]);
  });

  it('a purge removes the entry after its commit; one cut off in between leaves it to the collector', async () => {
    const gone = await read(
      (await t.ok('mutation { createSecret(name: "d1", values: {k: "v"}) { name } }')).createSecret.name,
    );
    expect(await t.ok('mutation { deleteSecret(name: "d1") }')).toEqual({ deleteSecret: true });
    expect(await store.backend.get(store.entryName(gone.id))).toBeDefined();
    expect(await t.ok('mutation { purgeSecret(name: "d1") }')).toEqual({ purgeSecret: true });
    expect(await store.backend.get(store.entryName(gone.id))).toBeUndefined();
    expect(await intents()).toEqual([]);

    // What a process killed after the delete's commit, before the entry's deletion, leaves.
    const cut = await read(
      (await t.ok('mutation { createSecret(name: "d2", values: {k: "v"}) { name } }')).createSecret.name,
    );
    const name = store.entryName(cut.id);
    await t.gateway.database.db
      .insertInto('store_write_intents')
      .values({
        id: '3b0d5e59-6c0e-4d35-9b0a-3f1f4a6f0c01',
        secret_id: cut.id,
        entry_name: name,
        kind: 'delete',
      })
      .execute();
    await t.gateway.database.db.deleteFrom('secrets').where('id', '=', cut.id).execute();
    expect(await collector.collectOnce()).toEqual({ discarded: 1, repaired: 0, closed: 0 });
    expect(await store.backend.get(name)).toBeUndefined();
    expect(await intents()).toEqual([]);
  });

  it('a migration into the store pins every copied entry (one batch) and reads them back', async () => {
    expect(
      (await registerManagerStack(t, 'src', 'vault', fakes.managerConfig('vault', { scope: 'global' })))
        .errors,
    ).toBeUndefined();
    for (let i = 0; i < 3; i++) fakes.seedGlobal('vault', `m${i}`, { k: `v${i}` });
    const id = (await t.ok('mutation { startSecretsMigration(stack: "src", onConflict: OVERWRITE) { id } }'))
      .startSecretsMigration.id;
    for (let waited = 0; ; waited += 100) {
      const m = (await t.ok(`{ migration(id: "${id}") { status } }`)).migration;
      if (m.status === 'SUCCEEDED') break;
      expect(waited < 20_000 && m.status !== 'FAILED', `migration ${m.status}`).toBe(true);
      await new Promise((r) => setTimeout(r, 100));
    }
    const rows = await t.gateway.database.db
      .selectFrom('secrets')
      .select(['id', 'name', 'store_version'])
      .where('name', 'in', ['m0', 'm1', 'm2'])
      .execute();
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.store_version).toBe(await store.backend.currentVersionId?.(store.entryName(row.id)));
      expect((await read(row.name)).values).toEqual({ k: `v${row.name.slice(1)}` });
    }
  });

  it('no value of a failed or repaired write reached the logs', () => {
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toContain('canary-7f3a');
  });
});

describe('the collector of a running gateway (aws store)', () => {
  let fakes: CloudFakes;
  let t: TestGateway;

  beforeAll(async () => {
    fakes = await startCloudFakes();
    t = await startTestGateway({
      env: {
        ...remoteStoreEnv(fakes, 'aws'),
        SGW_STORE_COLLECT_INTERVAL_MS: '200',
        SGW_STORE_COLLECT_GRACE_MS: '0',
      },
    });
  }, 30_000);
  afterAll(async () => {
    await t?.close();
    await fakes?.close();
  });

  it('repairs what a killed replica left, by itself, every interval', async () => {
    const { id } = (await t.ok('mutation { createSecret(name: "p1", values: {k: "one"}) { id } }'))
      .createSecret;
    const name = `zenml/${id}`;
    // The state a replica killed after its back-end write leaves: its intent, a newer AWSCURRENT.
    await t.gateway.database.db
      .insertInto('store_write_intents')
      .values({ id: '4b0d5e59-6c0e-4d35-9b0a-3f1f4a6f0c01', secret_id: id, entry_name: name, kind: 'update' })
      .execute();
    fakes.aws.put(name, '{"k": "two"}');
    const current = () => fakes.aws.secrets.get(name)!;
    const currentValue = () =>
      [...current().versions.values()].find((v) => v.stages.includes('AWSCURRENT'))?.secretString;
    expect(currentValue()).toBe('{"k": "two"}');
    const deadline = Date.now() + 10_000;
    while (currentValue() !== '{"k": "one"}') {
      expect(Date.now() < deadline, 'repaired within 10 s').toBe(true);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await t.ok('{ secret(name: "p1") { values } }')).secret.values).toEqual({ k: 'one' });
    expect(await t.gateway.database.db.selectFrom('store_write_intents').selectAll().execute()).toEqual([]);
  });
});
