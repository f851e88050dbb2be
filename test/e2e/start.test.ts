import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Keyring } from '../../src/crypto/keyring.js';
import { postGraphQL, startGatewayProcess } from '../helpers/gateway-process.js';
import { createTestDatabase } from '../helpers/test-database.js';

describe('npm start with no environment (embedded mode)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('prints an admin token once, serves the API from PGlite and keeps data across a restart', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'sgw-e2e-'));
    dirs.push(dataDir);
    const first = await startGatewayProcess({ SGW_DATA_DIR: dataDir });
    const token = /admin token[^:]*: (sgw_[A-Za-z0-9_-]{43})/.exec(first.stdout.join(''))?.[1];
    expect(token).toBeDefined();
    expect((await postGraphQL(first.url, token!, '{ viewer { name role } }')).data).toEqual({
      viewer: { name: 'admin', role: 'ADMIN' },
    });
    const health = await fetch(`${first.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    await postGraphQL(first.url, token!, 'mutation { createSecret(name: "kept", values: {a: "b"}) { id } }');
    expect(await first.stop()).toBe(0);
    expect((await stat(path.join(dataDir, 'encryption.key'))).mode & 0o777).toBe(0o600);

    const second = await startGatewayProcess({ SGW_DATA_DIR: dataDir });
    try {
      expect(second.stdout.join('')).not.toMatch(/admin token/);
      const kept = await postGraphQL(second.url, token!, '{ secret(name: "kept") { values } }');
      expect(kept.data.secret.values).toEqual({ a: 'b' });
    } finally {
      await second.stop();
    }
  }, 150_000);

  it('refuses to start with one clear line for a bad variable', async () => {
    await expect(startGatewayProcess({ PORT: 'eighty' })).rejects.toThrow(/Invalid PORT: .*\n?$/);
  });
});

describe.runIf(process.env.DATABASE_URL)('several replicas on one database', () => {
  it('two processes started at the same moment on an empty database both become ready', async () => {
    const database = await createTestDatabase();
    const env = {
      DATABASE_URL: database.url!,
      SGW_ENCRYPTION_KEYS: Keyring.generateDescription('k1'),
      SGW_DATA_DIR: path.join(tmpdir(), 'sgw-unused'),
    };
    const [a, b] = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
    try {
      expect((await fetch(`${a.url}/readyz`)).status).toBe(200);
      expect((await fetch(`${b.url}/readyz`)).status).toBe(200);
      const tokens = [a, b]
        .map((p) => /admin token[^:]*: (sgw_\S+)/.exec(p.stdout.join(''))?.[1])
        .filter(Boolean);
      expect(tokens).toHaveLength(1); // exactly one of them bootstrapped the admin
      expect((await postGraphQL(b.url, tokens[0]!, '{ viewer { role } }')).data.viewer.role).toBe('ADMIN');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await database.drop();
    }
  }, 90_000);

  it('refuses to start without SGW_ENCRYPTION_KEYS when DATABASE_URL is set', async () => {
    await expect(startGatewayProcess({ DATABASE_URL: process.env.DATABASE_URL! })).rejects.toThrow(
      /SGW_ENCRYPTION_KEYS: required when DATABASE_URL is set/,
    );
  });
});
