import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../helpers/cli.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

// The rules of ZenML's CLI (cli/secret.py, cli/utils.py, cli/stack.py at 0.39.1 6265248f7 and
// 0.40.0 dd4605390), run through the real `sgw` process answering its prompts.
let t: TestGateway;
let home: string;
let env: Record<string, string>;

const sgw = (args: string[], input?: string) => runCli(args, { env, input });

function expectError(result: CliResult, code: string, message?: RegExp) {
  expect(result.code, result.stderr).not.toBe(0);
  expect(result.stderr).toMatch(new RegExp(`Error \\[${code}\\]`));
  if (message) expect(result.stderr).toMatch(message);
}

async function storeSecret(name: string, scope: 'WORKSPACE' | 'USER' = 'WORKSPACE') {
  const data = await t.ok(
    'query($n: String!, $s: SecretScope) { secret(name: $n, scope: $s) { scope values } }',
    {
      n: name,
      s: scope,
    },
  );
  return data.secret as { scope: string; values: Record<string, string> } | null;
}

async function managed(name: string, stack = 'zs') {
  const data = await t.ok(
    'query($n: String!, $s: String) { managedSecret(name: $n, stack: $s) { values } }',
    {
      n: name,
      s: stack,
    },
  );
  return data.managedSecret?.values as Record<string, string> | undefined;
}

beforeAll(async () => {
  t = await startTestGateway();
  const { url } = await t.listen();
  home = await mkdtemp(path.join(tmpdir(), 'sgw-cli-zenml-'));
  env = { HOME: home, SGW_URL: url, SGW_TOKEN: t.adminToken };
  await t.ok(
    'mutation { registerComponent(type: SECRETS_MANAGER, name: "zs-sm", flavor: "local", configuration: {}) { warnings } }',
  );
  await t.ok(
    `mutation { registerComponent(type: EXPERIMENT_TRACKER, name: "zs-tracker", flavor: "mlflow", configuration: {
       tracking_uri: "http://mlflow", tracking_username: "{{reg_creds.username}}", tracking_password: "{{reg_creds.password}}" }) { warnings } }`,
  );
  await t.ok('mutation { registerStack(name: "zs", components: ["zs-sm", "zs-tracker"]) { id } }');
  await t.ok('mutation { setActiveStack(name: "zs") { id } }');
});
afterAll(async () => {
  await t?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('sgw secret: ZenML 0.40 names, keys and options', () => {
  it('refuses a secret named "name" (create, rename, secrets-manager register) and keys that are no Python identifier', async () => {
    const [create, rename, register, dash, digit] = await Promise.all([
      sgw(['secret', 'create', 'name', '--a=1']),
      sgw(['secret', 'rename', 'whatever', '-n', 'name']),
      sgw(['secrets-manager', 'secret', 'register', 'name', '--a=1']),
      sgw(['secret', 'create', 'k1', '--my-key=1']),
      sgw(['secret', 'create', 'k2', '--1abc=1']),
    ]);
    for (const result of [create, rename, register])
      expectError(result, 'BAD_USER_INPUT', /cannot be "name"/);
    expectError(dash, 'BAD_USER_INPUT', /invalid key "my-key"/);
    expectError(digit, 'BAD_USER_INPUT', /invalid key "1abc"/);
    expect(await storeSecret('k1')).toBeNull();
  });

  it('takes keys with Unicode letters, as str.isidentifier does', async () => {
    const created = await sgw(['secret', 'create', 'unicode', '--jörg_名前=v1', '--_x9=v2']);
    expect(created.code, created.stderr).toBe(0);
    expect((await storeSecret('unicode'))?.values).toEqual({ jörg_名前: 'v1', _x9: 'v2' });
  });

  it('-s is the scope on create, -s/--new-scope moves on update, -r removes keys, rename -n; --schema names the schema', async () => {
    const created = await sgw([
      'secret',
      'create',
      'scoped',
      '-s',
      'user',
      '--schema',
      'arbitrary',
      '--username=u',
      '--password=p',
    ]);
    expect(created.stdout).toContain('Created secret scoped (user scope, version 1).');
    const wrongScope = await sgw(['secret', 'create', 'bad', '-s', 'basic_auth', '--a=1']);
    expectError(wrongScope, 'USAGE', /--scope must be workspace or user, not "basic_auth"/);
    const moved = await sgw(['secret', 'update', 'scoped', '-s', 'workspace', '--extra=e', '-r', 'password']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toContain('(workspace scope, version 2');
    expect(await storeSecret('scoped', 'USER')).toBeNull();
    expect((await storeSecret('scoped'))?.values).toEqual({ username: 'u', extra: 'e' });
    const onlyMove = await sgw(['secret', 'update', 'scoped', '--new-scope', 'user']);
    expect(onlyMove.code, onlyMove.stderr).toBe(0);
    expect((await storeSecret('scoped', 'USER'))?.scope).toBe('USER');
    const renamed = await sgw(['secret', 'rename', 'scoped', '-n', 'scoped-2']);
    expect(renamed.stdout).toContain('Renamed secret scoped to scoped-2.');
    expect((await storeSecret('scoped-2', 'USER'))?.values).toEqual({ username: 'u', extra: 'e' });
  });

  it('-i values are @file-expanded (and @@x is @x), as ZenML expands them', async () => {
    await writeFile(path.join(home, 'cert.pem'), 'file-value-5e5e');
    const created = await sgw(
      ['secret', 'create', 'prompted-file', '-i'],
      'cert\n~/cert.pem\ny\nat\n@@literal\nn\n',
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout + created.stderr).not.toContain('file-value-5e5e');
    expect((await storeSecret('prompted-file'))?.values).toEqual({ cert: '~/cert.pem', at: '@literal' });
    const fromFile = await sgw(['secret', 'create', 'prompted-file-2', '-i'], 'cert\n@~/cert.pem\nn\n');
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect((await storeSecret('prompted-file-2'))?.values).toEqual({ cert: 'file-value-5e5e' });
    const updated = await sgw(
      ['secret', 'update', 'prompted-file-2', '-i'],
      `@${path.join(home, 'cert.pem')}\nn\n`,
    );
    expect(updated.code, updated.stderr).toBe(0);
    const missing = await sgw(['secret', 'create', 'prompted-file-3', '-i'], 'cert\n@~/nope.pem\nn\n');
    expectError(missing, 'BAD_USER_INPUT', /no such file/);
  });
});

describe('sgw stack register-secrets (ZenML cli/stack.py)', () => {
  it('asks for the referenced keys the secrets manager lacks, registers them; --skip-existing asks nothing; Enter keeps', async () => {
    await writeFile(path.join(home, 'pw.txt'), 'pw-from-file-8a8a');
    const first = await sgw(['stack', 'register-secrets'], '\n@~/pw.txt\nalice\n');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(
      /Value for secret `reg_creds.password`:\s*\nValue for secret `reg_creds.password`:/,
    );
    expect(first.stdout).toMatch(/Registering secret `reg_creds`:/);
    expect(first.stdout + first.stderr).not.toContain('pw-from-file-8a8a');
    expect(await managed('reg_creds')).toEqual({ password: 'pw-from-file-8a8a', username: 'alice' });

    const skipped = await sgw(['stack', 'register-secrets', 'zs', '--skip-existing']);
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.stderr).not.toMatch(/Value for secret/);
    expect(skipped.stdout).toContain('Registered 0 and updated 0 secret(s)');

    const kept = await sgw(['stack', 'register-secrets', 'zs'], '\nbob\n');
    expect(kept.stderr).toMatch(
      /Value for secret `reg_creds.password` \(Leave empty to use existing value\):/,
    );
    expect(kept.stdout).toMatch(/Updating secret `reg_creds`:/);
    expect(await managed('reg_creds')).toEqual({ password: 'pw-from-file-8a8a', username: 'bob' });
  });
});

describe('sgw secrets-manager secret migrate (ZenML 0.40 questions and defaults)', () => {
  it('Enter migrates; a conflict: Enter = no overwrite, new name Enter = the same, asked again; --delete asks per secret (Enter = no); -s picks the scope', async () => {
    for (const [n, v] of [
      ['m-a', 'src-a'],
      ['m-b', 'src-b'],
      ['m-c', 'src-c'],
    ])
      await t.ok(
        'mutation($n: String!, $v: String!) { registerManagedSecret(name: $n, values: {k: $v}) { name } }',
        { n, v },
      );
    await t.ok('mutation { createSecret(name: "m-b", scope: USER, values: {k: "old-b"}) { id } }');
    const answers = [
      '', // Migrate m-a? (y)
      '', // Delete m-a? (n)
      '', // Migrate m-b? (y)
      '', // Overwrite m-b? (n)
      '', // New name [m-b]: the same, which exists: asked again
      'y', // Overwrite m-b?
      'y', // Delete m-b?
      'n', // Migrate m-c?
    ];
    const result = await sgw(
      ['secrets-manager', 'secret', 'migrate', 'm-a', 'm-b', 'm-c', '-s', 'user', '--delete'],
      `${answers.join('\n')}\n`,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /Overwrite m-b\? \[y\/n\/all\] \(n\) \nNew name for m-b \[m-b\]: \nA secret named m-b already exists in the user scope\.\nOverwrite m-b\?/,
    );
    expect(result.stderr).toMatch(/Delete secret m-a from the secrets manager\? \[y\/n\/all\] \(n\)/);
    expect((await storeSecret('m-a', 'USER'))?.values).toEqual({ k: 'src-a' });
    expect((await storeSecret('m-b', 'USER'))?.values).toEqual({ k: 'src-b' });
    expect(await storeSecret('m-c', 'USER')).toBeNull();
    expect(await storeSecret('m-a')).toBeNull();
    expect(await managed('m-a')).toEqual({ k: 'src-a' }); // "delete?" answered with Enter: kept
    expect(await managed('m-b')).toBeUndefined(); // deleted
    expect(await managed('m-c')).toEqual({ k: 'src-c' });
  });
});
