import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiToken } from '../../src/auth/api-token.js';
import {
  type GatewayProcess,
  gatewayEnv,
  postGraphQL,
  startGatewayProcess,
} from '../helpers/gateway-process.js';
import { canRunPrivatePostgres, PrivatePostgres } from '../helpers/private-postgres.js';
import { PrivateRedis } from '../helpers/private-redis.js';
import { expectWritesDurable, type SecretWriters, startSecretWriters } from '../helpers/secret-writers.js';

const HMAC_KEY = 'faults-postgres-hmac-key';
/** "Promptly": an answer during the outage, and recovery after Postgres is back, within this. */
const PROMPT_MS = 5_000;

function hasRedisServer(): boolean {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .some((dir) => existsSync(path.join(dir, 'redis-server')));
}

async function readyz(url: string): Promise<number> {
  return (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(PROMPT_MS) })).status;
}

/** Polls `probe` until it returns true; returns how long that took. */
async function within(ms: number, probe: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe().catch(() => false)) return Date.now() - started;
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!canRunPrivatePostgres())('Postgres restarted during traffic', () => {
  let pg: PrivatePostgres;
  let redis: PrivateRedis | undefined;
  let gateway: GatewayProcess;
  let dataDir: string;
  const token = generateApiToken();
  const post = async (query: string, variables?: Record<string, unknown>) => {
    const result = await postGraphQL(gateway.url, token, query, variables);
    if (result.errors?.length) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };

  beforeAll(async () => {
    pg = await PrivatePostgres.create();
    // With Redis (when installed) the audit relay and the Redis event bus ride out the outage too.
    redis = hasRedisServer() ? await PrivateRedis.create() : undefined;
    dataDir = await mkdtemp(path.join(tmpdir(), 'sgw-faults-pg-'));
    gateway = await startGatewayProcess(
      gatewayEnv(pg.url, token, {
        SGW_AUDIT_HMAC_KEY: HMAC_KEY,
        SGW_DATA_DIR: dataDir,
        SGW_LOG_LEVEL: 'warn',
        ...(redis ? { REDIS_URL: redis.url } : {}),
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await pg?.destroy();
    await redis?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /**
   * Writers run throughout; Postgres is stopped (`mode`), probed while down, started again.
   * Returns the writers' attempts for the durability check.
   */
  async function outage(mode: 'fast' | 'immediate', prefix: string) {
    const writers: SecretWriters = startSecretWriters(gateway.url, token, { writers: 4, prefix });
    try {
      await writers.waitForAcks(20);
      expect(await readyz(gateway.url)).toBe(200);

      await pg.stop(mode);
      const downAt = Date.now();
      // Requests while Postgres is down fail fast with BACKEND_UNAVAILABLE, reads and writes alike.
      for (const query of [
        '{ secrets(first: 5) { nodes { name } } }',
        `mutation { createSecret(name: "${prefix}-probe", values: {k: "v"}) { id } }`,
        '{ verifyAuditChain { ok } }',
      ]) {
        const started = Date.now();
        const result = await postGraphQL(gateway.url, token, query);
        expect(Date.now() - started).toBeLessThan(PROMPT_MS);
        expect(result.errors?.[0]?.extensions?.code, JSON.stringify(result.errors)).toBe(
          'BACKEND_UNAVAILABLE',
        );
        expect(JSON.stringify(result.errors)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|postgres|stack/i);
      }
      expect(await readyz(gateway.url)).toBe(503);
      // Let the writers hit the outage for a while.
      await new Promise((r) => setTimeout(r, Math.max(0, 1500 - (Date.now() - downAt))));
      const acksDuringOutage = writers.acked();

      await pg.start();
      const recoveredIn = await within(PROMPT_MS, async () => {
        const result = await postGraphQL(gateway.url, token, '{ secrets(first: 1) { nodes { name } } }');
        return !result.errors;
      });
      await within(PROMPT_MS, async () => (await readyz(gateway.url)) === 200);
      await writers.waitForAcks(20, PROMPT_MS);
      expect(writers.acked()).toBeGreaterThan(acksDuringOutage);
      return { attempts: writers.attempts, recoveredIn };
    } finally {
      await writers.stop();
    }
  }

  function expectFailuresPromptAndUnavailable(attempts: Array<{ outcome: string; ms: number }>) {
    const failures = attempts.filter((a) => a.outcome !== 'ok');
    expect(failures.length).toBeGreaterThan(0);
    expect(new Set(failures.map((a) => a.outcome))).toEqual(new Set(['BACKEND_UNAVAILABLE']));
    expect(Math.max(...attempts.map((a) => a.ms))).toBeLessThan(PROMPT_MS);
  }

  it('fast shutdown: requests fail with BACKEND_UNAVAILABLE, /readyz is 503, and the same process recovers', async () => {
    const { attempts } = await outage('fast', 'fast');
    expectFailuresPromptAndUnavailable(attempts);
    expect(gateway.child.exitCode).toBeNull();
    expect(await expectWritesDurable(post, attempts, HMAC_KEY)).toBeGreaterThan(10);
  }, 30_000);

  it('crash (immediate stop, recovery on start): the same, and every acknowledged write survives', async () => {
    const { attempts } = await outage('immediate', 'crash');
    expectFailuresPromptAndUnavailable(attempts);
    expect(gateway.child.exitCode).toBeNull();
    expect(await expectWritesDurable(post, attempts, HMAC_KEY)).toBeGreaterThan(10);
    expect(gateway.stderr.join('')).not.toMatch(/Unexpected error|uncaught|unhandled/i);
  }, 30_000);
});
