import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { createAwsBackend } from '../../src/backends/aws/aws-backend.js';
import { createAzureBackend } from '../../src/backends/azure/azure-backend.js';
import type { SecretBackend } from '../../src/backends/backend.js';
import { createGcpBackend } from '../../src/backends/gcp/gcp-backend.js';
import { guardBackend } from '../../src/backends/guard-backend.js';
import { createVaultBackend } from '../../src/backends/vault/vault-backend.js';
import { BackendError, BackendUnavailableError } from '../../src/errors.js';
import { startAwsSecretsManagerFake } from '../fakes/aws-secrets-manager-fake.js';
import { startAzureKeyVaultFake } from '../fakes/azure-key-vault-fake.js';
import { startGcpSecretManagerFake } from '../fakes/gcp-secret-manager-fake.js';
import { startVaultKvFake } from '../fakes/vault-kv-fake.js';
import { caught } from '../helpers/caught.js';

const TIMEOUT_MS = 1000;
/** What a user may wait at most for a failing call (issue: under 6 s). */
const BOUND_MS = 6000;
const AWS_SECRET_KEY = 'aws-secret-key-never-shown';
const VAULT_TOKEN = 'vault-token-never-shown';

/** A running fake and an adapter pointed at it, plus a way to make the fake fail one call. */
interface Remote {
  kind: string;
  backend: SecretBackend;
  /** Sets the delay the fake adds to every call. */
  delay(ms: number): void;
  /** Makes the next read fail with a back-end error whose message quotes a value. */
  failNextRead(): void;
  /** The name of a secret the fake holds. */
  seeded: string;
  credentials: string[];
  stop(): Promise<void>;
}

const remotes: Record<string, () => Promise<Remote>> = {
  aws: async () => {
    const fake = await startAwsSecretsManagerFake({
      port: 0,
      credentials: [{ accessKeyId: 'AKIDFAKE', secretAccessKey: AWS_SECRET_KEY }],
    });
    fake.put('seeded', '{"k":"v"}');
    const backend = createAwsBackend({
      region: 'us-east-1',
      endpoint: fake.url,
      accessKeyId: 'AKIDFAKE',
      secretAccessKey: AWS_SECRET_KEY,
      timeoutMs: TIMEOUT_MS,
    });
    return {
      kind: 'aws',
      backend,
      delay: (ms) => {
        fake.delayMs = ms;
      },
      failNextRead: () =>
        fake.failNext(
          'GetSecretValue',
          'DecryptionFailure',
          "Secrets Manager can't decrypt 'hunter2' with the KMS key.",
        ),
      seeded: 'seeded',
      credentials: [AWS_SECRET_KEY],
      stop: () => fake.close(),
    };
  },
  gcp: async () => {
    const fake = await startGcpSecretManagerFake({ port: 0 });
    fake.put('projects/p/secrets/seeded', { versions: ['{"k":"v"}'] });
    const backend = createGcpBackend({
      projectId: 'p',
      apiEndpoint: fake.endpoint,
      insecure: true,
      timeoutMs: TIMEOUT_MS,
    });
    return {
      kind: 'gcp',
      backend,
      delay: (ms) => {
        fake.delayMs = ms;
      },
      failNextRead: () =>
        fake.failNext(
          'GetSecret',
          grpc.status.PERMISSION_DENIED,
          'Permission denied on "hunter2" for secret seeded',
        ),
      seeded: 'seeded',
      credentials: [],
      stop: () => fake.close(),
    };
  },
  azure: async () => {
    const fake = await startAzureKeyVaultFake({ port: 0 });
    fake.put('seeded', '{"k":"v"}');
    const backend = createAzureBackend({
      vaultUrl: fake.url,
      ...fake.credentials,
      allowInsecure: true,
      timeoutMs: TIMEOUT_MS,
    });
    return {
      kind: 'azure',
      backend,
      delay: (ms) => {
        fake.delayMs = ms;
      },
      failNextRead: () => fake.failNext('getSecret', 403, 'Forbidden', "Access denied to 'hunter2'."),
      seeded: 'seeded',
      credentials: [fake.credentials.clientSecret],
      stop: () => fake.close(),
    };
  },
  vault: async () => {
    const fake = await startVaultKvFake({ port: 0, token: VAULT_TOKEN });
    fake.put('secret', 'seeded', { k: 'v' });
    const backend = createVaultBackend({ url: fake.url, token: VAULT_TOKEN, timeoutMs: TIMEOUT_MS });
    let failing = false;
    const wrong = createVaultBackend({ url: fake.url, token: 'wrong-token', timeoutMs: TIMEOUT_MS });
    return {
      kind: 'vault',
      // Vault's fake has no failure injection; a wrong token gives a real 403 instead.
      backend: {
        ...backend,
        get: (name) => {
          if (!failing) return backend.get(name);
          failing = false;
          return wrong.get(name);
        },
      },
      delay: (ms) => {
        fake.delayMs = ms;
      },
      failNextRead: () => {
        failing = true;
      },
      seeded: 'seeded',
      credentials: [VAULT_TOKEN],
      stop: () => fake.close(),
    };
  },
};

/** The error `promise` rejects with, and how long that took. */
async function timed(promise: Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const started = Date.now();
  const error = await caught(promise);
  return { error, ms: Date.now() - started };
}

describe.each(Object.keys(remotes))('%s back-end failures through guardBackend', (kind) => {
  async function start() {
    const remote = await remotes[kind]();
    const guarded = guardBackend(remote.backend, { kind, timeoutMs: TIMEOUT_MS });
    return { remote, guarded };
  }

  it('answers normally while the back-end is up', async () => {
    const { remote, guarded } = await start();
    try {
      expect((await guarded.get(remote.seeded))?.values).toEqual({ k: 'v' });
    } finally {
      await remote.backend.close?.();
      await remote.stop();
    }
  });

  it('fails with BACKEND_UNAVAILABLE in under 6 s once the back-end is stopped', async () => {
    const { remote, guarded } = await start();
    try {
      await guarded.get(remote.seeded); // a live connection first, as in a running gateway
      await remote.stop();
      for (const call of [
        () => guarded.get(remote.seeded),
        () => guarded.list({}),
        () => guarded.create({ name: 'new-one', values: { k: 'v' }, metadata: {} }),
      ]) {
        const { error, ms } = await timed(call());
        expect(error).toBeInstanceOf(BackendUnavailableError);
        expect(error.message).toBe(`could not reach the ${kind} back-end`);
        expect(ms).toBeLessThan(BOUND_MS);
      }
    } finally {
      await remote.backend.close?.();
    }
  });

  it('fails with BACKEND_UNAVAILABLE when the back-end answers later than the bound', async () => {
    const { remote, guarded } = await start();
    try {
      remote.delay(TIMEOUT_MS * 3);
      const { error, ms } = await timed(guarded.get(remote.seeded));
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expect(error.message).toBe(`could not reach the ${kind} back-end`);
      expect(ms).toBeLessThan(TIMEOUT_MS + 1000);
      remote.delay(0);
      expect((await guarded.get(remote.seeded))?.values).toEqual({ k: 'v' });
    } finally {
      await remote.backend.close?.();
      await remote.stop();
    }
  });

  it('turns any other back-end error into BACKEND_ERROR without values or credentials', async () => {
    const { remote, guarded } = await start();
    try {
      remote.failNextRead();
      const { error } = await timed(guarded.get(remote.seeded));
      expect(error).toBeInstanceOf(BackendError);
      expect(error.message).toMatch(new RegExp(`^${kind} back-end error \\(`));
      expect(error.message.length).toBeLessThanOrEqual(300);
      expect(error.message).not.toContain('hunter2');
      for (const credential of remote.credentials) expect(error.message).not.toContain(credential);
    } finally {
      await remote.backend.close?.();
      await remote.stop();
    }
  });
});
