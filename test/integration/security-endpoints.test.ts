import { lookup } from 'node:dns/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEndpointPolicy } from '../../src/security/endpoint-policy.js';
import { startVaultKvFake, type VaultKvFake } from '../fakes/vault-kv-fake.js';
import { registerManagerStack, writeManagedSecret } from '../helpers/manager-stack.js';
import { createTestDatabase } from '../helpers/test-database.js';
import { type GraphQLResponse, startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

// SSRF through component endpoints (issue #15, finding 3), reproduced as an outside attacker
// holding a WRITER token: endpoints at metadata, private and loopback addresses; a name that
// resolves to one; back-end bodies echoed in errors or taken as secret values; errors that tell
// open ports from closed ones.

const CANARY = 'canary-body-5d1e9b';
const UPDATE = `mutation($name: String!, $configuration: JSON!) {
  updateComponent(type: SECRETS_MANAGER, name: $name, configuration: $configuration) { component { id } }
}`;
const READ = `query($stack: String!) { managedSecret(name: "db", stack: $stack) { values } }`;

/** An HTTP server answering every request with `status` and `body`; counts the requests. */
async function rawHttpServer(
  status: number,
  body: string,
): Promise<{ url: string; hits: () => number; server: Server }> {
  let hits = 0;
  const server = createHttpServer((request, response) => {
    hits++;
    request.resume();
    response.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, hits: () => hits, server };
}

/** A TCP port that accepts, writes bytes that are no HTTP, and hangs up. */
async function garbagePort(): Promise<{ port: number; server: TcpServer }> {
  const server = createTcpServer((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\nnot http at all\r\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const { port, server } = await garbagePort();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const issuesOf = (response: GraphQLResponse) =>
  response.errors?.[0]?.extensions?.issues as Array<{ path: string; message: string }> | undefined;
const codeOf = (response: GraphQLResponse) => response.errors?.[0]?.extensions?.code;

const vaultConfig = (url: string) => ({ url, token: 'attacker-token' });
const awsConfig = (url: string) => ({
  region_name: 'us-east-1',
  endpoint_url: url,
  aws_access_key_id: 'AKIDATTACKER',
  aws_secret_access_key: 'attacker-secret-key',
});

describe('SSRF: a WRITER points a secrets manager at internal addresses (Postgres, nothing allowed)', () => {
  let t: TestGateway;
  let writer: string;
  beforeAll(async () => {
    // SGW_ALLOWED_ENDPOINTS unset ('' reads as unset): with DATABASE_URL nothing but public addresses.
    t = await startTestGateway({ env: { SGW_ALLOWED_ENDPOINTS: '' } });
    writer = await t.tokenFor('mallory', 'WRITER');
  });
  afterAll(() => t.close());

  it.skipIf(!process.env.DATABASE_URL)(
    'refuses metadata, private and loopback endpoints at registration, naming the field',
    async () => {
      const attempts: Array<[string, Record<string, unknown>, string]> = [
        ['aws', awsConfig('http://169.254.169.254/latest/meta-data/'), 'configuration.endpoint_url'],
        ['aws', awsConfig('http://0xa9fea9fe/'), 'configuration.endpoint_url'],
        ['vault', vaultConfig('http://10.0.0.8:8200'), 'configuration.url'],
        ['vault', vaultConfig('http://127.0.0.1:8200'), 'configuration.url'],
        ['vault', vaultConfig('http://localhost:8200'), 'configuration.url'],
        ['vault', vaultConfig('http://[::ffff:169.254.169.254]/'), 'configuration.url'],
        ['gcp', { project_id: 'p', api_endpoint: '192.168.1.10:443' }, 'configuration.api_endpoint'],
        ['azure', { key_vault_name: 'kv', vault_url: 'https://[fd00:ec2::254]/' }, 'configuration.vault_url'],
        ['vault', vaultConfig('http://metadata.google.internal/'), 'configuration.url'],
      ];
      for (const [flavor, configuration, path] of attempts) {
        const response = await t.gql(
          `mutation($c: JSON!, $f: String!) { registerComponent(type: SECRETS_MANAGER, name: "ssrf", flavor: $f, configuration: $c) { component { id } } }`,
          { c: configuration, f: flavor },
          writer,
        );
        expect(codeOf(response), `${flavor} ${JSON.stringify(configuration)}`).toBe('BAD_USER_INPUT');
        expect(issuesOf(response)?.map((issue) => issue.path)).toContain(path);
        expect(issuesOf(response)?.find((issue) => issue.path === path)?.message).toMatch(
          /SGW_ALLOWED_ENDPOINTS/,
        );
      }
    },
  );

  it('refuses an update that moves an endpoint to the metadata service', async () => {
    expect(
      (await registerManagerStack(t, 'public-vault', 'vault', vaultConfig('https://vault.example.com')))
        .errors,
    ).toBeUndefined();
    const moved = await t.gql(
      UPDATE,
      { name: 'public-vault', configuration: { url: 'http://169.254.169.254/', token: 'attacker-token' } },
      writer,
    );
    expect(codeOf(moved)).toBe('BAD_USER_INPUT');
    expect(issuesOf(moved)?.[0]).toMatchObject({
      path: 'configuration.url',
      message: expect.stringMatching(/cloud metadata/),
    });
  });

  it.skipIf(!process.env.DATABASE_URL)(
    'refuses at connection time a name that resolves to a refused address (DNS rebinding)',
    async () => {
      const name = hostname();
      const addresses = await lookup(name, { all: true });
      // The machine's own name resolves to loopback or a private address wherever this runs.
      const everywhere = createEndpointPolicy(undefined, false);
      expect(addresses.some((a) => !everywhere.allowsConnection('x', a.address, 8200))).toBe(true);
      const target = await rawHttpServer(
        200,
        JSON.stringify({ data: { data: { k: CANARY }, metadata: {} } }),
      );
      try {
        const url = `http://${name}:${(target.server.address() as { port: number }).port}`;
        expect((await registerManagerStack(t, 'rebound', 'vault', vaultConfig(url))).errors).toBeUndefined();
        const read = await t.gql(READ, { stack: 'rebound' }, writer);
        expect(codeOf(read)).toBe('BACKEND_UNAVAILABLE');
        expect(read.errors?.[0].message).toBe('could not reach the vault back-end');
        expect(JSON.stringify(read)).not.toContain(CANARY);
        expect(target.hits()).toBe(0);
      } finally {
        await new Promise((resolve) => target.server.close(resolve));
      }
    },
  );

  it('refuses the store at start-up when an SGW_SECRETS_STORE_* endpoint is not allowed', async () => {
    const database = await createTestDatabase();
    try {
      const started = startTestGateway({
        database,
        env: {
          SGW_ALLOWED_ENDPOINTS: '',
          SGW_SECRETS_STORE: 'hashicorp',
          SGW_SECRETS_STORE_VAULT_ADDR: 'http://169.254.169.254',
          SGW_SECRETS_STORE_VAULT_TOKEN: 'store-token',
        },
      });
      await expect(started).rejects.toThrow(
        /option vault_addr points at 169\.254\.169\.254, a cloud metadata address/,
      );
    } finally {
      await database.drop();
    }
  });
});

describe('SSRF: what a back-end answers never comes back (loopback allowed, as for the fakes)', () => {
  let t: TestGateway;
  let writer: string;
  const servers: Array<Server | TcpServer> = [];
  beforeAll(async () => {
    t = await startTestGateway();
    writer = await t.tokenFor('mallory', 'WRITER');
  });
  afterAll(async () => {
    await t.close();
    for (const server of servers) server.close();
  });

  async function readThrough(flavor: string, name: string, configuration: Record<string, unknown>) {
    expect((await registerManagerStack(t, name, flavor, configuration)).errors).toBeUndefined();
    return t.gql(READ, { stack: name }, writer);
  }

  it.each([
    ['vault', (url: string) => vaultConfig(url)],
    ['aws', (url: string) => awsConfig(url)],
  ])('%s: a 500 with a canary body answers BACKEND_ERROR without the body', async (flavor, config) => {
    const body = JSON.stringify({ errors: [CANARY], __type: 'CanaryType', message: CANARY });
    const target = await rawHttpServer(500, body);
    servers.push(target.server);
    const read = await readThrough(flavor, `${flavor}-500`, config(target.url));
    expect(target.hits()).toBeGreaterThan(0);
    expect(codeOf(read)).toBe('BACKEND_ERROR');
    expect(JSON.stringify(read)).not.toContain(CANARY);
    expect(JSON.stringify(read)).not.toContain('CanaryType');
  });

  it.each([
    ['vault', (url: string) => vaultConfig(url), { data: { data: { k: CANARY } } }],
    ['aws', (url: string) => awsConfig(url), { SecretString: JSON.stringify({ k: CANARY }) }],
  ])(
    '%s: a 200 JSON answer that is no secret of that protocol is BACKEND_ERROR, never values',
    async (flavor, config, body) => {
      const target = await rawHttpServer(200, JSON.stringify(body));
      servers.push(target.server);
      const read = await readThrough(flavor, `${flavor}-json`, config(target.url));
      expect(codeOf(read)).toBe('BACKEND_ERROR');
      expect(JSON.stringify(read)).not.toContain(CANARY);
    },
  );

  it.each([
    ['vault', (port: number) => vaultConfig(`http://127.0.0.1:${port}`)],
    ['aws', (port: number) => awsConfig(`http://127.0.0.1:${port}`)],
  ])('%s: a closed port and an open port that speaks no HTTP answer the same', async (flavor, config) => {
    const garbage = await garbagePort();
    servers.push(garbage.server);
    const closed = await readThrough(flavor, `${flavor}-closed`, config(await closedPort()));
    const open = await readThrough(flavor, `${flavor}-open`, config(garbage.port));
    expect(codeOf(closed)).toBe('BACKEND_UNAVAILABLE');
    expect({ code: codeOf(open), message: open.errors?.[0].message }).toEqual({
      code: codeOf(closed),
      message: closed.errors?.[0].message,
    });
    expect(closed.errors?.[0].message).toBe(`could not reach the ${flavor} back-end`);
  });
});

describe('embedded gateway (no DATABASE_URL): loopback is allowed by default, metadata is not', () => {
  let t: TestGateway;
  let vault: VaultKvFake;
  beforeAll(async () => {
    vault = await startVaultKvFake({ port: 0, token: 'root-token' });
    t = await startTestGateway({
      database: { url: undefined, drop: async () => {} },
      env: { SGW_ALLOWED_ENDPOINTS: '' },
    });
  });
  afterAll(async () => {
    await t.close();
    await vault.close();
  });

  it('uses a Vault on loopback and refuses the metadata address', async () => {
    const writer = await t.tokenFor('mallory', 'WRITER');
    expect(
      (await registerManagerStack(t, 'local-vault', 'vault', { url: vault.url, token: 'root-token' })).errors,
    ).toBeUndefined();
    expect((await writeManagedSecret(t, 'local-vault', 'db', { k: 'v' })).errors).toBeUndefined();
    expect(vault.paths('secret')).toHaveLength(1);
    expect((await t.ok(READ, { stack: 'local-vault' }, writer)).managedSecret.values).toEqual({ k: 'v' });
    const metadata = await registerManagerStack(t, 'meta', 'vault', vaultConfig('http://169.254.169.254/'));
    expect(codeOf(metadata)).toBe('BAD_USER_INPUT');
  });
});
