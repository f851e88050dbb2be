import { link, mkdir, mkdtemp, readFile, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GraphQLResponse, startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const LIST = 'query($stack: String) { managedSecrets(stack: $stack) { name } }';
const UPDATE_FILE = `mutation($name: String!, $file: String!) {
  updateComponent(type: SECRETS_MANAGER, name: $name, configuration: {secrets_file: $file}) { component { id } }
}`;

/** A WRITER's request: the code of its first error. */
const codeOf = (response: GraphQLResponse) => response.errors?.[0]?.extensions?.code;

/** The first error's message, checked to name no absolute path of the data directory. */
async function messageWithoutDataDir(t: TestGateway, response: GraphQLResponse): Promise<string> {
  const message = JSON.stringify(response.errors);
  expect(message).not.toContain(t.dataDir);
  expect(message).not.toContain(await realpath(t.dataDir));
  return response.errors?.[0]?.message ?? '';
}

describe('a WRITER cannot brick the embedded gateway through a local secrets file', () => {
  let dataDir: string;
  const embedded = { url: undefined, drop: async () => {} };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'sgw-brick-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("keeps PGlite's files out of reach, and the gateway restarts on its data", async () => {
    const first = await startTestGateway({ database: embedded, dataDir });
    const autoConf = path.join(dataDir, 'pgdata', 'postgresql.auto.conf');
    const before = await readFile(autoConf, 'utf8');
    try {
      const writer = await first.tokenFor('mallory', 'WRITER');
      for (const secretsFile of ['../pgdata/postgresql.auto.conf', autoConf, 'x/../../pgdata/PG_VERSION']) {
        const refused = await first.gql(
          'mutation($c: JSON!) { registerComponent(type: SECRETS_MANAGER, name: "brick", flavor: "local", configuration: $c) { component { id } } }',
          { c: { secrets_file: secretsFile } },
          writer,
        );
        expect(codeOf(refused), secretsFile).toBe('BAD_USER_INPUT');
        await messageWithoutDataDir(first, refused);
      }
      // The path that named PGlite's file before now names a file of the local-secrets folder.
      const registered = await first.gql(
        'mutation { registerComponent(type: SECRETS_MANAGER, name: "brick", flavor: "local", configuration: {secrets_file: "pgdata/postgresql.auto.conf"}) { component { id } } }',
        {},
        writer,
      );
      expect(registered.errors).toBeUndefined();
      await first.ok('mutation { registerStack(name: "brick", components: ["brick"]) { id } }', {}, writer);
      const written = await first.gql(
        'mutation { registerManagedSecret(name: "yaml", values: {k: "overwrites?"}, stack: "brick") { name } }',
        {},
        writer,
      );
      expect(written.errors).toBeUndefined();
      const moved = await first.gql(
        UPDATE_FILE,
        { name: 'brick', file: '../pgdata/postgresql.conf' },
        writer,
      );
      expect(codeOf(moved)).toBe('BAD_USER_INPUT');
    } finally {
      await first.close();
    }
    expect(await readFile(autoConf, 'utf8')).toBe(before);
    const second = await startTestGateway({ database: embedded, dataDir });
    try {
      expect((await second.ok(LIST, { stack: 'brick' })).managedSecrets).toEqual([{ name: 'yaml' }]);
    } finally {
      await second.close();
    }
  }, 180_000);
});

describe('local secrets files: no symlink, no hard link, no other file of the data directory', () => {
  let t: TestGateway;
  let writer: string;
  let folder: string;
  let target: string;
  const targetText = 'host = "not a secrets file"\n';

  /** Registers a local manager (and its stack) as the WRITER; returns the component id. */
  async function localManager(name: string, configuration: Record<string, unknown>): Promise<string> {
    const registered = await t.gql(
      'mutation($n: String!, $c: JSON!) { registerComponent(type: SECRETS_MANAGER, name: $n, flavor: "local", configuration: $c) { component { id } } }',
      { n: name, c: configuration },
      writer,
    );
    expect(registered.errors).toBeUndefined();
    await t.ok(
      'mutation($n: String!) { registerStack(name: $n, components: [$n]) { id } }',
      { n: name },
      writer,
    );
    return registered.data?.registerComponent.component.id;
  }

  /** Reads and writes through the manager as the WRITER: both refused, the target untouched. */
  async function expectRefused(stack: string, why: RegExp): Promise<void> {
    const listed = await t.gql(LIST, { stack }, writer);
    expect(codeOf(listed)).toBe('BACKEND_ERROR');
    expect(await messageWithoutDataDir(t, listed)).toMatch(why);
    const written = await t.gql(
      'mutation($s: String!) { registerManagedSecret(name: "planted", values: {k: "v"}, stack: $s) { name } }',
      { s: stack },
      writer,
    );
    expect(codeOf(written)).toBe('BACKEND_ERROR');
    expect(await readFile(target, 'utf8')).toBe(targetText);
  }

  beforeAll(async () => {
    t = await startTestGateway();
    writer = await t.tokenFor('mallory', 'WRITER');
    folder = path.join(t.dataDir, 'local-secrets');
    // Stands for a file of the data directory that is not a secrets file (a PGlite config).
    target = path.join(t.dataDir, 'pgdata-like.conf');
    await writeFile(target, targetText);
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a symbolic link planted as the secrets file', async () => {
    const id = await localManager('linked-file', {});
    await mkdir(path.join(folder, id), { recursive: true });
    await symlink(target, path.join(folder, id, 'secrets.yaml'));
    await expectRefused('linked-file', /refused: a symbolic link is in its path/);
  });

  it('refuses a symbolic link to a directory at any level below the folder', async () => {
    await mkdir(path.join(folder, 'team'), { recursive: true });
    await symlink(t.dataDir, path.join(folder, 'team', 'up'));
    await localManager('linked-dir', { secrets_file: 'team/up/pgdata-like.conf' });
    await expectRefused('linked-dir', /refused: a symbolic link is in its path/);
  });

  it('refuses a hard link to another file', async () => {
    await link(target, path.join(folder, 'hard.yaml'));
    await localManager('hard-link', { secrets_file: 'hard.yaml' });
    await expectRefused('hard-link', /refused: it has more than one hard link/);
  });

  it('names a broken file relative to the data directory, never by its absolute path', async () => {
    await writeFile(path.join(folder, 'broken.yaml'), 'db: [unclosed\n');
    await localManager('broken', { secrets_file: 'broken.yaml' });
    const listed = await t.gql(LIST, { stack: 'broken' }, writer);
    expect(codeOf(listed)).toBe('BACKEND_ERROR');
    expect(await messageWithoutDataDir(t, listed)).toBe(
      'local secrets file local-secrets/broken.yaml is not valid YAML',
    );
  });

  it('moves a default secrets file from before local-secrets/ into the folder at first use', async () => {
    const id = await localManager('legacy-default', {});
    const legacy = path.join(t.dataDir, id, 'secrets.yaml');
    await mkdir(path.dirname(legacy));
    await writeFile(legacy, `kept:\n  k: ${Buffer.from('v').toString('base64')}\n`);
    expect((await t.ok(LIST, { stack: 'legacy-default' }, writer)).managedSecrets).toEqual([
      { name: 'kept' },
    ]);
    expect(await readFile(path.join(folder, id, 'secrets.yaml'), 'utf8')).toContain('kept');
    await expect(stat(legacy)).rejects.toThrow();
  });

  it('refuses a configured file from before local-secrets/ until the operator moves it', async () => {
    const legacy = path.join(t.dataDir, 'ops', 'secrets.yaml');
    await mkdir(path.dirname(legacy));
    await writeFile(legacy, `old:\n  k: ${Buffer.from('v').toString('base64')}\n`);
    await localManager('legacy-configured', { secrets_file: 'ops/secrets.yaml' });
    const listed = await t.gql(LIST, { stack: 'legacy-configured' }, writer);
    expect(codeOf(listed)).toBe('BACKEND_ERROR');
    expect(await messageWithoutDataDir(t, listed)).toMatch(
      /local-secrets\/ops\/secrets\.yaml does not exist, but ops\/secrets\.yaml .* must move it/,
    );
    await mkdir(path.join(folder, 'ops'));
    await writeFile(path.join(folder, 'ops', 'secrets.yaml'), await readFile(legacy, 'utf8'));
    await rm(legacy);
    expect((await t.ok(LIST, { stack: 'legacy-configured' }, writer)).managedSecrets).toEqual([
      { name: 'old' },
    ]);
  });

  it('never looks at other files of the data directory for a configured path', async () => {
    await localManager('probe', { secrets_file: 'pgdata-like.conf' });
    expect((await t.ok(LIST, { stack: 'probe' }, writer)).managedSecrets).toEqual([]);
    expect(await readFile(target, 'utf8')).toBe(targetText);
  });
});
