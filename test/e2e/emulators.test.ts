import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiToken } from '../../src/auth/api-token.js';
import {
  type GatewayProcess,
  gatewayEnv,
  postGraphQL,
  startGatewayProcess,
} from '../helpers/gateway-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Emulators {
  child: ChildProcess;
  endpoints: Map<string, string>;
  /** The value `npm run emulators` says a gateway on Postgres must set. */
  allowedEndpoints: string;
}

/** Runs `npm run emulators` (its script, through tsx) until it has printed its last stderr line. */
async function startEmulators(): Promise<Emulators> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fakes/emulators.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulators did not start: ${stderr}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`emulators exited ${code}: ${stderr}`)));
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
      const allowed = /SGW_ALLOWED_ENDPOINTS=(\S+)/.exec(stderr)?.[1];
      if (!allowed) return;
      clearTimeout(timer);
      const endpoints = new Map(
        stdout
          .trim()
          .split('\n')
          .map((line) => line.split(' ') as [string, string]),
      );
      resolve({ child, endpoints, allowedEndpoints: allowed });
    });
  });
}

const REGISTER_VAULT = `mutation($c: JSON!) {
  registerComponent(type: SECRETS_MANAGER, name: "vault-dev", flavor: "vault", configuration: $c) { component { id } }
}`;

describe.skipIf(!process.env.DATABASE_URL)('npm run emulators with a gateway on Postgres', () => {
  let emulators: Emulators;
  let database: TestDatabase;
  const gateways: GatewayProcess[] = [];

  beforeAll(async () => {
    emulators = await startEmulators();
    database = await createTestDatabase();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    emulators?.child.kill('SIGTERM');
    await database?.drop();
  });

  async function gatewayWith(allowed: string) {
    const token = generateApiToken();
    const gateway = await startGatewayProcess(
      gatewayEnv(database.url!, token, { SGW_ALLOWED_ENDPOINTS: allowed }),
    );
    gateways.push(gateway);
    return { url: gateway.url, token };
  }

  it('prints SGW_ALLOWED_ENDPOINTS; with it the Vault emulator works, without it loopback is refused', async () => {
    const vaultUrl = emulators.endpoints.get('vault');
    expect(vaultUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    const configuration = { url: vaultUrl, token: 'root' };

    const refusing = await gatewayWith(''); // unset: a gateway on Postgres refuses loopback
    const refused = await postGraphQL(refusing.url, refusing.token, REGISTER_VAULT, { c: configuration });
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(refused.errors)).toContain('SGW_ALLOWED_ENDPOINTS');

    const { url, token } = await gatewayWith(emulators.allowedEndpoints);
    const registered = await postGraphQL(url, token, REGISTER_VAULT, { c: configuration });
    expect(registered.errors).toBeUndefined();
    const stack = await postGraphQL(
      url,
      token,
      'mutation { registerStack(name: "dev", components: ["vault-dev"]) { id } setActiveStack(name: "dev") { id } }',
    );
    expect(stack.errors).toBeUndefined();
    const written = await postGraphQL(
      url,
      token,
      'mutation { registerManagedSecret(name: "emulated", values: { user: "u1" }) { name } }',
    );
    expect(written.errors).toBeUndefined();
    const read = await postGraphQL(url, token, '{ managedSecret(name: "emulated") { values } }');
    expect(read.data?.managedSecret?.values).toEqual({ user: 'u1' });
  }, 120_000);
});
