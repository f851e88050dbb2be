import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateApiToken } from '../../src/auth/api-token.js';
import { type Config, loadConfig } from '../../src/config.js';
import { Keyring } from '../../src/crypto/keyring.js';
import { createLogger } from '../../src/logger.js';
import { createGateway, type Gateway, type RunningServer, startServer } from '../../src/server.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/** Loopback, where the protocol fakes listen (`SGW_ALLOWED_ENDPOINTS` of tests). */
export const LOOPBACK_ENDPOINTS = '127.0.0.0/8,::1/128,localhost';

export interface GraphQLResponse<T = Record<string, any>> {
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>;
}

export interface TestGateway {
  gateway: Gateway;
  config: Config;
  adminToken: string;
  database: TestDatabase;
  dataDir: string;
  /** Runs an operation through the gateway's fetch handler (no port). */
  gql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string | null,
  ): Promise<GraphQLResponse<T>>;
  /** Runs an operation and fails the test on any error. */
  ok<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string | null,
  ): Promise<T>;
  /** Issues a token for a new principal with a role. */
  tokenFor(principal: string, role: 'ADMIN' | 'WRITER' | 'READER' | 'AUDITOR'): Promise<string>;
  listen(): Promise<RunningServer>;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  env?: Record<string, string>;
  /** Reuse a database (e.g. to restart on the same data). */
  database?: TestDatabase;
  dataDir?: string;
  /** Logs collected here (for canary checks). */
  logLines?: string[];
  /** Called with the SQL of every statement the gateway runs. */
  onQuery?: (sql: string) => void;
}

/** A gateway on its own database, Redis channel prefix and data dir, with an admin token. */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const database = options.database ?? (await createTestDatabase());
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'sgw-test-')));
  const adminToken = generateApiToken();
  const env: Record<string, string> = {
    PORT: '0',
    SGW_DATA_DIR: dataDir,
    SGW_ADMIN_TOKEN: adminToken,
    SGW_ENCRYPTION_KEYS: Keyring.generateDescription('k1'),
    SGW_AUDIT_HMAC_KEY: 'test-audit-hmac-key',
    SGW_REDIS_PREFIX: `t${randomBytes(4).toString('hex')}:`,
    SGW_LOG_LEVEL: 'warn',
    // The protocol fakes listen on loopback; a gateway on Postgres refuses loopback by default.
    SGW_ALLOWED_ENDPOINTS: LOOPBACK_ENDPOINTS,
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...options.env,
  };
  const config = loadConfig(env);
  const logLines = options.logLines;
  const log = createLogger(logLines ? 'debug' : config.logLevel, (line) => {
    if (logLines) logLines.push(line);
    else process.stderr.write(line);
  });
  const gateway = await createGateway(config, {
    log,
    pgliteDir: database.url || options.dataDir ? undefined : 'memory://',
    onQuery: options.onQuery,
  });
  const servers: RunningServer[] = [];

  async function gql<T>(
    query: string,
    variables?: Record<string, unknown>,
    token: string | null = adminToken,
  ) {
    const response = await gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResponse<T>;
  }

  async function ok<T>(
    query: string,
    variables?: Record<string, unknown>,
    token: string | null = adminToken,
  ) {
    const result = await gql<T>(query, variables, token);
    if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
    return result.data as T;
  }

  return {
    gateway,
    config,
    adminToken,
    database,
    dataDir,
    gql,
    ok,
    async tokenFor(principal, role) {
      const data = await ok<{ createToken: { token: string } }>(
        'mutation($p: String!, $r: Role!) { createToken(principal: $p, role: $r) { token } }',
        { p: principal, r: role },
      );
      return data.createToken.token;
    },
    async listen() {
      const server = await startServer(gateway);
      servers.push(server);
      return server;
    },
    async close() {
      if (servers.length) await Promise.all(servers.map((s) => s.close()));
      else await gateway.close();
      if (!options.database) await database.drop();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
