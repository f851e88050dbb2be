import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import createExampleBackend from '../../examples/custom-secrets-store.js';
import { createAwsBackend } from '../../src/backends/aws/aws-backend.js';
import { createAzureBackend } from '../../src/backends/azure/azure-backend.js';
import {
  type BackendEntry,
  listAll,
  RAW_VALUE_KEY,
  type SecretBackend,
  type SecretMetadata,
} from '../../src/backends/backend.js';
import { createGcpBackend } from '../../src/backends/gcp/gcp-backend.js';
import { createLocalBackend } from '../../src/backends/local/local-backend.js';
import { createSqlBackend } from '../../src/backends/sql/sql-backend.js';
import { createVaultBackend } from '../../src/backends/vault/vault-backend.js';
import { Keyring } from '../../src/crypto/keyring.js';
import { createDatabase } from '../../src/database/create-database.js';
import { runMigrations } from '../../src/database/run-migrations.js';
import type { AppError } from '../../src/errors.js';
import { scopingFor } from '../../src/scoping/scoping.js';
import { type AwsSecretsManagerFake, startAwsSecretsManagerFake } from '../fakes/aws-secrets-manager-fake.js';
import { type AzureKeyVaultFake, startAzureKeyVaultFake } from '../fakes/azure-key-vault-fake.js';
import { type GcpSecretManagerFake, startGcpSecretManagerFake } from '../fakes/gcp-secret-manager-fake.js';
import { startVaultKvFake, type VaultKvFake } from '../fakes/vault-kv-fake.js';
import { caught } from '../helpers/caught.js';

const TIMEOUT_MS = 5000;
const GCP_PROJECT = 'contract-project';

/** One adapter under test, with what the contract may check about its wire. */
interface ContractTarget {
  backend: SecretBackend;
  /** List requests the back-end has received so far (where the fake records them). */
  listCalls?: () => number;
  close(): Promise<void>;
}

interface ContractOptions {
  /** JSON-payload back-ends store an entry whose only key is RAW_VALUE_KEY as the raw payload. */
  rawPayload?: boolean;
}

async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

const names = (entries: Array<{ name: string }>) => entries.map((entry) => entry.name).sort();

/**
 * The behaviour every SecretBackend shares, run unchanged against each adapter. Names use only
 * `[a-z0-9-]` and metadata only GCP-label-safe text, which every back-end accepts; each test
 * works under its own name prefix, so tests don't see each other's entries.
 */
function backendContract(
  label: string,
  factory: () => Promise<ContractTarget>,
  options: ContractOptions = {},
) {
  describe(`${label} back-end contract`, () => {
    let target: ContractTarget;
    let backend: SecretBackend;

    beforeAll(async () => {
      target = await factory();
      backend = target.backend;
    });

    afterAll(async () => {
      await backend?.close?.();
      await target?.close();
    });

    it('creates an entry and reads back its values and metadata', async () => {
      const entry: BackendEntry = {
        name: 'crud-db',
        values: { user: 'admin', password: 'p@ss: "w0rd"', zenml_schema_name: 'mysql' },
        metadata: { zenml_scope: 'component', zenml_secret_name: 'db' },
      };
      await backend.create(entry);
      expect(await backend.get('crud-db')).toEqual(entry);
    });

    it('refuses to create a name twice with ALREADY_EXISTS and keeps the first values', async () => {
      await backend.create({ name: 'dup-a', values: { k: 'first' }, metadata: {} });
      const error = await caught<AppError>(
        backend.create({ name: 'dup-a', values: { k: 'second' }, metadata: {} }),
      );
      expect(error.code).toBe('ALREADY_EXISTS');
      expect((await backend.get('dup-a'))?.values).toEqual({ k: 'first' });
    });

    it('answers undefined for a missing name', async () => {
      expect(await backend.get('missing-entry')).toBeUndefined();
    });

    it('reads many values at once (where it can) exactly as get reads each, leaving out absent and deleted names', async (ctx) => {
      if (!backend.getValues) return ctx.skip();
      const names = Array.from({ length: 45 }, (_, i) => `many-${i}`);
      for (const name of names)
        await backend.create({ name, values: { k: `v-${name}`, e: '' }, metadata: {} });
      await backend.delete('many-3');
      const got = await backend.getValues([...names, 'many-missing']);
      expect([...got.keys()].sort()).toEqual(names.filter((n) => n !== 'many-3').sort());
      for (const name of names.filter((n) => n !== 'many-3'))
        expect(got.get(name)).toEqual((await backend.get(name))?.values);
    });

    it('updates values and metadata, and fails with NOT_FOUND on a missing name', async () => {
      await backend.create({
        name: 'upd-a',
        values: { a: '1', b: '2' },
        metadata: { keep: 'yes', drop: 'me' },
      });
      await backend.update({
        name: 'upd-a',
        values: { a: '10', c: '3' },
        metadata: { keep: 'yes', added: 'now' },
      });
      expect(await backend.get('upd-a')).toEqual({
        name: 'upd-a',
        values: { a: '10', c: '3' },
        metadata: { keep: 'yes', added: 'now' },
      });
      await backend.update({ name: 'upd-a', values: { a: '11' }, metadata: {} });
      expect(await backend.get('upd-a')).toEqual({ name: 'upd-a', values: { a: '11' }, metadata: {} });

      const error = await caught<AppError>(
        backend.update({ name: 'upd-missing', values: { a: '1' }, metadata: {} }),
      );
      expect(error.code).toBe('NOT_FOUND');
      expect(await backend.get('upd-missing')).toBeUndefined();
    });

    it('deletes (true), then answers false, and the name can be created again at once', async () => {
      await backend.create({ name: 'del-a', values: { k: 'v' }, metadata: { m: 'x' } });
      expect(await backend.delete('del-a')).toBe(true);
      expect(await backend.get('del-a')).toBeUndefined();
      expect(await backend.delete('del-a')).toBe(false);
      await backend.create({ name: 'del-a', values: { k: 'again' }, metadata: {} });
      expect(await backend.get('del-a')).toEqual({ name: 'del-a', values: { k: 'again' }, metadata: {} });
    });

    it('round-trips metadata exactly, including none at all', async () => {
      const metadata: SecretMetadata = {
        zenml_scope: 'namespace',
        zenml_namespace: 'team-a',
        zenml_secret_name: 'db_creds',
        zenml_component_uuid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
        empty: '',
      };
      await backend.create({ name: 'meta-a', values: { k: 'v' }, metadata });
      await backend.create({ name: 'meta-b', values: { k: 'v' }, metadata: {} });
      expect((await backend.get('meta-a'))?.metadata).toEqual(metadata);
      expect((await backend.get('meta-b'))?.metadata).toEqual({});
      const listed = await listAll(backend, { namePrefix: 'meta-' });
      expect(listed).toEqual([
        { name: 'meta-a', metadata },
        { name: 'meta-b', metadata: {} },
      ]);
    });

    it('round-trips unusual values: unicode, newlines, JSON-looking and empty text', async () => {
      const values = {
        unicode: 'héllo ✓ 秘密',
        multiline: '-----BEGIN KEY-----\nabc\n-----END KEY-----\n',
        json: '{"nested": [1, 2]}',
        empty: '',
        number_like: '0042',
      };
      await backend.create({ name: 'odd-values', values, metadata: {} });
      expect((await backend.get('odd-values'))?.values).toEqual(values);
    });

    it('lists by name prefix, metadata and absent metadata key, never with values', async () => {
      const seed: Array<[string, SecretMetadata]> = [
        ['lst-global-a', { zenml_scope: 'global', owner: 'team1' }],
        ['lst-global-b', { zenml_scope: 'global', owner: 'team2' }],
        ['lst-comp-a', { zenml_scope: 'component', owner: 'team1' }],
        ['lst-plain-a', {}],
        ['lst-plain-b', { owner: 'team1' }],
        ['other-lst-a', { zenml_scope: 'global', owner: 'team1' }],
      ];
      await Promise.all(
        seed.map(([name, metadata]) =>
          backend.create({ name, values: { secret: `value-of-${name}` }, metadata }),
        ),
      );

      const byPrefix = await listAll(backend, { namePrefix: 'lst-global-' });
      expect(names(byPrefix)).toEqual(['lst-global-a', 'lst-global-b']);
      for (const entry of byPrefix) expect(Object.keys(entry).sort()).toEqual(['metadata', 'name']);
      expect(JSON.stringify(byPrefix)).not.toContain('value-of-');

      expect(
        names(await listAll(backend, { namePrefix: 'lst-', metadata: { zenml_scope: 'global' } })),
      ).toEqual(['lst-global-a', 'lst-global-b']);
      expect(
        names(
          await listAll(backend, { namePrefix: 'lst-', metadata: { zenml_scope: 'global', owner: 'team1' } }),
        ),
      ).toEqual(['lst-global-a']);
      // Prefix-matching back-ends (AWS filters) must still compare exactly.
      expect(await listAll(backend, { namePrefix: 'lst-', metadata: { owner: 'team' } })).toEqual([]);
      expect(
        names(await listAll(backend, { namePrefix: 'lst-', withoutMetadataKey: 'zenml_scope' })),
      ).toEqual(['lst-plain-a', 'lst-plain-b']);
      expect(
        names(
          await listAll(backend, {
            namePrefix: 'lst-',
            metadata: { owner: 'team1' },
            withoutMetadataKey: 'zenml_scope',
          }),
        ),
      ).toEqual(['lst-plain-b']);
      expect(names(await listAll(backend, { metadata: { owner: 'team1' } }))).toEqual(
        expect.arrayContaining(['lst-global-a', 'lst-comp-a', 'lst-plain-b', 'other-lst-a']),
      );
      expect(await listAll(backend, { namePrefix: 'lst-none-' })).toEqual([]);
    });

    it('lists 250 entries completely through real paging', async () => {
      const all = Array.from({ length: 250 }, (_, i) => `bulk-${String(i).padStart(3, '0')}`);
      await inBatches(all, 25, (name) =>
        backend.create({ name, values: { n: name }, metadata: { zenml_scope: 'global', batch: 'bulk' } }),
      );

      const before = target.listCalls?.() ?? 0;
      const listed = await listAll(backend, { namePrefix: 'bulk-', metadata: { batch: 'bulk' } });
      expect(names(listed)).toEqual(all);
      expect(new Set(listed.map((entry) => entry.name)).size).toBe(250);
      if (target.listCalls) expect(target.listCalls() - before).toBeGreaterThan(1);

      // Page by page with a small page size: every name exactly once, more than one page.
      const seen: string[] = [];
      let pages = 0;
      let pageToken: string | undefined;
      do {
        const page = await backend.list({ namePrefix: 'bulk-', pageSize: 40, pageToken });
        expect(page.entries.length).toBeLessThanOrEqual(40);
        seen.push(...page.entries.map((entry) => entry.name));
        pageToken = page.nextPageToken;
        pages++;
      } while (pageToken && pages < 100);
      expect(pages).toBeGreaterThan(1);
      expect(seen.sort()).toEqual(all);
    });

    it.skipIf(!options.rawPayload)(
      'stores an entry holding only RAW_VALUE_KEY as the raw payload',
      async () => {
        const raw = 'not json: a legacy one-key-per-secret value';
        await backend.create({
          name: 'raw-a',
          values: { [RAW_VALUE_KEY]: raw },
          metadata: { zenml_group_key: 'x' },
        });
        expect(await backend.get('raw-a')).toEqual({
          name: 'raw-a',
          values: { [RAW_VALUE_KEY]: raw },
          metadata: { zenml_group_key: 'x' },
        });
        await backend.update({ name: 'raw-a', values: { [RAW_VALUE_KEY]: 'second raw' }, metadata: {} });
        expect((await backend.get('raw-a'))?.values).toEqual({ [RAW_VALUE_KEY]: 'second raw' });
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------
// The adapters
// ---------------------------------------------------------------------------------------------

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sgw-backend-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

backendContract('sql', async () => {
  const database = await createDatabase({ databaseUrl: undefined, pgliteDir: 'memory://' });
  await runMigrations(database.db);
  const backend = createSqlBackend(database.db, Keyring.parse(Keyring.generateDescription()));
  return { backend, close: () => database.close() };
});

backendContract('local', async () => {
  const dir = await tempDir();
  return {
    backend: createLocalBackend({ folder: dir, file: path.join('component', 'secrets.yaml') }),
    close: async () => {},
  };
});

let aws: AwsSecretsManagerFake;
backendContract(
  'aws',
  async () => {
    aws = await startAwsSecretsManagerFake({ port: 0 });
    const backend = createAwsBackend({
      region: 'eu-west-1',
      endpoint: aws.url,
      ...aws.credentials,
      timeoutMs: TIMEOUT_MS,
    });
    return {
      backend,
      listCalls: () => aws.calls.filter((call) => call === 'ListSecrets').length,
      close: () => aws.close(),
    };
  },
  { rawPayload: true },
);

let gcp: GcpSecretManagerFake;
backendContract(
  'gcp',
  async () => {
    gcp = await startGcpSecretManagerFake({ port: 0 });
    const backend = createGcpBackend({
      projectId: GCP_PROJECT,
      apiEndpoint: gcp.endpoint,
      insecure: true,
      timeoutMs: TIMEOUT_MS,
    });
    return {
      backend,
      listCalls: () => gcp.calls.filter((call) => call.method === 'ListSecrets').length,
      close: () => gcp.close(),
    };
  },
  { rawPayload: true },
);

let azure: AzureKeyVaultFake;
backendContract(
  'azure',
  async () => {
    azure = await startAzureKeyVaultFake({ port: 0 });
    const backend = createAzureBackend({
      vaultUrl: azure.url,
      ...azure.credentials,
      allowInsecure: true,
      timeoutMs: TIMEOUT_MS,
    });
    return {
      backend,
      listCalls: () => azure.calls.filter((call) => call.operation === 'getSecrets').length,
      close: () => azure.close(),
    };
  },
  { rawPayload: true },
);

let vaultFake: VaultKvFake;
backendContract('vault', async () => {
  vaultFake = await startVaultKvFake({ port: 0, token: 'contract-token' });
  const backend = createVaultBackend({ url: vaultFake.url, token: 'contract-token', timeoutMs: TIMEOUT_MS });
  return {
    backend,
    listCalls: () => vaultFake.calls.filter((call) => call.includes('list=')).length,
    close: () => vaultFake.close(),
  };
});

backendContract('custom (examples/custom-secrets-store.ts)', async () => {
  const dir = await tempDir();
  const backend = await createExampleBackend({ file: path.join(dir, 'custom.json') });
  return { backend, close: async () => {} };
});

// ---------------------------------------------------------------------------------------------
// What each back-end stores on its side
// ---------------------------------------------------------------------------------------------

describe('local back-end on disk', () => {
  it("writes ZenML's YAML layout with the local scoping: base64 values, plain zenml_schema_name, metadata only when present", async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'nested', 'uuid', 'secrets.yaml');
    const backend = createLocalBackend({ folder: dir, file: path.relative(dir, file) });
    const ctx = {
      scope: 'none' as const,
      componentId: '00000000-0000-4000-8000-000000000000',
      componentName: 'local',
    };
    for (const entry of scopingFor('local').toEntries(ctx, 'db', 'mysql', { password: 'hunter2' })) {
      await backend.create(entry);
    }
    await backend.create({ name: 'tagged', values: { k: 'v' }, metadata: { owner: 'me' } });
    const stored = parse(await readFile(file, 'utf8'));
    expect(stored).toEqual({
      db: { password: Buffer.from('hunter2').toString('base64'), zenml_schema_name: 'mysql' },
      tagged: { k: 'v', __sgw_metadata__: { owner: 'me' } },
    });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect(await readdir(path.dirname(file))).toEqual(['secrets.yaml']);
  });

  it('reads a secrets file that ZenML wrote', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'secrets.yaml');
    await writeFile(
      file,
      [
        'aws_creds:',
        `  aws_access_key_id: ${Buffer.from('AKIA123').toString('base64')}`,
        `  aws_secret_access_key: ${Buffer.from('s3cr3t/key+').toString('base64')}`,
        '  zenml_schema_name: aws',
        '',
      ].join('\n'),
    );
    const entry = await createLocalBackend({ folder: dir, file: 'secrets.yaml' }).get('aws_creds');
    expect(scopingFor('local').fromEntries([entry!])).toEqual({
      schema: 'aws',
      values: { aws_access_key_id: 'AKIA123', aws_secret_access_key: 's3cr3t/key+' },
    });
  });

  it('loses no update when many writers (and two back-end objects) write the same file at once', async () => {
    const dir = await tempDir();
    const first = createLocalBackend({ folder: dir, file: 'secrets.yaml' });
    const second = createLocalBackend({ folder: dir, file: 'secrets.yaml' });
    const all = Array.from({ length: 60 }, (_, i) => `s${i}`);
    await Promise.all(
      all.map((name, i) => (i % 2 ? first : second).create({ name, values: { i: String(i) }, metadata: {} })),
    );
    await Promise.all(
      all
        .slice(0, 30)
        .map((name, i) => (i % 2 ? second : first).update({ name, values: { i: 'updated' }, metadata: {} })),
    );
    const listed = await listAll(first, {});
    expect(names(listed)).toEqual([...all].sort());
    expect((await second.get('s0'))?.values).toEqual({ i: 'updated' });
    expect((await second.get('s59'))?.values).toEqual({ i: '59' });
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('lets exactly one of two concurrent creates of a name win', async () => {
    const dir = await tempDir();
    const backend = createLocalBackend({ folder: dir, file: 'secrets.yaml' });
    const results = await Promise.allSettled([
      backend.create({ name: 'race', values: { who: 'first' }, metadata: {} }),
      backend.create({ name: 'race', values: { who: 'second' }, metadata: {} }),
      backend.create({ name: 'other', values: { who: 'third' }, metadata: {} }),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.code).toBe('ALREADY_EXISTS');
    expect((await backend.get('race'))?.values).toEqual({ who: 'first' });
    expect((await backend.get('other'))?.values).toEqual({ who: 'third' });
  });

  it('reports an unreadable or malformed file as BACKEND_ERROR naming the file, not its content', async () => {
    const dir = await tempDir();
    const malformed = path.join(dir, 'malformed.yaml');
    await writeFile(malformed, 'db: [unclosed\n  password: hunter2');
    const error = await caught<AppError>(
      createLocalBackend({ folder: dir, file: 'malformed.yaml', shownAs: 'shown/malformed.yaml' }).get('db'),
    );
    expect(error.code).toBe('BACKEND_ERROR');
    expect(error.message).toBe('local secrets file shown/malformed.yaml is not valid YAML');
    await mkdir(path.join(dir, 'sub'));
    const directory = await caught<AppError>(
      createLocalBackend({ folder: dir, file: 'sub' }).create({ name: 'x', values: {}, metadata: {} }),
    );
    expect(directory.code).toBe('BACKEND_ERROR');
    expect(directory.message).toBe('local secrets file sub is refused: not a regular file');
  });

  it('does not create the file when deleting from an absent one', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'absent', 'secrets.yaml');
    expect(await createLocalBackend({ folder: dir, file: path.relative(dir, file) }).delete('nothing')).toBe(
      false,
    );
    await expect(stat(file)).rejects.toThrow();
  });
});

describe('remote back-ends on the wire', () => {
  it('aws: SecretString is Python json.dumps of the values, tags are the metadata, delete leaves nothing pending', async () => {
    const fake = await startAwsSecretsManagerFake({ port: 0 });
    const backend = createAwsBackend({
      region: 'us-east-1',
      endpoint: fake.url,
      ...fake.credentials,
      timeoutMs: TIMEOUT_MS,
    });
    try {
      await backend.create({
        name: 'zenml/global/db',
        values: { user: 'u' },
        metadata: { zenml_scope: 'global' },
      });
      const raw = fake.secrets.get('zenml/global/db');
      expect(raw?.tags).toEqual([{ Key: 'zenml_scope', Value: 'global' }]);
      expect([...(raw?.versions.values() ?? [])].map((v) => v.secretString)).toEqual(['{"user": "u"}']);
      await backend.list({ namePrefix: 'zenml/', withoutMetadataKey: 'zenml_scope' });
      expect(fake.calls).toContain('ListSecrets');
      expect(await backend.delete('zenml/global/db')).toBe(true);
      expect(fake.secrets.has('zenml/global/db')).toBe(false);
    } finally {
      await backend.close?.();
      await fake.close();
    }
  });

  it('gcp: update adds a version and changes labels only when they differ', async () => {
    const fake = await startGcpSecretManagerFake({ port: 0 });
    const backend = createGcpBackend({
      projectId: 'p1',
      apiEndpoint: fake.endpoint,
      insecure: true,
      timeoutMs: TIMEOUT_MS,
    });
    try {
      await backend.create({
        name: 'zenml-global-db',
        values: { a: '1' },
        metadata: { zenml_scope: 'global' },
      });
      await backend.update({
        name: 'zenml-global-db',
        values: { a: '2' },
        metadata: { zenml_scope: 'global' },
      });
      const raw = fake.secrets.get('projects/p1/secrets/zenml-global-db');
      expect(raw?.versions.map((v) => v.data.toString())).toEqual(['{"a": "1"}', '{"a": "2"}']);
      expect(fake.calls.map((call) => call.method)).not.toContain('UpdateSecret');
      await backend.update({
        name: 'zenml-global-db',
        values: { a: '3' },
        metadata: { zenml_scope: 'component' },
      });
      expect(raw?.labels).toEqual({ zenml_scope: 'component' });
      const error = await caught<AppError>(
        backend.create({ name: 'bad-labels', values: {}, metadata: { Owner: 'Upper Case' } }),
      );
      expect(error.code).toBe('BAD_USER_INPUT');
      expect(error.message).toContain('GCP label rules');
    } finally {
      await backend.close?.();
      await fake.close();
    }
  });

  it('azure: delete is a soft delete (no purge), as ZenML; tags live on the latest version', async () => {
    const fake = await startAzureKeyVaultFake({ port: 0 });
    const backend = createAzureBackend({
      vaultUrl: fake.url,
      ...fake.credentials,
      allowInsecure: true,
      timeoutMs: TIMEOUT_MS,
    });
    try {
      await backend.create({
        name: 'zenml-global-db',
        values: { a: '1' },
        metadata: { zenml_scope: 'global' },
      });
      expect(fake.latest('zenml-global-db')?.tags).toEqual({ zenml_scope: 'global' });
      expect(fake.latest('zenml-global-db')?.value).toBe('{"a": "1"}');
      expect(await backend.delete('zenml-global-db')).toBe(true);
      expect(fake.secrets.size).toBe(0);
      expect([...fake.deletedSecrets.keys()]).toEqual(['zenml-global-db']);
      expect(fake.calls.some((call) => call.operation === 'purgeDeletedSecret')).toBe(false);
      const error = await caught<AppError>(backend.create({ name: 'under_score', values: {}, metadata: {} }));
      expect(error.code).toBe('BAD_USER_INPUT');
      expect(error.message).toContain('[0-9a-zA-Z-]');
    } finally {
      await fake.close();
    }
  });

  it('vault: KV data is the values, custom_metadata the metadata; listing walks nested folders', async () => {
    const fake = await startVaultKvFake({ port: 0, token: 't' });
    const backend = createVaultBackend({
      url: fake.url,
      token: 't',
      mountPoint: 'kv',
      timeoutMs: TIMEOUT_MS,
    });
    fake.addMount('kv');
    try {
      const seed = [
        'zenml/global/a',
        'zenml/global/b',
        'zenml/component/c1/x',
        'zenml/component/c2/y',
        'other/z',
      ];
      for (const name of seed) await backend.create({ name, values: { v: name }, metadata: { path: 'yes' } });
      expect(fake.read('kv', 'zenml/global/a')).toEqual({ v: 'zenml/global/a' });
      expect(fake.entry('kv', 'zenml/global/a')?.customMetadata).toEqual({ path: 'yes' });
      expect(names(await listAll(backend, { namePrefix: 'zenml/' }))).toEqual([
        'zenml/component/c1/x',
        'zenml/component/c2/y',
        'zenml/global/a',
        'zenml/global/b',
      ]);
      expect(names(await listAll(backend, { namePrefix: 'zenml/component/c' }))).toEqual([
        'zenml/component/c1/x',
        'zenml/component/c2/y',
      ]);
      expect(names(await listAll(backend, {}))).toEqual([...seed].sort());
      // A secret written by another tool (no custom metadata) reads back with empty metadata.
      fake.put('kv', 'zenml/global/legacy', { user: 'u', zenml_schema_name: 'basic_auth' });
      expect(await backend.get('zenml/global/legacy')).toEqual({
        name: 'zenml/global/legacy',
        values: { user: 'u', zenml_schema_name: 'basic_auth' },
        metadata: {},
      });
    } finally {
      await fake.close();
    }
  });
});
