/**
 * Throttling retried with backoff and jitter within a bound, through each adapter: the real SDK
 * against its fake, with FAKE_FAULTS-style throttling (test/fakes/fake-faults.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createAwsBackend } from '../../src/backends/aws/aws-backend.js';
import { createAzureBackend } from '../../src/backends/azure/azure-backend.js';
import type { SecretBackend } from '../../src/backends/backend.js';
import { createGcpBackend } from '../../src/backends/gcp/gcp-backend.js';
import { guardBackend } from '../../src/backends/guard-backend.js';
import { type BackendCall, observeBackend } from '../../src/backends/observe-backend.js';
import type { ThrottleRetryBounds } from '../../src/backends/throttle-retry.js';
import { createVaultBackend } from '../../src/backends/vault/vault-backend.js';
import { AppError } from '../../src/errors.js';
import { createGatewayMetrics } from '../../src/metrics/gateway-metrics.js';
import { startAwsSecretsManagerFake } from '../fakes/aws-secrets-manager-fake.js';
import { startAzureKeyVaultFake } from '../fakes/azure-key-vault-fake.js';
import type { FaultInjector, FaultRule } from '../fakes/fake-faults.js';
import { startGcpSecretManagerFake } from '../fakes/gcp-secret-manager-fake.js';
import { startVaultKvFake } from '../fakes/vault-kv-fake.js';
import { caught } from '../helpers/caught.js';

const TIMEOUT_MS = 5_000;
/** Small waits, so the suite stays fast; the attempts are the default 8. */
const FAST: Partial<ThrottleRetryBounds> = { baseDelayMs: 2, maxDelayMs: 20, maxRetryAfterMs: 50 };
const CANARY = 'canary-value-never-shown';
/** A seed whose 60 % draws hold no run of 7 throttles in 400 calls: 8 attempts always get through. */
const SEED = 58;

interface Throttled {
  backend: SecretBackend;
  faults: FaultInjector;
  /** The wire names of its create and delete. */
  create: string;
  delete: string;
  close(): Promise<void>;
}

type Start = (faults: FaultRule[], bounds?: Partial<ThrottleRetryBounds>) => Promise<Throttled>;

const guarded = (backend: SecretBackend, kind: string) =>
  guardBackend(backend, { kind, timeoutMs: TIMEOUT_MS });

const FLAVORS: Record<string, Start> = {
  aws: async (faults, bounds = FAST) => {
    const fake = await startAwsSecretsManagerFake({ faults, faultSeed: SEED });
    const backend = createAwsBackend({
      region: 'us-east-1',
      endpoint: fake.url,
      ...fake.credentials,
      timeoutMs: TIMEOUT_MS,
      throttleRetry: bounds,
    });
    const close = async () => {
      await backend.close?.();
      await fake.close();
    };
    return {
      backend: guarded(backend, 'aws'),
      faults: fake.faults,
      create: 'CreateSecret',
      delete: 'DeleteSecret',
      close,
    };
  },
  gcp: async (faults, bounds = FAST) => {
    const fake = await startGcpSecretManagerFake({ faults, faultSeed: SEED });
    const backend = createGcpBackend({
      projectId: 'p',
      apiEndpoint: fake.endpoint,
      insecure: true,
      timeoutMs: TIMEOUT_MS,
      throttleRetry: bounds,
    });
    const close = async () => {
      await backend.close?.();
      await fake.close();
    };
    return {
      backend: guarded(backend, 'gcp'),
      faults: fake.faults,
      create: 'AddSecretVersion',
      delete: 'DeleteSecret',
      close,
    };
  },
  azure: async (faults, bounds = FAST) => {
    const fake = await startAzureKeyVaultFake({ faults, faultSeed: SEED });
    const backend = createAzureBackend({
      vaultUrl: fake.url,
      ...fake.credentials,
      allowInsecure: true,
      timeoutMs: TIMEOUT_MS,
      throttleRetry: bounds,
    });
    return {
      backend: guarded(backend, 'azure'),
      faults: fake.faults,
      create: 'setSecret',
      delete: 'deleteSecret',
      close: () => fake.close(),
    };
  },
  vault: async (faults, bounds = FAST) => {
    const fake = await startVaultKvFake({ faults, faultSeed: SEED });
    const backend = createVaultBackend({
      url: fake.url,
      token: fake.token,
      timeoutMs: TIMEOUT_MS,
      throttleRetry: bounds,
    });
    return {
      backend: guarded(backend, 'hashicorp'),
      faults: fake.faults,
      create: 'write',
      delete: 'delete',
      close: () => fake.close(),
    };
  },
};

let running: Throttled | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function start(flavor: string, faults: FaultRule[], bounds?: Partial<ThrottleRetryBounds>) {
  running = await FLAVORS[flavor](faults, bounds);
  return running;
}

const entry = (i: number) => ({
  name: `throttled-${i}`,
  values: { v: `${CANARY}-${i}` },
  metadata: { n: String(i) },
});

describe.each(Object.keys(FLAVORS))('%s adapter under throttling', (flavor) => {
  it('creates, reads and deletes every secret with 60 % of creates and deletes throttled', async () => {
    const { backend, faults, create, delete: remove } = await start(flavor, []);
    faults.set([
      { operation: create, kind: 'throttle', share: 0.6 },
      { operation: remove, kind: 'throttle', share: 0.6 },
    ]);
    for (let i = 0; i < 10; i++) await backend.create(entry(i));
    for (let i = 0; i < 10; i++) expect((await backend.get(entry(i).name))?.values).toEqual(entry(i).values);
    for (let i = 0; i < 10; i++) expect(await backend.delete(entry(i).name)).toBe(true);
    for (let i = 0; i < 10; i++) expect(await backend.get(entry(i).name)).toBeUndefined();
    expect(faults.injected.filter((f) => f.operation === create).length).toBeGreaterThan(3);
    expect(faults.injected.filter((f) => f.operation === remove).length).toBeGreaterThan(3);
  });

  it('gives up after 8 attempts, once each (no SDK retry on top), with the mapped error', async () => {
    const { backend, faults, delete: remove } = await start(flavor, []);
    await backend.create(entry(0));
    faults.set([{ operation: remove, kind: 'throttle', share: 1 }]);
    const started = Date.now();
    const error = await caught(backend.delete(entry(0).name));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('BACKEND_ERROR');
    expect(error.message).toMatch(/back-end error .*: the back-end is throttling requests$/);
    expect(error.message).not.toContain(CANARY);
    expect(faults.injected.length).toBe(8);
    faults.clear();
    expect(await backend.delete(entry(0).name)).toBe(true);
  });
});

describe.each([
  ['aws', 'GetSecretValue'],
  ['azure', 'getSecret'],
])('%s: the SDK keeps its one retry of a transient failure', (flavor, read) => {
  it('retries a 500 once, not as throttling', async () => {
    const { backend, faults } = await start(flavor, []);
    await backend.create(entry(4));
    faults.set([{ operation: read, kind: 'fail', share: 1, first: 1 }]);
    expect((await backend.get(entry(4).name))?.values).toEqual(entry(4).values);
    faults.set([{ operation: read, kind: 'fail', share: 1 }]);
    expect(((await caught(backend.get(entry(4).name))) as AppError).code).toBe('BACKEND_ERROR');
    expect(faults.injected.map((f) => f.kind)).toEqual(['fail', 'fail', 'fail']);
  });
});

describe('Retry-After and the bound', () => {
  it('azure waits what Retry-After asks (capped), not the short backoff', async () => {
    const bounds = { ...FAST, maxRetryAfterMs: 150 };
    const { backend, faults } = await start('azure', [], bounds);
    faults.set([{ operation: 'setSecret', kind: 'throttle', share: 1, first: 2, ms: 3_000 }]);
    const started = Date.now();
    await backend.create(entry(1));
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(300);
    expect(waited).toBeLessThan(1_500);
    expect(faults.injected).toHaveLength(2);
  });

  it('never retries past the guarded call deadline', async () => {
    // Attempts far above what fits before the deadline: only the deadline can end the retries (with
    // the default 8, full jitter's short waits sometimes reached the cap first).
    const { faults, create } = await start('vault', [{ operation: 'write', kind: 'throttle', share: 1 }], {
      baseDelayMs: 200,
      maxDelayMs: 200,
      maxAttempts: 100,
    });
    // Guarded again, more tightly: the nearer deadline counts.
    const short = guardBackend((running as Throttled).backend, { kind: 'hashicorp', timeoutMs: 450 });
    const error = await caught(short.create(entry(2)));
    // Throttled to the end, or timed out by the guard while the last attempt was on its way.
    expect(['BACKEND_ERROR', 'BACKEND_UNAVAILABLE']).toContain((error as AppError).code);
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    await pause(200); // an attempt already on its way may still arrive
    const attempts = faults.injected.filter((f) => f.operation === create).length;
    await pause(600); // a retry would have waited at most 200 ms
    expect(faults.injected.filter((f) => f.operation === create).length).toBe(attempts);
    expect(attempts).toBeLessThan(100);
  });
});

describe('sgw_backend_throttled_total', () => {
  it('counts throttled answers by flavor and SecretBackend method, no name in a label', async () => {
    const { backend, faults } = await start('aws', [
      { operation: 'CreateSecret', kind: 'throttle', share: 1, first: 3 },
    ]);
    const calls: BackendCall[] = [];
    const metrics = createGatewayMetrics({
      auditBacklog: async () => ({ headId: 0, pending: 0, unpublished: 0 }),
    });
    const observed = observeBackend(backend, 'aws', (call) => {
      calls.push(call);
      metrics.backendCall(call);
    });
    await observed.create(entry(3));
    expect(faults.injected).toHaveLength(3);
    expect(calls.map((c) => [c.operation, c.failure, c.throttled])).toEqual([['create', undefined, 3]]);
    const text = await metrics.scrape();
    expect(text).toContain('sgw_backend_throttled_total{flavor="aws",operation="create"} 3');
    expect(text).not.toContain('throttled-3');
  });
});
