import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../helpers/cli.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const schema = readFileSync(path.resolve(import.meta.dirname, '../../schema.graphql'), 'utf8');
/** These suites switch themselves on once the managed-secrets and migration API is in the schema. */
const hasManagedSecretsApi = schema.includes('registerManagedSecret');
const hasMigrationApi = hasManagedSecretsApi && schema.includes('startSecretsMigration');

let t: TestGateway;
let home: string;
let admin: Record<string, string>;

function sgw(args: string[], input?: string) {
  return runCli(args, { env: admin, input });
}

function expectError(result: CliResult, code: string, message?: RegExp) {
  expect(result.code, result.stderr).not.toBe(0);
  expect(result.stderr).toMatch(new RegExp(`(^|\\n)Error \\[${code}\\]: [^\\n]+\\n$`));
  expect(result.stderr.match(/Error \[/g)).toHaveLength(1);
  if (message) expect(result.stderr).toMatch(message);
}

function expectHidden(results: CliResult[], secrets: string[]) {
  for (const result of results)
    for (const secret of secrets) {
      expect(result.stdout).not.toContain(secret);
      expect(result.stderr).not.toContain(secret);
    }
}

async function managedValues(name: string): Promise<Record<string, string> | undefined> {
  const data = await t.ok('query($n: String!) { managedSecret(name: $n) { values } }', { n: name });
  return data.managedSecret?.values;
}

async function storeValues(name: string): Promise<Record<string, string> | undefined> {
  const data = await t.ok('query($n: String!) { secret(name: $n, scope: WORKSPACE) { values } }', {
    n: name,
  });
  return data.secret?.values;
}

describe.runIf(hasManagedSecretsApi)('sgw secrets-manager secret (managed secrets)', () => {
  beforeAll(async () => {
    t = await startTestGateway();
    const { url } = await t.listen();
    home = await mkdtemp(path.join(tmpdir(), 'sgw-cli-managed-'));
    admin = { HOME: home, SGW_URL: url, SGW_TOKEN: t.adminToken };
    const manager = await sgw(['secrets-manager', 'register', 'local-sm', '--flavor', 'local']);
    expect(manager.code, manager.stderr).toBe(0);
    const stack = await sgw(['stack', 'register', 'managed', '-x', 'local-sm', '--set']);
    expect(stack.code, stack.stderr).toBe(0);
  });

  afterAll(async () => {
    await t?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('register (pairs, @file, -i), get, list, update, delete', async () => {
    await writeFile(path.join(home, 'token.txt'), 'file-token-1a1a');
    const [pairs, fromFile, schemaPrompted, looped, mixed] = await Promise.all([
      sgw([
        'secrets-manager',
        'secret',
        'register',
        'db',
        '-s',
        'basic_auth',
        '--username=ann',
        '--password=ms-pw-3c3c',
      ]),
      sgw(['secrets-manager', 'secret', 'register', 'api', '--token=@~/token.txt', '--handle=@@ann']),
      sgw(
        ['secrets-manager', 'secret', 'register', 'prompted', '-i', '-s', 'basic_auth'],
        'pu-4d4d\npp-5e5e\n',
      ),
      sgw(['secrets-manager', 'secret', 'register', 'looped', '-i'], 'k1\nlv-6f6f\nn\n'),
      sgw(['secrets-manager', 'secret', 'register', 'mixed', '-i', '--a=b']),
    ]);
    for (const result of [pairs, fromFile, schemaPrompted, looped])
      expect(result.code, result.stderr).toBe(0);
    expect(pairs.stdout).toMatch(
      /Registering secret db \(schema basic_auth\):\nKEY\s+VALUE\nusername\s+\*\*\*\npassword\s+\*\*\*/,
    );
    expect(pairs.stdout).toContain('Registered secret db (schema basic_auth).');
    expect(schemaPrompted.stderr).toMatch(/username: \npassword: \n/);
    expectError(mixed, 'USAGE');
    expectHidden(
      [pairs, fromFile, schemaPrompted, looped],
      ['ms-pw-3c3c', 'file-token-1a1a', 'pu-4d4d', 'pp-5e5e', 'lv-6f6f'],
    );
    expect(await managedValues('api')).toEqual({ token: 'file-token-1a1a', handle: '@ann' });
    expect(await managedValues('prompted')).toEqual({ username: 'pu-4d4d', password: 'pp-5e5e' });
    expect(await managedValues('looped')).toEqual({ k1: 'lv-6f6f' });

    const [get, list, listJson, explicitStack, absent, duplicate] = await Promise.all([
      sgw(['secrets-manager', 'secret', 'get', 'db']),
      sgw(['secrets-manager', 'secret', 'list']),
      sgw(['-o', 'json', 'secrets-manager', 'secret', 'list']),
      sgw(['secrets-manager', 'secret', 'get', 'db', '--stack', 'managed', '-o', 'json']),
      sgw(['secrets-manager', 'secret', 'get', 'nope']),
      sgw(['secrets-manager', 'secret', 'register', 'db', '--x=y']),
    ]);
    expect(get.stdout).toMatch(/^Secret db \(schema basic_auth\)\nKEY\s+VALUE\n/);
    expect(get.stdout).toMatch(/^password\s+ms-pw-3c3c$/m);
    expect(list.stdout).toMatch(/^NAME\s+SCHEMA\s+KEYS\napi\s+arbitrary\s+/);
    expect(list.stdout).toMatch(/^db\s+basic_auth\s+/m);
    expectHidden([list, listJson], ['ms-pw-3c3c', 'file-token-1a1a']);
    expect(JSON.parse(listJson.stdout).map((s: { name: string }) => s.name)).toEqual([
      'api',
      'db',
      'looped',
      'prompted',
    ]);
    expect(JSON.parse(explicitStack.stdout)).toMatchObject({ name: 'db', values: { username: 'ann' } });
    expectError(absent, 'NOT_FOUND');
    expectError(duplicate, 'ALREADY_EXISTS');

    const [merged, prompted] = await Promise.all([
      sgw(['secrets-manager', 'secret', 'update', 'api', '--extra=e1']),
      sgw(['secrets-manager', 'secret', 'update', 'db', '-i'], 'ms-pw-new-7a7a\n\n'),
    ]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(await managedValues('api')).toEqual({ token: 'file-token-1a1a', handle: '@ann', extra: 'e1' });
    expect(prompted.code, prompted.stderr).toBe(0);
    expect(prompted.stderr).toMatch(/\(Enter keeps the current value\): /);
    expectHidden([prompted], ['ms-pw-new-7a7a', 'ann']);
    expect(await managedValues('db')).toEqual({ username: 'ann', password: 'ms-pw-new-7a7a' });

    const refused = await sgw(['secrets-manager', 'secret', 'delete', 'looped'], 'n\n');
    expect(refused.stderr).toContain('Are you sure? [y/N]');
    expectError(refused, 'ABORTED');
    const [confirmed, forced] = await Promise.all([
      sgw(['secrets-manager', 'secret', 'delete', 'looped'], 'y\n'),
      sgw(['secrets-manager', 'secret', 'delete', 'prompted', '-y']),
    ]);
    expect(confirmed.stdout).toContain('Deleted secret looped.');
    expect(forced.stdout).toContain('Deleted secret prompted.');
    expect(await managedValues('looped')).toBeUndefined();
    expect(await managedValues('prompted')).toBeUndefined();
  });

  describe.runIf(hasMigrationApi)('migrate', () => {
    async function seed(
      values: Record<string, Record<string, string>>,
      store: Record<string, Record<string, string>>,
    ) {
      for (const [name, v] of Object.entries(values))
        await t.ok(
          'mutation($n: String!, $v: JSON!) { registerManagedSecret(name: $n, values: $v) { name } }',
          {
            n: name,
            v,
          },
        );
      for (const [name, v] of Object.entries(store))
        await t.ok('mutation($n: String!, $v: JSON!) { createSecret(name: $n, values: $v) { id } }', {
          n: name,
          v,
        });
    }

    it('asks per secret and per conflict, renames on "n", then shows progress and a summary', async () => {
      await seed(
        {
          'i-new': { k: 'src-new-1b1b' },
          'i-over': { k: 'src-over-2c2c' },
          'i-rename': { k: 'src-rename-3d3d' },
          'i-same': { k: 'same-4e4e' },
          'i-skip': { k: 'src-skip-5f5f' },
        },
        {
          'i-over': { k: 'old-over' },
          'i-rename': { k: 'old-rename' },
          'i-same': { k: 'same-4e4e' },
          taken: { k: 'x' },
        },
      );
      const answers = [
        'y', // Migrate i-new?
        'y', // Migrate i-over?
        'y', // Overwrite i-over?
        'y', // Migrate i-rename?
        'n', // Overwrite i-rename?
        'taken', // New name: exists already, so ZenML asks "overwrite taken?" again
        'n', // Overwrite taken?
        'i-renamed', // New name
        'n', // Migrate i-skip?  (i-same is identical: not asked)
      ];
      const result = await sgw(
        ['secrets-manager', 'secret', 'migrate', 'i-new', 'i-over', 'i-rename', 'i-same', 'i-skip'],
        `${answers.join('\n')}\n`,
      );
      expect(result.code, result.stderr).toBe(0);
      // ZenML 0.40's questions and defaults (cli/secret.py migrate): migrate y, overwrite n, new name = same.
      expect(result.stderr).toMatch(/Migrate secret i-new\? \[y\/n\/all\] \(y\)/);
      expect(result.stderr).toMatch(/Overwrite i-over\? \[y\/n\/all\] \(n\)/);
      expect(result.stderr).toMatch(
        /New name for i-rename \[i-rename\]: \nA secret named taken already exists in the workspace scope\.\nOverwrite taken\? \[y\/n\/all\] \(n\)/,
      );
      expect(result.stdout).toMatch(/Secret i-same: identical in the workspace scope; it will be skipped\./);
      expect(result.stdout).toMatch(/^\s+k\s+\*\*\*$/m); // masked in the plan
      expect(result.stderr).toMatch(/\[#+-*\] \d+\/4/); // progress
      expect(result.stdout).toMatch(/^NAME\s+TARGET\s+STATUS\s+ERROR$/m);
      expect(result.stdout).toMatch(/^i-new\s+i-new\s+MIGRATED/m);
      expect(result.stdout).toMatch(/^i-over\s+i-over\s+OVERWRITTEN/m);
      expect(result.stdout).toMatch(/^i-rename\s+i-renamed\s+RENAMED/m);
      expect(result.stdout).toMatch(/^i-same\s+i-same\s+IDENTICAL/m);
      expect(result.stdout).not.toMatch(/^i-skip/m);
      expect(result.stdout).toMatch(/Migration \S+ SUCCEEDED/);
      expectHidden(
        [result],
        ['src-new-1b1b', 'src-over-2c2c', 'src-rename-3d3d', 'same-4e4e', 'src-skip-5f5f'],
      );
      expect(await storeValues('i-new')).toEqual({ k: 'src-new-1b1b' });
      expect(await storeValues('i-over')).toEqual({ k: 'src-over-2c2c' });
      expect(await storeValues('i-rename')).toEqual({ k: 'old-rename' });
      expect(await storeValues('i-renamed')).toEqual({ k: 'src-rename-3d3d' });
      expect(await storeValues('i-skip')).toBeUndefined();
      expect(await managedValues('i-new')).toBeDefined(); // no --delete: the source stays
    });

    it('--non-interactive --delete overwrites silently, shows progress and ends with the summary', async () => {
      await seed({ 'n-one': { k: 'n-one-6a6a' }, 'n-two': { k: 'n-two-7b7b' } }, { 'n-two': { k: 'stale' } });
      const shown = await sgw(['secrets-manager', 'secret', 'migrate', 'n-one', '--show-secrets'], 'n\n');
      const result = await sgw([
        'secrets-manager',
        'secret',
        'migrate',
        'n-one',
        'n-two',
        '--non-interactive',
        '--delete',
      ]);
      expect(shown.stdout).toMatch(/^\s+k\s+n-one-6a6a$/m);
      expect(shown.stdout).toContain('Nothing to migrate.');
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(
        /^NAME\s+SCHEMA\s+STATUS\s+KEYS\nn-one\s+arbitrary\s+NEW\s+k\nn-two\s+arbitrary\s+CONFLICT\s+k$/m,
      );
      expect(result.stderr).toMatch(/Started migration \S+\./);
      expect(result.stderr).toMatch(/\[#{30}\] 2\/2 100%/);
      expect(result.stdout).toMatch(/^n-one\s+n-one\s+MIGRATED/m);
      expect(result.stdout).toMatch(/^n-two\s+n-two\s+OVERWRITTEN/m);
      expect(result.stdout).toMatch(/Migration \S+ SUCCEEDED: .*1 migrated/);
      expect(result.stdout).toMatch(/Migration \S+ SUCCEEDED: .*1 overwritten/);
      expectHidden([result], ['n-one-6a6a', 'n-two-7b7b']);
      expect(await storeValues('n-two')).toEqual({ k: 'n-two-7b7b' });
      expect(await managedValues('n-one')).toBeUndefined();
      expect(await managedValues('n-two')).toBeUndefined();

      const json = await sgw([
        '-o',
        'json',
        'secrets-manager',
        'secret',
        'migrate',
        '--non-interactive',
        'i-new',
      ]);
      expect(json.code, json.stderr).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({
        status: 'SUCCEEDED',
        items: [{ name: 'i-new', status: 'IDENTICAL' }],
      });
      expectError(
        await sgw(['secrets-manager', 'secret', 'migrate', 'absent-secret', '--non-interactive']),
        'BAD_USER_INPUT',
      );
    });
  });
});
