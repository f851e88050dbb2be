import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecretBackend } from '../../src/backends/backend.js';
import { createSecretBackendForKind } from '../../src/backends/create-central-store.js';
import { BackendError } from '../../src/errors.js';
import { startVaultKvFake, type VaultKvFake } from '../fakes/vault-kv-fake.js';
import { readManagedSecret, registerManagerStack, writeManagedSecret } from '../helpers/manager-stack.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/** Tokens of 2 s, renewable for 10 minutes. */
const ROLE = { roleId: 'gateway-role', secretId: 'secret-id-4c1a9e', tokenTtl: 2, tokenMaxTtl: 600 };
/** Tokens of 2 s that can't live past 3 s: renewals run into the max TTL. */
const CAPPED = { roleId: 'capped-role', secretId: 'capped-secret-8b2d', tokenTtl: 2, tokenMaxTtl: 3 };
const LOGIN = 'POST /v1/auth/approle/login';
const RENEW = 'POST /v1/auth/token/renew-self';

let fake: VaultKvFake;
let t: TestGateway;
const backends: SecretBackend[] = [];

beforeAll(async () => {
  fake = await startVaultKvFake({ port: 0, appRoles: [ROLE, CAPPED], deniedPaths: ['secret/data/denied/'] });
  t = await startTestGateway();
});

afterAll(async () => {
  await Promise.all(backends.map((backend) => backend.close?.()));
  await t?.close();
  await fake?.close();
});

const count = (call: string) => fake.calls.filter((c) => c === call).length;

/** The guarded back-end of a Vault store signing in with this role (SGW_SECRETS_STORE_ROLE_ID/SECRET_ID). */
async function storeBackend(role: { roleId: string; secretId: string }): Promise<SecretBackend> {
  const options = { vault_addr: fake.url, role_id: role.roleId, secret_id: role.secretId };
  const backend = await createSecretBackendForKind('hashicorp', options, 2000);
  backends.push(backend);
  return backend;
}

/**
 * Writes and reads back a secret, again every 250 ms until `ms` have passed (0: once); every call
 * must work. Resolves to the rounds made.
 */
async function keepUsing(backend: SecretBackend, prefix: string, ms: number): Promise<number> {
  const end = Date.now() + ms;
  let round = 0;
  do {
    const entry = { name: `${prefix}/${round}`, values: { round: String(round) }, metadata: {} };
    await backend.create(entry);
    expect(await backend.get(entry.name)).toEqual(entry);
    round += 1;
    if (Date.now() < end) await sleep(250);
  } while (Date.now() < end);
  return round;
}

describe('Vault AppRole sign-in through the gateway', () => {
  it('works end to end with the right role_id and secret_id', async () => {
    const logins = count(LOGIN);
    const config = { url: fake.url, role_id: ROLE.roleId, secret_id: ROLE.secretId, scope: 'global' };
    expect((await registerManagerStack(t, 'vault-approle', 'vault', config)).errors).toBeUndefined();
    expect(
      (await writeManagedSecret(t, 'vault-approle', 'db', { password: 'value-3e5f' })).errors,
    ).toBeUndefined();
    expect(await readManagedSecret(t, 'vault-approle', 'db')).toEqual({ password: 'value-3e5f' });
    expect(fake.read('secret', 'zenml/global/db')).toMatchObject({ password: 'value-3e5f' });
    expect(count(LOGIN) - logins).toBe(1);
  });

  it('a wrong secret_id is BACKEND_ERROR saying so in our words, without the secret_id or a token', async () => {
    const config = {
      url: fake.url,
      role_id: ROLE.roleId,
      secret_id: 'wrong-secret-id-77d2',
      scope: 'global',
    };
    expect((await registerManagerStack(t, 'vault-wrong', 'vault', config)).errors).toBeUndefined();
    const written = await writeManagedSecret(t, 'vault-wrong', 'db2', { password: 'value-3e5f' });
    expect(written.errors?.[0].extensions?.code).toBe('BACKEND_ERROR');
    const message = written.errors?.[0].message;
    expect(message).toBe(
      'vault back-end error (AppRole login, HTTP 400): Vault refused the AppRole login on auth/approle; check role_id, secret_id and approle_mount',
    );
    expect(message).not.toContain('wrong-secret-id-77d2');
    expect(message).not.toMatch(/hvs\./);
  });

  it('refuses a partial AppRole pair, both ways of signing in, or neither, with BAD_USER_INPUT', async () => {
    const cases: Array<[Record<string, string>, string[]]> = [
      [{ role_id: ROLE.roleId }, ['configuration.secret_id']],
      [{ secret_id: ROLE.secretId }, ['configuration.role_id']],
      [{}, ['configuration.token']],
      [
        { token: 'root', role_id: ROLE.roleId, secret_id: ROLE.secretId },
        ['configuration.token', 'configuration.role_id'],
      ],
    ];
    for (const [index, [signIn, paths]] of cases.entries()) {
      const refused = await registerManagerStack(t, `vault-partial-${index}`, 'vault', {
        url: fake.url,
        ...signIn,
      });
      expect(refused.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(refused.errors?.[0].extensions?.issues.map((issue: { path: string }) => issue.path)).toEqual(
        paths,
      );
    }
  });
});

describe('the AppRole token is kept alive', () => {
  it('renews a 2 s token before it ends, so the back-end keeps working across several TTLs', async () => {
    const [logins, renewals] = [count(LOGIN), count(RENEW)];
    const backend = await storeBackend(ROLE);
    expect(await keepUsing(backend, 'renewed', 6500)).toBeGreaterThan(10);
    expect(count(LOGIN) - logins).toBe(1);
    expect(count(RENEW) - renewals).toBeGreaterThanOrEqual(3);
  });

  it('logs in again when the max TTL stops renewals', async () => {
    const [logins, renewals] = [count(LOGIN), count(RENEW)];
    const backend = await storeBackend(CAPPED);
    await keepUsing(backend, 'capped', 5000);
    expect(count(LOGIN) - logins).toBeGreaterThanOrEqual(2);
    expect(count(RENEW) - renewals).toBeGreaterThanOrEqual(1);
  });

  it('logs in again after an idle spell longer than the TTL, and after its token was revoked', async () => {
    const backend = await storeBackend(ROLE);
    await keepUsing(backend, 'idle', 0);
    const logins = count(LOGIN);
    await sleep(2100);
    await keepUsing(backend, 'idle-after', 0);
    expect(count(LOGIN) - logins).toBe(1);
    fake.revokeTokens();
    await keepUsing(backend, 'revoked', 0);
    expect(count(LOGIN) - logins).toBe(2);
  });
});

describe('Vault AppRole and a policy that says no', () => {
  it('answers a 403 for a good token as it is, without a new login (a secret_id may allow only so many)', async () => {
    const backend = await storeBackend(ROLE);
    await keepUsing(backend, 'allowed', 0);
    const logins = count(LOGIN);
    const error = await backend.get('denied/x').then(
      () => undefined,
      (e: unknown) => e as { code?: string },
    );
    expect(error?.code).toBe('BACKEND_ERROR');
    expect(count(LOGIN)).toBe(logins);
    expect(fake.calls).toContain('GET /v1/auth/token/lookup-self');
  });
});

describe('the centralized store on Vault with AppRole', () => {
  it('refuses a role_id without its secret_id', async () => {
    await expect(
      createSecretBackendForKind('hashicorp', { vault_addr: fake.url, role_id: ROLE.roleId }, 2000),
    ).rejects.toThrow(
      'options role_id and secret_id go together (SGW_SECRETS_STORE_ROLE_ID, SGW_SECRETS_STORE_SECRET_ID)',
    );
  });

  it('a wrong secret_id is a BackendError (BACKEND_ERROR), with the secret_id nowhere in it', async () => {
    const backend = await storeBackend({ roleId: ROLE.roleId, secretId: 'store-wrong-5a0c' });
    const error = await backend.get('zenml/anything').catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).message).toMatch(/Vault refused the AppRole login/);
    expect((error as BackendError).message).not.toContain('store-wrong-5a0c');
  });
});
