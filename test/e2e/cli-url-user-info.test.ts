import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../helpers/cli.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const USER = 'proxy-user-canary';
const PASSWORD = 'proxy-password-canary';

let t: TestGateway;
let url: URL;
let home: string;

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `base` with the canary user name and password in it. */
function withUserInfo(base: string): string {
  const withCredentials = new URL(base);
  withCredentials.username = USER;
  withCredentials.password = PASSWORD;
  return withCredentials.toString();
}

function expectNoUserInfo(results: CliResult[]): void {
  for (const result of results) {
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
    expect(result.stdout + result.stderr).not.toContain(USER);
  }
}

beforeAll(async () => {
  t = await startTestGateway();
  url = new URL((await t.listen()).url);
  home = await mkdtemp(path.join(tmpdir(), 'sgw-cli-userinfo-'));
});
afterAll(async () => {
  await t?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('the CLI never prints a URL user name and password', () => {
  it('leaves them out of errors: unreachable, refused token, invalid URLs', async () => {
    const unreachableUrl = withUserInfo(`http://127.0.0.1:${await closedPort()}`);
    const [unreachable, unauthenticated, invalid, noScheme, notHttp] = await Promise.all([
      runCli(['secret', 'list'], { env: { HOME: home, SGW_URL: unreachableUrl, SGW_TOKEN: t.adminToken } }),
      runCli(['secret', 'list'], { env: { HOME: home, SGW_URL: withUserInfo(url.toString()) } }),
      runCli(['secret', 'list'], {
        env: { HOME: home, SGW_URL: `http://${USER}:${PASSWORD}@[bad`, SGW_TOKEN: t.adminToken },
      }),
      runCli(['secret', 'list'], {
        env: { HOME: home, SGW_URL: `${USER}:${PASSWORD}@${url.host}`, SGW_TOKEN: t.adminToken },
      }),
      runCli(['secret', 'list'], {
        env: { HOME: home, SGW_URL: `ftp://${USER}:${PASSWORD}@${url.host}`, SGW_TOKEN: t.adminToken },
      }),
    ]);
    expect(unreachable.stderr).toMatch(
      /^Error \[UNREACHABLE\]: cannot reach the gateway at http:\/\/127\.0\.0\.1:/,
    );
    expect(unauthenticated.stderr).toMatch(/^Error \[UNAUTHENTICATED\]: no token for http:\/\/127\.0\.0\.1:/);
    for (const result of [invalid, noScheme, notHttp])
      expect(result.stderr).toMatch(/^Error \[CONFIG\]: invalid gateway URL/);
    expectNoUserInfo([unreachable, unauthenticated, invalid, noScheme, notHttp]);
  });

  it('leaves them out of what sgw login prints and stores, and of a stored login from before', async () => {
    const config = path.join(home, 'config.json');
    const login = await runCli(['login', '--url', withUserInfo(url.toString()), '--token', t.adminToken], {
      env: { HOME: home, SGW_CONFIG: config },
    });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toMatch(/^Logged in to http:\/\/127\.0\.0\.1:/);
    expect(await readFile(config, 'utf8')).not.toContain(PASSWORD);
    // A login stored by an earlier version, with the user-info in its URL.
    await writeFile(config, JSON.stringify({ url: withUserInfo(url.toString()), token: 'sgw_stale' }), {
      mode: 0o600,
    });
    const stale = await runCli(['secret', 'list'], { env: { HOME: home, SGW_CONFIG: config } });
    expect(stale.code).not.toBe(0);
    expectNoUserInfo([login, stale]);
  });
});
