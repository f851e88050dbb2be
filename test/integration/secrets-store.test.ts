import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '../../src/crypto/keyring.js';
import { createTestDatabase } from '../helpers/test-database.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const CREATE = `mutation($name: String!, $values: JSON!, $scope: SecretScope, $schema: String) {
  createSecret(name: $name, values: $values, scope: $scope, schema: $schema) { id name scope keys version schema owner { name } }
}`;
const READ = `query($name: String!, $scope: SecretScope) { secret(name: $name, scope: $scope) { name scope keys version values } }`;
const LIST = `query($first: Int, $after: String, $name: String, $scope: SecretScope) {
  secrets(first: $first, after: $after, name: $name, scope: $scope) {
    edges { cursor node { name scope keys owner { name } } } pageInfo { hasNextPage endCursor }
  }
}`;

function canary(): string {
  return `canary-${randomBytes(8).toString('hex')}`;
}

describe('centralized secrets store (SQL)', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(() => t.close());

  it('creates, reads, merges, replaces, renames and deletes a secret', async () => {
    const created = await t.ok(CREATE, { name: 'db', values: { user: 'app', password: 'p1' } });
    expect(created.createSecret).toMatchObject({
      name: 'db',
      scope: 'WORKSPACE',
      keys: ['password', 'user'],
      version: 1,
    });
    expect(created.createSecret.owner.name).toBe('admin');

    const merged = await t.ok(
      `mutation { updateSecret(name: "db", values: {password: "p2", host: "h", user: null}) { keys version values } }`,
    );
    expect(merged.updateSecret).toEqual({
      keys: ['host', 'password'],
      version: 2,
      values: { host: 'h', password: 'p2' },
    });

    const replaced = await t.ok(
      `mutation { updateSecret(name: "db", values: {only: "x"}, replace: true) { keys values } }`,
    );
    expect(replaced.updateSecret.values).toEqual({ only: 'x' });

    const removed = await t.ok(
      `mutation { updateSecret(name: "db", values: {more: "y"}, removeKeys: ["only"]) { keys } }`,
    );
    expect(removed.updateSecret.keys).toEqual(['more']);

    await t.ok(`mutation { renameSecret(name: "db", newName: "db2") { name } }`);
    expect((await t.ok(READ, { name: 'db' })).secret).toBeNull();
    expect((await t.ok(READ, { name: 'db2' })).secret.values).toEqual({ more: 'y' });

    expect((await t.ok(`mutation { deleteSecret(name: "db2") }`)).deleteSecret).toBe(true);
    expect((await t.ok(READ, { name: 'db2' })).secret).toBeNull();
  });

  it('refuses a stale expectedVersion with CONFLICT and keeps the value', async () => {
    await t.ok(CREATE, { name: 'versioned', values: { a: '1' } });
    await t.ok(
      `mutation { updateSecret(name: "versioned", values: {a: "2"}, expectedVersion: 1) { version } }`,
    );
    const stale = await t.gql(
      `mutation { updateSecret(name: "versioned", values: {a: "3"}, expectedVersion: 1) { version } }`,
    );
    expect(stale.errors?.[0].extensions?.code).toBe('CONFLICT');
    expect((await t.ok(READ, { name: 'versioned' })).secret).toMatchObject({
      version: 2,
      values: { a: '2' },
    });
  });

  it('gives ALREADY_EXISTS and NOT_FOUND where ZenML did', async () => {
    await t.ok(CREATE, { name: 'dup', values: { a: '1' } });
    expect((await t.gql(CREATE, { name: 'dup', values: { a: '2' } })).errors?.[0].extensions?.code).toBe(
      'ALREADY_EXISTS',
    );
    expect(
      (await t.gql(`mutation { updateSecret(name: "missing", values: {a: "1"}) { id } }`)).errors?.[0]
        .extensions?.code,
    ).toBe('NOT_FOUND');
    expect((await t.gql(`mutation { deleteSecret(name: "missing") }`)).errors?.[0].extensions?.code).toBe(
      'NOT_FOUND',
    );
    expect(
      (await t.gql(`mutation { renameSecret(name: "missing", newName: "x") { id } }`)).errors?.[0].extensions
        ?.code,
    ).toBe('NOT_FOUND');
  });

  it('pages through secrets with Relay cursors', async () => {
    for (let i = 0; i < 7; i += 1) await t.ok(CREATE, { name: `page-${i}`, values: { v: String(i) } });
    const names: string[] = [];
    let after: string | null = null;
    for (;;) {
      const data: any = await t.ok(LIST, { first: 3, after, name: null });
      names.push(...data.secrets.edges.map((e: any) => e.node.name));
      if (!data.secrets.pageInfo.hasNextPage) break;
      after = data.secrets.pageInfo.endCursor;
    }
    expect(names.filter((n) => n.startsWith('page-'))).toEqual([
      'page-0',
      'page-1',
      'page-2',
      'page-3',
      'page-4',
      'page-5',
      'page-6',
    ]);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('roles and user scope', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(() => t.close());

  it('lets a READER list secrets and keys but not values, and records the DENIED attempt', async () => {
    await t.ok(CREATE, { name: 'shared', values: { token: canary() } });
    const reader = await t.tokenFor('rita', 'READER');
    const listed = await t.ok(LIST, { name: 'shared' }, reader);
    expect(listed.secrets.edges[0].node).toMatchObject({ name: 'shared', keys: ['token'] });
    const denied = await t.gql(READ, { name: 'shared' }, reader);
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(denied.data?.secret ?? null).toBeNull();
    const audit = await t.ok(
      `{ auditEvents(filter: {actor: "rita", actions: ["secret.read"]}) { nodes { outcome target } } }`,
    );
    expect(audit.auditEvents.nodes).toEqual([expect.objectContaining({ outcome: 'DENIED' })]);
    expect(
      (await t.gql(CREATE, { name: 'nope', values: { a: 'b' } }, reader)).errors?.[0].extensions?.code,
    ).toBe('FORBIDDEN');
  });

  it('hides a USER-scoped secret from every other non-admin principal', async () => {
    const alice = await t.tokenFor('alice', 'WRITER');
    const bob = await t.tokenFor('bob', 'WRITER');
    const reader = await t.tokenFor('rob', 'READER');
    await t.ok(CREATE, { name: 'mine', values: { k: 'alice-value' }, scope: 'USER' }, alice);
    expect((await t.ok(READ, { name: 'mine' }, alice)).secret).toMatchObject({
      scope: 'USER',
      values: { k: 'alice-value' },
    });
    for (const other of [bob, reader]) {
      expect((await t.ok(READ, { name: 'mine' }, other)).secret).toBeNull();
      expect((await t.ok(LIST, { name: 'mine' }, other)).secrets.edges).toEqual([]);
    }
    expect(
      (await t.gql(`mutation { deleteSecret(name: "mine", scope: USER) }`, {}, bob)).errors?.[0].extensions
        ?.code,
    ).toBe('NOT_FOUND');
    // bob may hold his own USER secret of the same name
    await t.ok(CREATE, { name: 'mine', values: { k: 'bob-value' }, scope: 'USER' }, bob);
    expect((await t.ok(READ, { name: 'mine' }, bob)).secret.values).toEqual({ k: 'bob-value' });
    // the admin sees both in listings
    const all = await t.ok(LIST, { name: 'mine' });
    expect(all.secrets.edges.map((e: any) => e.node.owner.name).sort()).toEqual(['alice', 'bob']);
  });

  it('looks up USER scope first, then WORKSPACE', async () => {
    const carol = await t.tokenFor('carol', 'WRITER');
    await t.ok(CREATE, { name: 'layered', values: { v: 'workspace' } }, carol);
    expect((await t.ok(READ, { name: 'layered' }, carol)).secret.values).toEqual({ v: 'workspace' });
    await t.ok(CREATE, { name: 'layered', values: { v: 'user' }, scope: 'USER' }, carol);
    expect((await t.ok(READ, { name: 'layered' }, carol)).secret.values).toEqual({ v: 'user' });
    expect((await t.ok(READ, { name: 'layered', scope: 'WORKSPACE' }, carol)).secret.values).toEqual({
      v: 'workspace',
    });
  });

  it('rejects requests without a valid token', async () => {
    for (const token of [null, 'sgw_wrong', `sgw_${'A'.repeat(43)}`]) {
      const result = await t.gql('{ viewer { name } }', {}, token);
      expect(result.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    }
  });
});

describe('bad input', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(() => t.close());

  it('lists every problem with BAD_USER_INPUT and writes nothing', async () => {
    const result = await t.gql(CREATE, {
      name: 'bad name!',
      schema: 'aws',
      values: { aws_access_key_id: 42, unknown_key: 'x', '9lives': 'y' },
    });
    const error = result.errors?.[0];
    expect(error?.extensions?.code).toBe('BAD_USER_INPUT');
    const paths = (error!.extensions!.issues as Array<{ path: string }>).map((i) => i.path).sort();
    expect(paths).toEqual(['name', 'values.9lives', 'values.aws_secret_access_key', 'values.unknown_key']);
    const unknownSchema = await t.gql(CREATE, { name: 'ok', schema: 'nope', values: { a: 'b' } });
    expect(unknownSchema.errors?.[0].extensions?.issues[0]).toMatchObject({ path: 'schema' });
    const listed = await t.ok(LIST, {});
    expect(listed.secrets.edges).toEqual([]);
    const count = await t.gateway.database.db
      .selectFrom('secret_values')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });

  it('rejects an unknown scope enum and out-of-range page sizes', async () => {
    expect((await t.gql(LIST, { first: 0 })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await t.gql(LIST, { first: 10_001 })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await t.gql(LIST, { scope: 'GALAXY' })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await t.gql(LIST, { after: 'garbage' })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('encryption at rest', () => {
  it('keeps no trace of a value in the values column, fails clearly with a wrong key, and survives rotation', async () => {
    const database = await createTestDatabase();
    const dataDir = await mkdtemp(path.join(tmpdir(), 'sgw-enc-'));
    const oldKeys = Keyring.generateDescription('old');
    const newKey = Keyring.generateDescription('new');
    const value = canary();
    const first = await startTestGateway({ database, dataDir, env: { SGW_ENCRYPTION_KEYS: oldKeys } });
    try {
      for (let i = 0; i < 5; i += 1)
        await first.ok(CREATE, { name: `enc-${i}`, values: { password: `${value}-${i}` } });
      // enc-0's first version is kept, sealed, beside its current values.
      await first.ok(
        `mutation { updateSecret(name: "enc-0", values: {password: "${value}-new"}) { version } }`,
      );
      const rows = await sql<{
        values: string;
        key_id: string;
      }>`select "values", key_id from secret_values`.execute(first.gateway.database.db);
      expect(rows.rows).toHaveLength(5);
      for (const row of rows.rows) {
        expect(row.key_id).toBe('old');
        expect(row.values).not.toContain(value);
        expect(Buffer.from(row.values, 'base64').toString('latin1')).not.toContain(value);
      }
    } finally {
      await first.gateway.close();
    }

    {
      const wrong = await startTestGateway({
        database,
        dataDir,
        env: { SGW_ENCRYPTION_KEYS: Keyring.generateDescription('old') },
      });
      try {
        const result = await wrong.gql(READ, { name: 'enc-0' }, wrong.adminToken);
        expect(result.errors?.[0].extensions?.code).toBe('BACKEND_ERROR');
        expect(result.errors?.[0].message).toMatch(/wrong key or tampered data/);
        expect(JSON.stringify(result)).not.toContain(value);
      } finally {
        await wrong.gateway.close();
      }

      const rotating = await startTestGateway({
        database,
        dataDir,
        env: { SGW_ENCRYPTION_KEYS: `${newKey},${oldKeys}` },
      });
      try {
        const rotated = await rotating.ok('mutation { rotateEncryptionKey }');
        expect(rotated.rotateEncryptionKey).toBe(6); // 5 current values and 1 kept version
        expect((await rotating.ok('mutation { rotateEncryptionKey }')).rotateEncryptionKey).toBe(0);
      } finally {
        await rotating.gateway.close();
      }

      const onlyNew = await startTestGateway({ database, dataDir, env: { SGW_ENCRYPTION_KEYS: newKey } });
      try {
        for (let i = 1; i < 5; i += 1) {
          expect((await onlyNew.ok(READ, { name: `enc-${i}` })).secret.values).toEqual({
            password: `${value}-${i}`,
          });
        }
        const enc0 = await onlyNew.ok('{ secret(name: "enc-0") { values v1: values(version: 1) } }');
        expect(enc0.secret).toEqual({ values: { password: `${value}-new` }, v1: { password: `${value}-0` } });
      } finally {
        await onlyNew.gateway.close();
      }
    }
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  });
});
