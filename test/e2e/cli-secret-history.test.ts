import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../helpers/cli.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

// The real `sgw` (dist/, `npm run build` first) against a real gateway: history, get --version,
// rollback, restore, purge and deleted.

let t: TestGateway;
let url: string;
let home: string;
let admin: Record<string, string>;
let reader: Record<string, string>;

beforeAll(async () => {
  t = await startTestGateway();
  ({ url } = await t.listen());
  home = await mkdtemp(path.join(tmpdir(), 'sgw-cli-history-'));
  admin = { HOME: home, SGW_URL: url, SGW_TOKEN: t.adminToken };
  reader = { HOME: home, SGW_URL: url, SGW_TOKEN: await t.tokenFor('history-reader', 'READER') };
});

afterAll(async () => {
  await t?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

function sgw(args: string[], options: { env?: Record<string, string>; input?: string } = {}) {
  return runCli(args, { env: options.env ?? admin, input: options.input });
}

async function ok(args: string[], options: { env?: Record<string, string>; input?: string } = {}) {
  const result = await sgw(args, options);
  expect(result.code, `sgw ${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result;
}

/** One stderr line `Error [CODE]: …` and a non-zero exit status. */
function expectError(result: CliResult, code: string, message?: RegExp) {
  expect(result.code, result.stderr).not.toBe(0);
  expect(result.stderr).toMatch(new RegExp(`(^|\\n)Error \\[${code}\\]: [^\\n]+\\n$`));
  if (message) expect(result.stderr).toMatch(message);
}

function expectHidden(results: CliResult[], canaries: string[]) {
  for (const result of results)
    for (const canary of canaries) {
      expect(result.stdout).not.toContain(canary);
      expect(result.stderr).not.toContain(canary);
    }
}

/** The data rows of a table (after its header), split on runs of two or more spaces. */
function rows(stdout: string, header: RegExp): string[][] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => header.test(line));
  expect(start, stdout).toBeGreaterThanOrEqual(0);
  return lines
    .slice(start + 1)
    .filter(Boolean)
    .map((line) => line.split(/ {2,}/));
}

describe('sgw secret history, get --version and rollback', () => {
  const canaries = ['hist-canary-p1', 'hist-canary-p2', 'hist-canary-h3'];

  beforeAll(async () => {
    await ok(['secret', 'create', 'hist-db', '--user=app', `--password=${canaries[0]}`]);
    await ok(['secret', 'update', 'hist-db', `--password=${canaries[1]}`]);
    await ok(['secret', 'update', 'hist-db', `--host=${canaries[2]}`]);
  });

  it('lists every version newest first, with actor, keys and changed keys; -o json gives the same', async () => {
    const [table, json] = await Promise.all([
      ok(['secret', 'history', 'hist-db']),
      ok(['-o', 'json', 'secret', 'history', 'hist-db', '--scope', 'workspace']),
    ]);
    expect(table.stdout).toMatch(/^Secret hist-db \(workspace scope\):\n/);
    const listed = rows(table.stdout, /^VERSION\s+CREATED\s+ACTOR\s+KEYS\s+CHANGED KEYS$/);
    expect(listed.map((row) => row[0])).toEqual(['3', '2', '1']);
    expect(listed[0].slice(2)).toEqual(['admin', 'host, password, user', 'host']);
    expect(listed[1].slice(2)).toEqual(['admin', 'password, user', 'password']);
    expect(Number.isNaN(Date.parse(listed[2][1]))).toBe(false);

    const versions = JSON.parse(json.stdout);
    expect(versions.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    expect(Object.keys(versions[0]).sort()).toEqual(['actor', 'changedKeys', 'createdAt', 'keys', 'version']);
    expect(versions[1]).toMatchObject({ actor: 'admin', changedKeys: ['password'] });
    expect([...versions[1].keys].sort()).toEqual(['password', 'user']);
    expectHidden([table, json], canaries);
  });

  it('get --version shows that version’s values; without it the current ones, as before', async () => {
    const [old, oldJson, current] = await Promise.all([
      ok(['secret', 'get', 'hist-db', '--version', '1']),
      ok(['secret', 'get', 'hist-db', '--version=2', '-o', 'json']),
      ok(['secret', 'get', 'hist-db']),
    ]);
    expect(old.stdout).toMatch(
      /^Secret hist-db \(workspace scope, schema arbitrary, version 1 of 3, owner admin\)\n/,
    );
    expect(rows(old.stdout, /^KEY\s+VALUE$/)).toEqual([
      ['password', canaries[0]],
      ['user', 'app'],
    ]);
    const data = JSON.parse(oldJson.stdout);
    expect(data).toMatchObject({ name: 'hist-db', version: 3, valuesVersion: 2 });
    expect(data.values).toEqual({ user: 'app', password: canaries[1] });
    expect(current.stdout).toMatch(
      /^Secret hist-db \(workspace scope, schema arbitrary, version 3, owner admin\)\n/,
    );
    expect(rows(current.stdout, /^KEY\s+VALUE$/)).toContainEqual(['host', canaries[2]]);
  });

  it('refuses an unknown version (NOT_FOUND), a malformed one (usage) and a READER (FORBIDDEN)', async () => {
    const [unknown, malformed, zero, forbidden, missing] = await Promise.all([
      sgw(['secret', 'get', 'hist-db', '--version', '99']),
      sgw(['secret', 'get', 'hist-db', '--version', 'latest']),
      sgw(['secret', 'rollback', 'hist-db', '--version', '0']),
      sgw(['secret', 'get', 'hist-db', '--version', '1'], { env: reader }),
      sgw(['secret', 'history', 'no-such-secret']),
    ]);
    expectError(unknown, 'NOT_FOUND');
    expectError(malformed, 'USAGE', /--version takes a version number/);
    expect(malformed.code).toBe(2);
    expectError(zero, 'USAGE');
    expectError(forbidden, 'FORBIDDEN');
    expectError(missing, 'NOT_FOUND', /no secret named "no-such-secret"/);
    expectHidden([unknown, forbidden], canaries);
  });

  it('rolls back to an old version as a new one, honouring --expected-version', async () => {
    const rolled = await ok(['secret', 'rollback', 'hist-db', '--version', '1']);
    expect(rolled.stdout).toBe(
      'Rolled back secret hist-db to the values of version 1: new version 4 (workspace scope).\n',
    );
    const values = await t.ok('{ secret(name: "hist-db") { values } }');
    expect(values.secret.values).toEqual({ user: 'app', password: canaries[0] });

    const stale = await sgw(['secret', 'rollback', 'hist-db', '--version', '2', '--expected-version', '3']);
    expectError(stale, 'CONFLICT');
    const fresh = await ok([
      'secret',
      'rollback',
      'hist-db',
      '--version',
      '2',
      '--expected-version',
      '4',
      '-o',
      'json',
    ]);
    expect(JSON.parse(fresh.stdout)).toMatchObject({ name: 'hist-db', version: 5 });
    const history = JSON.parse((await ok(['secret', 'history', 'hist-db', '-o', 'json'])).stdout);
    expect(history.map((v: { version: number }) => v.version).slice(0, 3)).toEqual([5, 4, 3]);

    expectError(await sgw(['secret', 'rollback', 'hist-db']), 'USAGE', /--version N is missing/);
    expectError(await sgw(['secret', 'rollback', 'hist-db', '--version', '1'], { env: reader }), 'FORBIDDEN');
    expectHidden([rolled, stale, fresh], canaries);
  });

  it('takes --scope: a USER secret has its own history', async () => {
    await ok(['secret', 'create', 'hist-mine', '-s', 'user', '--k=v1']);
    await ok(['secret', 'update', 'hist-mine', '--scope', 'user', '--k=v2']);
    const [mine, elsewhere] = await Promise.all([
      ok(['secret', 'history', 'hist-mine', '-s', 'user', '-o', 'json']),
      sgw(['secret', 'history', 'hist-mine', '--scope', 'workspace']),
    ]);
    expect(JSON.parse(mine.stdout).map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expectError(elsewhere, 'NOT_FOUND', /in the workspace scope/);
  });
});

describe('sgw secret deleted, restore and purge', () => {
  const canary = 'recovery-canary-value';

  it('lists a deleted secret and restores it with its values', async () => {
    await ok(['secret', 'create', 'rec-one', `--token=${canary}`]);
    await ok(['secret', 'update', 'rec-one', '--extra=x']);
    await ok(['secret', 'delete', 'rec-one', '-y']);
    const [table, json] = await Promise.all([
      ok(['secret', 'deleted']),
      ok(['secret', 'deleted', '--scope', 'workspace', '-o', 'json']),
    ]);
    const listed = rows(table.stdout, /^NAME\s+SCOPE\s+VERSION\s+KEYS\s+DELETED\s+PURGE AT$/);
    expect(listed.find((row) => row[0] === 'rec-one')?.slice(1, 4)).toEqual([
      'workspace',
      '2',
      'extra, token',
    ]);
    const entry = JSON.parse(json.stdout).find((s: { name: string }) => s.name === 'rec-one');
    expect(entry).toMatchObject({ scope: 'WORKSPACE', version: 2 });
    expect([...entry.keys].sort()).toEqual(['extra', 'token']);
    expect(Date.parse(entry.purgeAt)).toBeGreaterThan(Date.parse(entry.deletedAt));

    const restored = await ok(['secret', 'restore', 'rec-one']);
    expect(restored.stdout).toBe('Restored secret rec-one (workspace scope, version 2).\n');
    const values = await t.ok('{ secret(name: "rec-one") { values } }');
    expect(values.secret.values).toEqual({ token: canary, extra: 'x' });
    expect((await ok(['secret', 'deleted'])).stdout).not.toMatch(/rec-one/);
    expectHidden([table, json, restored], [canary]);
  });

  it('purges only when confirmed (or -y), only as ADMIN, and then nothing can be restored', async () => {
    await ok(['secret', 'create', 'rec-two', `--token=${canary}`]);
    await ok(['secret', 'delete', 'rec-two', '-y']);

    const refused = await sgw(['secret', 'purge', 'rec-two'], { input: 'n\n' });
    expectError(
      refused,
      'ABORTED',
      /deleted secret "rec-two" \(workspace scope, version 1\) for good was not purged/,
    );
    expect(refused.stderr).toMatch(/Purging deleted secret "rec-two" .*Are you sure\? \[y\/N\]/);
    const forbidden = await sgw(['secret', 'purge', 'rec-two', '-y'], { env: reader });
    expectError(forbidden, 'FORBIDDEN');
    expect((await ok(['secret', 'deleted'])).stdout).toMatch(/rec-two/);

    const purged = await ok(['secret', 'purge', 'rec-two', '--scope', 'workspace'], { input: 'y\n' });
    expect(purged.stdout).toBe('Purged secret rec-two.\n');
    expect((await ok(['secret', 'deleted'])).stdout).not.toMatch(/rec-two/);
    expectError(await sgw(['secret', 'restore', 'rec-two']), 'NOT_FOUND');
    expectError(
      await sgw(['secret', 'purge', 'rec-two', '-y']),
      'NOT_FOUND',
      /no deleted secret named "rec-two"/,
    );

    await ok(['secret', 'create', 'rec-three', '--k=v']);
    await ok(['secret', 'delete', 'rec-three', '-y']);
    const quiet = await ok(['secret', 'purge', 'rec-three', '-y', '-o', 'json']);
    expect(JSON.parse(quiet.stdout)).toEqual({ purgeSecret: true });
    expectHidden([refused, forbidden, purged, quiet], [canary]);
  });

  it('shows every new command in help', async () => {
    const group = await ok(['secret', '--help']);
    for (const usage of [
      'sgw secret history NAME',
      'sgw secret get NAME [-s|--scope workspace|user] [--version N]',
      'sgw secret rollback NAME --version N [--expected-version M]',
      'sgw secret restore NAME',
      'sgw secret purge NAME',
      'sgw secret deleted',
      'sgw secret watch [NAMES...] [--after ID]',
    ])
      expect(group.stdout).toContain(usage);
    const purge = await ok(['secret', 'purge', '--help']);
    expect(purge.stdout).toMatch(/-y, --yes\s+do not ask for confirmation/);
  });
});
