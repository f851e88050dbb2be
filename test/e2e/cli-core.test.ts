import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli, runCliInTerminal, startCli } from '../helpers/cli.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const hasScript = spawnSync('script', ['--version']).status === 0;

let t: TestGateway;
let url: string;
let home: string;
/** Env of an admin talking to the test gateway (HOME is a scratch directory). */
let admin: Record<string, string>;

beforeAll(async () => {
  t = await startTestGateway();
  ({ url } = await t.listen());
  home = await mkdtemp(path.join(tmpdir(), 'sgw-cli-home-'));
  admin = { HOME: home, SGW_URL: url, SGW_TOKEN: t.adminToken };
});

afterAll(async () => {
  await t?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

function sgw(args: string[], options: { env?: Record<string, string>; input?: string } = {}) {
  return runCli(args, { env: options.env ?? admin, input: options.input });
}

/** One stderr line `Error [CODE]: …` (the last, after any prompts) and a non-zero exit status. */
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

async function values(name: string, scope?: 'USER' | 'WORKSPACE') {
  const data = await t.ok('query($n: String!, $s: SecretScope) { secret(name: $n, scope: $s) { values } }', {
    n: name,
    s: scope,
  });
  return data.secret?.values;
}

describe('sgw help and usage', () => {
  it('lists every command, per group, and refuses unknown commands with a usage error', async () => {
    const [root, group, command, unknown, bare] = await Promise.all([
      sgw(['--help']),
      sgw(['secrets-manager', '--help']),
      sgw(['secret', 'create', '--help']),
      sgw(['secret', 'frobnicate']),
      sgw(['stack']),
    ]);
    expect(root.code).toBe(0);
    for (const line of [
      'login',
      'stack register',
      'stack describe',
      'secrets-manager register',
      'secrets-manager flavor list',
      'secrets-manager secret register',
      'secrets-manager secret migrate',
      'secret create',
      'secret rename',
      'audit tail',
      'token create',
      'token role',
      'token revoke',
    ])
      expect(root.stdout).toContain(line);
    expect(group.code).toBe(0);
    expect(group.stdout).toMatch(/sgw secrets-manager secret migrate \[NAMES\.\.\.\]/);
    expect(group.stdout).toMatch(/sgw secrets-manager register NAME --flavor F/);
    expect(command.stdout).toMatch(/Usage: sgw secret create NAME/);
    expect(command.stdout).toMatch(/10,240 bytes/);
    expectError(unknown, 'USAGE', /unknown command "sgw secret frobnicate"/);
    expect(unknown.code).toBe(2);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/sgw stack register/);
  });
});

describe('sgw login', () => {
  it('checks the token, stores it with mode 0600 in a 0700 directory, and is used by later commands', async () => {
    const config = path.join(home, 'login-test', 'sgw', 'config.json');
    const env = { HOME: home, SGW_CONFIG: config };
    const bad = await sgw(['login', '--url', url, '--token', 'sgw_not-a-valid-token'], { env });
    expectError(bad, 'UNAUTHENTICATED');
    await expect(stat(config)).rejects.toThrow();

    const ok = await sgw(['login', '--url', `${url}/graphql`, '--token', t.adminToken], { env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`Logged in to ${url} as admin (ADMIN)`);
    expectHidden([ok], [t.adminToken]);
    expect((await stat(config)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(config))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(config, 'utf8'))).toEqual({ url, token: t.adminToken });

    const [list, logout] = [await sgw(['stack', 'list'], { env }), await sgw(['logout'], { env })];
    expect(list.code, list.stderr).toBe(0);
    expect(logout.stdout).toContain('Removed the stored login');
    expectError(await sgw(['stack', 'list'], { env }), 'UNAUTHENTICATED', /sgw login/);
  });

  it('asks for the token (hidden) when --token is omitted, and defaults to ~/.config/sgw/config.json', async () => {
    const ownHome = await mkdtemp(path.join(tmpdir(), 'sgw-cli-login-'));
    try {
      const result = await sgw(['login', '--url', url], {
        env: { HOME: ownHome },
        input: `${t.adminToken}\n`,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('Token: ');
      expectHidden([result], [t.adminToken]);
      const file = path.join(ownHome, '.config', 'sgw', 'config.json');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
      // SGW_URL/SGW_TOKEN take precedence over the file
      const viaEnv = await sgw(['secret', 'list'], {
        env: { HOME: ownHome, SGW_URL: url, SGW_TOKEN: 'sgw_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      });
      expectError(viaEnv, 'UNAUTHENTICATED');
    } finally {
      await rm(ownHome, { recursive: true, force: true });
    }
  });
});

describe('sgw errors', () => {
  it('reports an unreachable gateway with its URL, and gateway errors with their code, on one line', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const reader = await t.tokenFor('cli-reader', 'READER');
    await t.ok(
      'mutation { createSecret(name: "reader-visible", values: {k: "reader-hidden-value"}) { id } }',
    );
    const [unreachable, forbidden, readerList, badScope, badUrl] = await Promise.all([
      sgw(['secret', 'list'], {
        env: { HOME: home, SGW_URL: `http://127.0.0.1:${port}`, SGW_TOKEN: t.adminToken },
      }),
      sgw(['secret', 'get', 'reader-visible'], { env: { HOME: home, SGW_URL: url, SGW_TOKEN: reader } }),
      sgw(['secret', 'list'], { env: { HOME: home, SGW_URL: url, SGW_TOKEN: reader } }),
      sgw(['secret', 'list', '--scope', 'galaxy']),
      sgw(['secret', 'list'], { env: { ...admin, SGW_URL: 'not a url' } }),
    ]);
    expectError(
      unreachable,
      'UNREACHABLE',
      new RegExp(`cannot reach the gateway at http://127.0.0.1:${port}\\n`),
    );
    expectError(forbidden, 'FORBIDDEN');
    expect(readerList.code).toBe(0);
    expect(readerList.stdout).toMatch(/reader-visible/);
    expectHidden([forbidden, readerList], ['reader-hidden-value']);
    expectError(badScope, 'USAGE', /--scope must be workspace or user/);
    expectError(badUrl, 'CONFIG', /invalid gateway URL/);
  });
});

describe('sgw stack, secrets-manager and flavor commands', () => {
  it('registers, lists, describes, activates and deletes', async () => {
    await t.ok(
      'mutation { registerComponent(type: ORCHESTRATOR, name: "orch1", flavor: "local", configuration: {}) { component { id } } }',
    );
    const [flavors, local, aws, missing, vault] = await Promise.all([
      sgw(['secrets-manager', 'flavor', 'list']),
      sgw(['secrets-manager', 'register', 'sm-local', '--flavor', 'local']),
      sgw([
        'secrets-manager',
        'register',
        'sm-aws',
        '--flavor',
        'aws',
        '--scope',
        'namespace',
        '--namespace',
        'team',
        '--region_name=eu-west-1',
      ]),
      sgw(['secrets-manager', 'register', 'sm-broken', '--flavor', 'aws']),
      sgw([
        'secrets-manager',
        'register',
        'sm-vault',
        '-f',
        'vault',
        '--url=http://127.0.0.1:1',
        '--token=plain-vault-token-value',
      ]),
    ]);
    expect(flavors.stdout).toMatch(/^FLAVOR\s+INTEGRATION\s+SCOPING\s+FIELDS/);
    expect(flavors.stdout).toMatch(/^aws\s+aws\s+yes\s+region_name\*/m);
    expect(flavors.stdout).toMatch(/^local\s+built-in\s+no/m);
    expect(local.code, local.stderr).toBe(0);
    expect(local.stdout).toContain('Registered secrets manager sm-local (flavor local, scope none).');
    expect(aws.stdout).toContain('(flavor aws, scope namespace)');
    expectError(missing, 'BAD_USER_INPUT', /configuration\.region_name: required/);
    expect(vault.code, vault.stderr).toBe(0);

    const [list, describeAws, describeVault, json, wrongType, noManager, registered, second] =
      await Promise.all([
        sgw(['secrets-manager', 'list']),
        sgw(['secrets-manager', 'describe', 'sm-aws']),
        sgw(['secrets-manager', 'describe', 'sm-vault']),
        sgw(['-o', 'json', 'secrets-manager', 'describe', 'sm-aws']),
        sgw(['stack', 'register', 'bad', '-x', 'orch1']),
        sgw(['stack', 'register', 'bad', '-o', 'orch1']),
        sgw(['stack', 'register', 'st1', '-x', 'sm-local', '-o', 'orch1', '--set']),
        sgw(['stack', 'register', 'st2', '-x', 'sm-aws', '--output', 'json']),
      ]);
    expect(list.stdout).toMatch(/^ACTIVE\s+NAME\s+FLAVOR\s+SCOPE\s+NAMESPACE/);
    expect(list.stdout).toMatch(/sm-aws\s+aws\s+namespace\s+team/);
    expect(describeAws.stdout).toMatch(/region_name\s+eu-west-1/);
    expect(describeVault.stdout).toMatch(/token\s+\*+/);
    expectHidden([vault, describeVault], ['plain-vault-token-value']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      name: 'sm-aws',
      flavor: 'aws',
      configuration: { region_name: 'eu-west-1', scope: 'namespace', namespace: 'team' },
    });

    expectError(wrongType, 'BAD_USER_INPUT', /no SECRETS_MANAGER component named "orch1"/);
    expectError(noManager, 'USAGE', /-x SECRETS_MANAGER/);
    expect(registered.code, registered.stderr).toBe(0);
    expect(registered.stdout).toContain('Registered stack st1 (active).');
    expect(JSON.parse(second.stdout)).toMatchObject({ name: 'st2', isActive: false });

    const [stacks, active, named, absent] = await Promise.all([
      sgw(['stack', 'list']),
      sgw(['stack', 'describe']),
      sgw(['stack', 'describe', 'st2']),
      sgw(['stack', 'describe', 'nope']),
    ]);
    expect(stacks.stdout).toMatch(/^ACTIVE\s+NAME\s+SECRETS_MANAGER\s+ORCHESTRATOR/);
    expect(stacks.stdout).toMatch(/^\*\s+st1\s+sm-local\s+orch1$/m);
    expect(stacks.stdout).toMatch(/^\s+st2\s+sm-aws$/m);
    expect(active.stdout).toMatch(/^Stack st1 \(active\)/);
    expect(active.stdout).toMatch(/SECRETS_MANAGER\s+sm-local\s+local/);
    expect(active.stdout).toMatch(/ORCHESTRATOR\s+orch1\s+local/);
    expect(named.stdout).toMatch(/^Stack st2\n/);
    expectError(absent, 'NOT_FOUND', /no stack named "nope"/);

    const set = await sgw(['stack', 'set', 'st2']);
    expect(set.stdout).toContain('Active stack: st2');
    const [managers, refused, noAnswer] = await Promise.all([
      sgw(['secrets-manager', 'list']),
      sgw(['stack', 'delete', 'st1'], { input: 'n\n' }),
      sgw(['stack', 'delete', 'st1']),
    ]);
    expect(managers.stdout).toMatch(/^\*\s+sm-aws/m);
    // deletion asks first
    expect(refused.stderr).toContain('Are you sure? [y/N]');
    expectError(refused, 'ABORTED', /not deleted/);
    expectError(noAnswer, 'ABORTED');
    const [confirmed, forced, removed] = await Promise.all([
      sgw(['stack', 'delete', 'st1'], { input: 'y\n' }),
      sgw(['stack', 'delete', 'st2', '-y']),
      sgw(['secrets-manager', 'delete', 'sm-vault'], { input: 'yes\n' }),
    ]);
    expect(confirmed.stdout).toContain('Deleted stack st1.');
    expect(forced.stdout).toContain('Deleted stack st2.');
    expect(forced.stderr).toBe('');
    expect(removed.stdout).toContain('Deleted secrets manager sm-vault.');
    const [gone, stacksLeft] = await Promise.all([
      sgw(['secrets-manager', 'describe', 'sm-vault']),
      sgw(['stack', 'list']),
    ]);
    expectError(gone, 'NOT_FOUND');
    expect(stacksLeft.stdout).toBe('No stacks registered.\n');
  });
});

describe('sgw secret (centralized store)', () => {
  it('creates from --KEY=VALUE, shows values masked before storing, and get shows them', async () => {
    const created = await sgw([
      'secret',
      'create',
      'db',
      '--schema', // -s is the scope since ZenML 0.40 (was the schema here before)
      'basic_auth',
      '--username=alice',
      '--password=pw-created-7f3a',
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(
      /Creating secret db \(workspace scope, schema basic_auth\):\nKEY\s+VALUE\nusername\s+\*\*\*\npassword\s+\*\*\*\n/,
    );
    expect(created.stdout).toContain('Created secret db (workspace scope, version 1).');
    expectHidden([created], ['pw-created-7f3a', 'alice']);

    const [get, list, json, listJson, duplicate, absent] = await Promise.all([
      sgw(['secret', 'get', 'db']),
      sgw(['secret', 'list']),
      sgw(['-o', 'json', 'secret', 'get', 'db']),
      sgw(['secret', 'list', '-o', 'json', '--name', 'db']),
      sgw(['secret', 'create', 'db', '--a=b']),
      sgw(['secret', 'get', 'missing']),
    ]);
    expect(get.stdout).toMatch(
      /^Secret db \(workspace scope, schema basic_auth, version 1, owner admin\)\nKEY\s+VALUE\n/,
    );
    expect(get.stdout).toMatch(/^password\s+pw-created-7f3a$/m);
    expect(get.stdout).toMatch(/^username\s+alice$/m);
    expect(list.stdout).toMatch(/^NAME\s+SCOPE\s+SCHEMA\s+KEYS/);
    expect(list.stdout).toMatch(/^db\s+workspace\s+basic_auth\s+password, username\s+1\s+admin/m);
    expectHidden([list, listJson], ['pw-created-7f3a']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      name: 'db',
      scope: 'WORKSPACE',
      values: { username: 'alice', password: 'pw-created-7f3a' },
    });
    expect(JSON.parse(listJson.stdout)).toEqual([
      expect.objectContaining({ name: 'db', keys: ['password', 'username'] }),
    ]);
    expectError(duplicate, 'ALREADY_EXISTS');
    expectError(absent, 'NOT_FOUND', /no secret named "missing"/);
  });

  it('applies ZenML argument rules: @file with ~, the 10,240-byte limit, @@, identifier keys, -i exclusivity', async () => {
    await mkdir(path.join(home, 'certs'), { recursive: true });
    await writeFile(path.join(home, 'certs', 'ca.pem'), '-----BEGIN CERT-----\nfile-value-91c2\n');
    await writeFile(path.join(home, 'limit.txt'), 'x'.repeat(10_240));
    await writeFile(path.join(home, 'big.txt'), 'y'.repeat(10_241));
    const [fromFile, atLimit, tooBig, noFile, literal, badKey, reserved, nothing, both, flagWithoutValue] =
      await Promise.all([
        sgw(['secret', 'create', 'from-file', '--ca=@~/certs/ca.pem', '--plain=v']),
        sgw(['secret', 'create', 'at-limit', `--blob=@${path.join(home, 'limit.txt')}`]),
        sgw(['secret', 'create', 'too-big', '--blob=@~/big.txt']),
        sgw(['secret', 'create', 'no-file', '--blob=@~/absent.txt']),
        sgw(['secret', 'create', 'literal', '--handle=@@someone']),
        sgw(['secret', 'create', 'bad-key', '--my-key=1']),
        sgw(['secret', 'create', 'reserved', '--name=1']),
        sgw(['secret', 'create', 'nothing']),
        sgw(['secret', 'create', 'both', '-i', '--a=b']),
        sgw(['secret', 'create', 'flag', '--novalue']),
      ]);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(await values('from-file')).toEqual({ ca: '-----BEGIN CERT-----\nfile-value-91c2\n', plain: 'v' });
    expectHidden([fromFile], ['file-value-91c2']);
    expect(atLimit.code, atLimit.stderr).toBe(0);
    expect((await values('at-limit')).blob).toHaveLength(10_240);
    expectError(tooBig, 'BAD_USER_INPUT', /big\.txt is 10241 bytes; .*at most 10240 bytes/);
    expectError(noFile, 'BAD_USER_INPUT', /absent\.txt: no such file/);
    expect(await values('too-big')).toBeUndefined();
    expect(literal.code, literal.stderr).toBe(0);
    expect(await values('literal')).toEqual({ handle: '@someone' });
    expectError(badKey, 'BAD_USER_INPUT', /invalid key "my-key": keys must be identifiers/);
    expectError(reserved, 'BAD_USER_INPUT', /"name": it is reserved/);
    expectError(nothing, 'USAGE', /--KEY=VALUE/);
    expectError(both, 'USAGE', /-i\/--interactive cannot be combined/);
    expectError(flagWithoutValue, 'USAGE', /--novalue needs a value/);
  });

  it('-i prompts per schema key with hidden input (Enter skips optional keys), or loops for arbitrary', async () => {
    const [schema, arbitrary, optional, ended] = await Promise.all([
      sgw(['secret', 'create', 'prompted', '-i', '--schema', 'basic_auth'], {
        input: 'bob-user-5d1e\n\npw-prompted-8e2b\n',
      }),
      sgw(['secret', 'create', 'looped', '-i'], {
        input: 'first_key\nvalue-one-4c7d\ny\nsecond_key\nvalue-two-0a9f\nn\n',
      }),
      sgw(['secret', 'create', 'aws-creds', '-i', '--schema', 'aws'], {
        input: 'AKIA-hidden-1\naws-secret-hidden-2\n\n',
      }),
      sgw(['secret', 'create', 'ended', '-i', '--schema', 'basic_auth'], { input: 'only-user-3b3b\n' }),
    ]);
    expect(schema.code, schema.stderr).toBe(0);
    expect(schema.stderr).toMatch(/username: \npassword: \npassword is required\.\npassword: \n/);
    expect(schema.stdout).toMatch(/username\s+\*\*\*\npassword\s+\*\*\*/);
    expect(await values('prompted')).toEqual({ username: 'bob-user-5d1e', password: 'pw-prompted-8e2b' });

    expect(arbitrary.code, arbitrary.stderr).toBe(0);
    expect(arbitrary.stderr).toMatch(/Key: \nValue for first_key: \nAdd another key\? \[y\/N\] \nKey: /);
    expect(await values('looped')).toEqual({ first_key: 'value-one-4c7d', second_key: 'value-two-0a9f' });

    expect(optional.code, optional.stderr).toBe(0);
    expect(optional.stderr).toContain('aws_session_token (optional, Enter to skip): ');
    expect(await values('aws-creds')).toEqual({
      aws_access_key_id: 'AKIA-hidden-1',
      aws_secret_access_key: 'aws-secret-hidden-2',
    });
    expectError(ended, 'ABORTED', /input ended/);
    expectHidden(
      [schema, arbitrary, optional, ended],
      [
        'bob-user-5d1e',
        'pw-prompted-8e2b',
        'value-one-4c7d',
        'value-two-0a9f',
        'AKIA-hidden-1',
        'aws-secret-hidden-2',
        'only-user-3b3b',
      ],
    );
  });

  it('updates (merge, -i keeping keys, --remove-key, --replace), renames, scopes and deletes with confirmation', async () => {
    await t.ok(
      'mutation { createSecret(name: "upd", schema: "basic_auth", values: {username: "u1", password: "p1"}) { id } }',
    );
    await t.ok('mutation { createSecret(name: "arb", values: {a: "1", b: "2", c: "3"}) { id } }');
    const arbitraryChanges = async () => {
      const merged = await sgw(['secret', 'update', 'arb', '--d=4', '--remove-key', 'a']);
      expect(merged.code, merged.stderr).toBe(0);
      expect(merged.stdout).toMatch(/a\s+\(removed\)/);
      expect(await values('arb')).toEqual({ b: '2', c: '3', d: '4' });
      expect((await sgw(['secret', 'update', 'arb', '--only=x', '--replace'])).code).toBe(0);
      expect(await values('arb')).toEqual({ only: 'x' });
      const more = await sgw(['secret', 'update', 'arb', '-i'], { input: '\ny\nextra\nextra-v\nn\n' });
      expect(more.code, more.stderr).toBe(0);
      expect(await values('arb')).toEqual({ only: 'x', extra: 'extra-v' });
      const unchanged = await sgw(['secret', 'update', 'arb', '-i'], { input: '\n\nn\n' });
      expect(unchanged.stdout).toContain('Nothing changed');
    };
    const renameAndScopes = async () => {
      const interactive = await sgw(['secret', 'update', 'upd', '-i'], { input: 'pw-updated-6f6f\n\n' });
      expect(interactive.code, interactive.stderr).toBe(0);
      expect(interactive.stderr).toMatch(
        /password \(Enter keeps the current value\): \nusername \(Enter keeps/,
      );
      expect(interactive.stdout).toMatch(/Updating secret upd:\nKEY\s+VALUE\npassword\s+\*\*\*\n/);
      expect(interactive.stdout).toContain('version 2');
      expectHidden([interactive], ['pw-updated-6f6f']);
      expect(await values('upd')).toEqual({ username: 'u1', password: 'pw-updated-6f6f' });
      const [userScoped, renamed] = await Promise.all([
        sgw(['secret', 'create', 'mine', '--scope', 'user', '--tok=user-scoped-9d9d']),
        sgw(['secret', 'rename', 'upd', 'upd-renamed']),
      ]);
      expect(userScoped.stdout).toContain('Created secret mine (user scope, version 1).');
      expect(renamed.stdout).toContain('Renamed secret upd to upd-renamed.');
      const [userGet, workspaceGet, userList] = await Promise.all([
        sgw(['secret', 'get', 'mine', '--scope', 'user']),
        sgw(['secret', 'get', 'mine', '--scope', 'workspace']),
        sgw(['secret', 'list', '--scope', 'user']),
      ]);
      expect(userGet.stdout).toMatch(/^tok\s+user-scoped-9d9d$/m);
      expectError(workspaceGet, 'NOT_FOUND', /in the workspace scope/);
      expect(userList.stdout).toMatch(/^mine\s+user/m);
      expect(userList.stdout).not.toMatch(/^db\s/m);
    };
    await Promise.all([arbitraryChanges(), renameAndScopes()]);

    const refused = await sgw(['secret', 'delete', 'upd-renamed'], { input: 'n\n' });
    expect(refused.stderr).toContain('Deleting secret "upd-renamed" (workspace scope). Are you sure? [y/N]');
    expectError(refused, 'ABORTED');
    expect(await values('upd-renamed')).toBeDefined();
    const [confirmed, forced, absent] = await Promise.all([
      sgw(['secret', 'delete', 'upd-renamed'], { input: 'y\n' }),
      sgw(['secret', 'delete', 'mine', '--scope', 'user', '-y']),
      sgw(['secret', 'delete', 'never-was', '-y']),
    ]);
    expect(confirmed.stdout).toContain('Deleted secret upd-renamed.');
    expect(forced.stdout).toContain('Deleted secret mine.');
    expectError(absent, 'NOT_FOUND');
    expect(await values('upd-renamed')).toBeUndefined();
    expect(await values('mine', 'USER')).toBeUndefined();
  });

  it.runIf(hasScript)('on a terminal, hidden input is not echoed and confirmations work', async () => {
    const created = await runCliInTerminal(
      ['secret', 'create', 'tty-secret', '-i', '--schema', 'basic_auth'],
      [
        { expect: /username: $/, send: 'tty-user-2e2e\r' },
        { expect: /password: $/, send: 'tty-pw-x\u007fhidden-7c7c\r' },
      ],
      { env: admin },
    );
    expect(created.code, created.output).toBe(0);
    expect(created.output).toMatch(/password\s+\*\*\*/);
    expect(created.output).not.toContain('tty-user-2e2e');
    expect(created.output).not.toContain('hidden-7c7c');
    expect(await values('tty-secret')).toEqual({ username: 'tty-user-2e2e', password: 'tty-pw-hidden-7c7c' });

    const deleted = await runCliInTerminal(
      ['secret', 'delete', 'tty-secret'],
      [{ expect: /Are you sure\? \[y\/N\] $/, send: 'y\r' }],
      { env: admin },
    );
    expect(deleted.code, deleted.output).toBe(0);
    expect(deleted.output).toMatch(/\[y\/N\] y\r?\n/); // visible answers are echoed
    expect(await values('tty-secret')).toBeUndefined();
  });
});

describe('sgw audit tail', () => {
  it('prints the latest events, filters by action, resumes after an id, and -o json', async () => {
    await t.ok('mutation { createSecret(name: "audited", values: {k: "audit-hidden-value"}) { id } }');
    const auditor = await t.tokenFor('cli-auditor', 'AUDITOR');
    const env = { HOME: home, SGW_URL: url, SGW_TOKEN: auditor };
    const [latest, creates, json, writerDenied] = await Promise.all([
      sgw(['audit', 'tail', '-n', '3'], { env }),
      sgw(['audit', 'tail', '--action', 'secret.create', '-n', '1000'], { env }),
      sgw(['-o', 'json', 'audit', 'tail', '-n', '5'], { env }),
      sgw(['audit', 'tail'], { env: { ...env, SGW_TOKEN: await t.tokenFor('cli-writer', 'WRITER') } }),
    ]);
    expect(latest.code, latest.stderr).toBe(0);
    expect(latest.stdout.trim().split('\n')).toHaveLength(3);
    const createLines = creates.stdout.trim().split('\n');
    expect(
      createLines.every((line) => /^\s*\d+\s+\S+Z\s+\S+\s+secret\.create\s+SUCCESS\s+\S+$/.test(line)),
    ).toBe(true);
    expect(createLines.at(-1)).toMatch(/^\s*\d+\s+\S+\s+admin\s+secret\.create\s+SUCCESS\s+audited$/);
    const events = JSON.parse(json.stdout);
    expect(events).toHaveLength(5);
    expect(Number(events[4].id)).toBeGreaterThan(Number(events[0].id));
    expectError(writerDenied, 'FORBIDDEN');
    expectHidden([latest, creates, json], ['audit-hidden-value']);

    const cursor = createLines.at(-2)!.trim().split(/\s+/)[0];
    const after = await sgw(['audit', 'tail', '--after', cursor, '--action', 'secret.create'], { env });
    expect(after.stdout.trim()).toBe(createLines.at(-1)!.trim());
  });

  it('--follow prints an event caused by another client within a second', async () => {
    const auditor = await t.tokenFor('cli-follower', 'AUDITOR');
    const follower = startCli(['audit', 'tail', '--follow', '-n', '1', '--action', 'secret.create'], {
      env: { HOME: home, SGW_URL: url, SGW_TOKEN: auditor },
    });
    try {
      await follower.waitFor(/Following the audit log/, 'stderr', 15_000);
      const before = Date.now();
      await t.ok('mutation { createSecret(name: "followed-live", values: {k: "v"}) { id } }');
      await follower.waitFor(/secret\.create\s+SUCCESS\s+followed-live\n/, 'stdout', 1_000);
      expect(Date.now() - before).toBeLessThan(1_000);
      await t.ok('mutation { createSecret(name: "followed-second", values: {k: "v"}) { id } }');
      await follower.waitFor(/followed-second\n/, 'stdout', 1_000);
      expect(follower.stdout()).not.toMatch(/secret\.read/);
    } finally {
      expect(await follower.stop('SIGINT')).toBe(0);
    }
  });
});

describe('sgw token', () => {
  it('creates a token (printed once) that works, and revokes it', async () => {
    const created = await sgw(['token', 'create', 'cli-bot', '--role', 'reader']);
    expect(created.code, created.stderr).toBe(0);
    const [header, token] = created.stdout.trim().split('\n');
    expect(header).toMatch(/^Token \S+ for cli-bot \(READER\); it is shown only once:$/);
    expect(token).toMatch(/^sgw_[A-Za-z0-9_-]{43}$/);
    const id = header.split(' ')[1];
    const env = { HOME: home, SGW_URL: url, SGW_TOKEN: token };
    const [asBot, denied, json] = await Promise.all([
      sgw(['secret', 'list'], { env }),
      sgw(['token', 'create', 'evil', '--role', 'ADMIN'], { env }),
      sgw(['-o', 'json', 'token', 'create', 'cli-bot2', '--role', 'AUDITOR']),
    ]);
    expect(asBot.code, asBot.stderr).toBe(0);
    expectError(denied, 'FORBIDDEN');
    expect(JSON.parse(json.stdout)).toMatchObject({ principal: { name: 'cli-bot2', role: 'AUDITOR' } });
    expectError(await sgw(['token', 'create', 'x', '--role', 'god']), 'USAGE', /--role must be one of/);

    const revoked = await sgw(['token', 'revoke', id]);
    expect(revoked.stdout).toContain(`Revoked token ${id}.`);
    expectError(await sgw(['secret', 'list'], { env }), 'UNAUTHENTICATED');
    expectError(await sgw(['token', 'revoke', id]), 'NOT_FOUND');
  });

  it('changes a role only with token role; token create never does, nor demotes the last admin', async () => {
    const created = await sgw(['-o', 'json', 'token', 'create', 'cli-role', '--role', 'WRITER']);
    const { token } = JSON.parse(created.stdout);
    expectError(
      await sgw(['token', 'create', 'cli-role', '--role', 'ADMIN']),
      'CONFLICT',
      /token role|setPrincipalRole/,
    );
    const changed = await sgw(['token', 'role', 'cli-role', '--role', 'reader']);
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toContain('cli-role is now READER.');
    expect((await t.ok('{ viewer { role } }', {}, token)).viewer.role).toBe('READER');
    expectError(await sgw(['token', 'role', 'admin', '--role', 'READER']), 'CONFLICT', /last ADMIN/);
    expectError(await sgw(['token', 'role', 'cli-role']), 'USAGE', /missing --role/);
  });
});
