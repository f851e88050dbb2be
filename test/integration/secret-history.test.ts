import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CentralStore } from '../../src/backends/central-store.js';
import type { CloudFakes } from '../helpers/cloud-fakes.js';
import { databaseText } from '../helpers/database-text.js';
import { REMOTE_STORE_KINDS } from '../helpers/remote-store-env.js';
import { type StoreGateway, startStoreGateway } from '../helpers/store-gateway.js';
import type { TestGateway } from '../helpers/test-gateway.js';

// Secret history on every store: each write is a version (actor, keys, changed keys), earlier
// values are readable while kept, a rollback writes a new version with old values, and versions
// past SGW_SECRET_VERSIONS_KEPT are gone with their values — from every table, and from the
// back-end where it can destroy a version (GCP, Vault; AWS unlabels it, Azure keeps every version).

const STORES = ['sql', ...REMOTE_STORE_KINDS] as const;
const KEPT = 3;

describe.each(STORES)('secret history on the %s store', (kind) => {
  let fakes: CloudFakes | undefined;
  let t: TestGateway;
  let store: CentralStore;
  let running: StoreGateway;
  let writer: string;
  let reader: string;
  let auditor: string;

  beforeAll(async () => {
    running = await startStoreGateway(kind, { SGW_SECRET_VERSIONS_KEPT: `${KEPT}` });
    ({ t, fakes, store } = running);
    writer = await t.tokenFor('writer-h', 'WRITER');
    reader = await t.tokenFor('reader-h', 'READER');
    auditor = await t.tokenFor('auditor-h', 'AUDITOR');
  }, 30_000);
  afterAll(() => running?.close());

  const update = (name: string, values: Record<string, string | null>, token = writer) =>
    t.ok(
      `mutation($n: String!, $v: JSON!) { updateSecret(name: $n, values: $v) { version } }`,
      { n: name, v: values },
      token,
    );
  const valuesAt = async (name: string, version: number | null) =>
    t.gql(`query($n: String!, $v: Int) { secret(name: $n) { values(version: $v) } }`, {
      n: name,
      v: version,
    });
  const versions = async (name: string, token?: string) =>
    (
      await t.ok(
        `query($n: String!) { secret(name: $n) { versions { version actor keys changedKeys createdAt } } }`,
        { n: name },
        token,
      )
    ).secret.versions;

  it('records every write as a version and reads each kept version back, audited with the version read', async () => {
    await t.ok('mutation { createSecret(name: "h1", values: {a: "1"}) { version } }', undefined, writer);
    await update('h1', { b: '2' });
    await update('h1', { a: '3' });
    expect(await versions('h1')).toEqual([
      { version: 3, actor: 'writer-h', keys: ['a', 'b'], changedKeys: ['a'], createdAt: expect.any(String) },
      { version: 2, actor: 'writer-h', keys: ['a', 'b'], changedKeys: ['b'], createdAt: expect.any(String) },
      { version: 1, actor: 'writer-h', keys: ['a'], changedKeys: ['a'], createdAt: expect.any(String) },
    ]);
    expect((await valuesAt('h1', 1)).data?.secret.values).toEqual({ a: '1' });
    expect((await valuesAt('h1', 2)).data?.secret.values).toEqual({ a: '1', b: '2' });
    expect((await valuesAt('h1', 3)).data?.secret.values).toEqual({ a: '3', b: '2' });
    expect((await valuesAt('h1', null)).data?.secret.values).toEqual({ a: '3', b: '2' });
    expect((await valuesAt('h1', 9)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const firstTwo = await t.ok('{ secret(name: "h1") { versions(first: 2) { version } } }');
    expect(firstTwo.secret.versions).toEqual([{ version: 3 }, { version: 2 }]);
    const none = await t.gql('{ secret(name: "h1") { versions(first: 0) { version } } }');
    expect(none.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const reads = await t.gateway.database.db
      .selectFrom('audit_events')
      .select(sql<number>`(target->>'version')::int`.as('version'))
      .where('action', '=', 'secret.read')
      .where(sql<string>`target->>'name'`, '=', 'h1')
      .orderBy('id')
      .execute();
    expect(reads.map((r) => r.version)).toEqual([1, 2, 3, 3]);
  });

  it('rolls back to an earlier version as a new version, honouring expectedVersion', async () => {
    await t.ok(
      'mutation { createSecret(name: "h2", values: {user: "u1", pass: "p1"}) { version } }',
      undefined,
      writer,
    );
    await update('h2', { pass: 'p2', extra: 'x' });
    const rollback = `mutation($v: Int!, $e: Int) { rollbackSecret(name: "h2", version: $v, expectedVersion: $e) { version keys values } }`;
    const stale = await t.gql(rollback, { v: 1, e: 1 }, writer);
    expect(stale.errors?.[0].extensions?.code).toBe('CONFLICT');
    const done = await t.ok(rollback, { v: 1, e: 2 }, writer);
    expect(done.rollbackSecret).toEqual({
      version: 3,
      keys: ['pass', 'user'],
      values: { user: 'u1', pass: 'p1' },
    });
    expect((await versions('h2'))[0]).toMatchObject({ version: 3, changedKeys: ['extra', 'pass'] });
    const plain = await t.ok(
      `mutation { rollbackSecret(name: "h2", version: 2) { version values } }`,
      undefined,
      writer,
    );
    expect(plain.rollbackSecret).toEqual({ version: 4, values: { user: 'u1', pass: 'p2', extra: 'x' } });
    const event = await t.gateway.database.db
      .selectFrom('audit_events')
      .select('target')
      .where('action', '=', 'secret.rollback')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(event.target).toMatchObject({
      name: 'h2',
      version: 4,
      rolledBackTo: 2,
      changedKeys: ['extra', 'pass'],
    });
    const missing = await t.gql(
      `mutation { rollbackSecret(name: "h2", version: 99) { version } }`,
      undefined,
      writer,
    );
    expect(missing.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it(`keeps ${KEPT} versions: older ones are gone with their values`, async () => {
    const canary = (n: number) => `canary-${kind}-v${n}-7f3a`;
    const created = await t.ok(
      `mutation($v: JSON!) { createSecret(name: "h3", values: $v) { id } }`,
      { v: { k: canary(1) } },
      writer,
    );
    const id = created.createSecret.id as string;
    const db = t.gateway.database.db;
    const sealedV1 = await db
      .selectFrom('secret_values')
      .select('values')
      .where('name', '=', id)
      .executeTakeFirst();
    const pinV1 = (
      await db
        .selectFrom('secret_versions')
        .select('store_version')
        .where('secret_id', '=', id)
        .executeTakeFirstOrThrow()
    ).store_version;
    for (let n = 2; n <= 5; n++) await update('h3', { k: canary(n) });
    expect((await versions('h3')).map((v: { version: number }) => v.version)).toEqual([5, 4, 3]);
    for (const gone of [1, 2])
      expect((await valuesAt('h3', gone)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await valuesAt('h3', 3)).data?.secret.values).toEqual({ k: canary(3) });
    const rows = await db
      .selectFrom('secret_versions')
      .select('version')
      .where('secret_id', '=', id)
      .execute();
    expect(rows.map((r) => r.version).sort()).toEqual([3, 4, 5]);
    const text = await databaseText(db);
    for (const n of [1, 2, 3, 4, 5]) expect(text).not.toContain(canary(n)); // values are never stored in clear
    if (sealedV1) expect(text).not.toContain(sealedV1.values); // the SQL store's sealed v1 is gone
    if (kind === 'sql') {
      const kept = await db
        .selectFrom('secret_value_versions')
        .select('version')
        .where('name', '=', id)
        .execute();
      expect(kept.map((r) => r.version).sort()).toEqual([3, 4]);
      return;
    }
    const entry = store.entryName(id);
    expect(pinV1).toEqual(expect.any(String));
    if (kind === 'gcp' || kind === 'hashicorp')
      expect(await store.backend.getVersion?.(entry, pinV1 as string)).toBeUndefined();
    if (kind === 'aws')
      expect(fakes?.aws.secrets.get(entry)?.versions.get(pinV1 as string)?.stages ?? []).toEqual([]);
  });

  it('gives each role what it may: versions to readers, values of versions and rollbacks to writers', async () => {
    await t.ok('mutation { createSecret(name: "h4", values: {k: "v1"}) { version } }', undefined, writer);
    await update('h4', { k: 'v2' });
    expect((await versions('h4', reader)).length).toBe(2);
    const readerValues = await t.gql('{ secret(name: "h4") { values(version: 1) } }', undefined, reader);
    expect(readerValues.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const readerRollback = await t.gql(
      'mutation { rollbackSecret(name: "h4", version: 1) { version } }',
      undefined,
      reader,
    );
    expect(readerRollback.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const auditorVersions = await t.gql(
      '{ secret(name: "h4") { versions { version } } }',
      undefined,
      auditor,
    );
    expect(auditorVersions.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    // Another principal's USER secret: not there for a writer, its versions neither.
    await t.ok(
      'mutation { createSecret(name: "mine", scope: USER, values: {k: "v"}) { version } }',
      undefined,
      writer,
    );
    const other = await t.tokenFor('writer-other', 'WRITER');
    const hidden = await t.gql(
      '{ secret(name: "mine", scope: USER) { versions { version } } }',
      undefined,
      other,
    );
    expect(hidden.data?.secret ?? null).toBeNull();
    const hiddenRollback = await t.gql(
      'mutation { rollbackSecret(name: "mine", scope: USER, version: 1) { version } }',
      undefined,
      other,
    );
    expect(hiddenRollback.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });
});
