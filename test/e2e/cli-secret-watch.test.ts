import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCli, runCli, startCli } from '../helpers/cli.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

// `sgw secret watch` as a real process against a real gateway: changes made over GraphQL while
// it runs, -o json lines, --after, a dropped stream resumed, and how it ends.

let t: TestGateway;
let url: string;
let home: string;
let admin: Record<string, string>;
let proxy: TcpProxy;
const running: RunningCli[] = [];
const CANARY = 'watch-canary-value';

const CHANGE_KEYS = [
  'action',
  'actor',
  'at',
  'changedKeys',
  'id',
  'name',
  'referencedBy',
  'scope',
  'version',
].sort();

beforeAll(async () => {
  t = await startTestGateway();
  ({ url } = await t.listen());
  proxy = await startTcpProxy(url);
  home = await mkdtemp(path.join(tmpdir(), 'sgw-cli-watch-'));
  admin = { HOME: home, SGW_URL: url, SGW_TOKEN: t.adminToken };
  // Who references w-db: an artifact store on a stack; its changes name them.
  await t.ok(
    'mutation { registerComponent(type: ORCHESTRATOR, name: "w-orch", flavor: "local", configuration: {}) { component { id } } }',
  );
  await t.ok(
    'mutation { registerComponent(type: ARTIFACT_STORE, name: "w-as", flavor: "local", configuration: {path: "{{w-db.path}}"}) { component { id } } }',
  );
  await t.ok('mutation { registerStack(name: "w-prod", components: ["w-orch", "w-as"]) { id } }');
});

afterAll(async () => {
  await Promise.all(running.map((cli) => cli.stop('SIGKILL')));
  await proxy?.close();
  await t?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

/** Starts `sgw secret watch …` and waits until its subscription is open. */
async function watch(args: string[], env = admin): Promise<RunningCli> {
  const cli = startCli(['secret', 'watch', ...args], { env });
  running.push(cli);
  await cli.waitFor(/Watching .*Ctrl-C stops\.\n/, 'stderr', 15_000);
  return cli;
}

/** The JSON lines printed so far, once there are at least `count`. */
async function jsonLines(cli: RunningCli, count: number, timeoutMs = 5_000) {
  await cli.waitFor((text) => text.split('\n').filter(Boolean).length >= count, 'stdout', timeoutMs);
  return cli
    .stdout()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

describe('sgw secret watch', () => {
  let changeIds: string[] = [];

  it('-o json prints one SecretChange object per line as changes happen, only for the names given', async () => {
    const cli = await watch(['w-db', '-o', 'json']);
    await t.ok(`mutation { createSecret(name: "w-db", values: {path: "${CANARY}", user: "u"}) { id } }`);
    await t.ok('mutation { createSecret(name: "w-other", values: {k: "v"}) { id } }');
    await t.ok(`mutation { updateSecret(name: "w-db", values: {path: "${CANARY}-2"}) { id } }`);
    await t.ok('mutation { rollbackSecret(name: "w-db", version: 1) { id } }');
    await t.ok('mutation { deleteSecret(name: "w-db") }');
    await t.ok('mutation { restoreSecret(name: "w-db") { id } }');
    const changes = await jsonLines(cli, 5);
    expect(changes.map((c) => c.action)).toEqual([
      'CREATED',
      'UPDATED',
      'ROLLED_BACK',
      'DELETED',
      'RESTORED',
    ]);
    for (const change of changes) {
      expect(Object.keys(change).sort()).toEqual(CHANGE_KEYS);
      expect(change).toMatchObject({ name: 'w-db', scope: 'WORKSPACE', actor: 'admin' });
    }
    expect(changes[1]).toMatchObject({ version: 2, changedKeys: ['path'] });
    expect(changes[2]).toMatchObject({ version: 3 });
    expect(changes[1].referencedBy).toEqual([
      {
        component: { name: 'w-as', type: 'ARTIFACT_STORE', flavor: 'local' },
        field: 'path',
        key: 'path',
        stacks: [{ name: 'w-prod' }],
      },
    ]);
    const ids = changes.map((c) => BigInt(c.id));
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : 1)));
    changeIds = changes.map((c) => c.id);
    expect(await cli.stop('SIGINT')).toBe(0);
    expect(cli.stdout() + cli.stderr()).not.toContain(CANARY);
    expect(cli.stdout()).not.toMatch(/w-other/);
  });

  it('prints one line per change for people, naming who references the secret', async () => {
    const cli = await watch([]);
    await t.ok('mutation { updateSecret(name: "w-db", values: {user: "u2"}) { id } }');
    await cli.waitFor(/\n$/, 'stdout');
    expect(cli.stdout()).toMatch(
      /^ *\d+ {2}\S+ +admin +UPDATED +w-db \(workspace\) {2}version \d+ {2}keys: user {2}used by: w-as\.path \(\{\{w-db\.path\}\}; stacks w-prod\)\n$/,
    );
    expect(await cli.stop('SIGINT')).toBe(0);
    expect(cli.stderr()).toMatch(/Watching every secret you may see; Ctrl-C stops\./);
  });

  it('--after replays the changes after that id first, then goes on live', async () => {
    const cli = await watch(['w-db', '--after', changeIds[2], '-o', 'json']);
    const replayed = await jsonLines(cli, 3);
    expect(replayed.map((c) => c.id)).toEqual([changeIds[3], changeIds[4], expect.any(String)]);
    await t.ok('mutation { updateSecret(name: "w-db", values: {user: "u3"}) { id } }');
    const all = await jsonLines(cli, 4);
    expect(all[3]).toMatchObject({ action: 'UPDATED', version: all[2].version + 1, changedKeys: ['user'] });
    expect(await cli.stop('SIGTERM')).toBe(0);
  });

  it('reopens a dropped stream after the last change printed: no gap, no duplicate', async () => {
    const env = { ...admin, SGW_URL: proxy.url };
    const cli = await watch(['w-rc', '-o', 'json'], env);
    await t.ok('mutation { createSecret(name: "w-rc", values: {k: "1"}) { id } }');
    await jsonLines(cli, 1);
    expect(proxy.dropConnections()).toBeGreaterThan(0);
    // Made while the watcher is cut off or reconnecting.
    await t.ok('mutation { updateSecret(name: "w-rc", values: {k: "2"}) { id } }');
    await t.ok('mutation { updateSecret(name: "w-rc", values: {k: "3"}) { id } }');
    await cli.waitFor(/Reconnected; resuming after change \d+\./, 'stderr', 10_000);
    await t.ok('mutation { updateSecret(name: "w-rc", values: {k: "4"}) { id } }');
    const changes = await jsonLines(cli, 4);
    expect(changes.map((c) => c.version)).toEqual([1, 2, 3, 4]);
    expect(new Set(changes.map((c) => c.id)).size).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(cli.stdout().split('\n').filter(Boolean)).toHaveLength(4);
    expect(cli.stderr()).toMatch(/reconnecting after change \d+ in 0\.25 s/);
    expect(await cli.stop('SIGINT')).toBe(0);
  });

  it('ends with the server: a revoked token stops it with UNAUTHENTICATED instead of reconnecting', async () => {
    const created = await t.ok('mutation { createToken(principal: "w-watcher", role: READER) { id token } }');
    const cli = await watch([], { ...admin, SGW_TOKEN: created.createToken.token });
    await t.ok('mutation($id: ID!) { revokeToken(id: $id) }', { id: created.createToken.id });
    const code = await Promise.race([
      cli.exited,
      new Promise((resolve) => setTimeout(() => resolve('still running'), 10_000)),
    ]);
    expect(code).toBe(1);
    expect(cli.stderr()).toMatch(/Error \[UNAUTHENTICATED\]: [^\n]+\n$/);
  });

  it('fails at once when the gateway cannot be reached, and refuses a malformed --after', async () => {
    const [unreachable, badAfter] = await Promise.all([
      runCli(['secret', 'watch'], { env: { ...admin, SGW_URL: 'http://127.0.0.1:9' } }),
      runCli(['secret', 'watch', '--after', 'yesterday'], { env: admin }),
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^Error \[UNREACHABLE\]: cannot reach the gateway/);
    expect(badAfter.code).toBe(2);
    expect(badAfter.stderr).toMatch(/Error \[USAGE\]: --after takes a change id/);
  });
});
