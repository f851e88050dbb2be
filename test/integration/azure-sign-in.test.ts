import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureBackend } from '../../src/backends/azure/azure-backend.js';
import type { SecretBackend } from '../../src/backends/backend.js';
import { createCentralStore } from '../../src/backends/create-central-store.js';
import { loadConfig } from '../../src/config.js';
import type { AppError } from '../../src/errors.js';
import { type AzureKeyVaultFake, startAzureKeyVaultFake } from '../fakes/azure-key-vault-fake.js';
import { expectBackendRoundTrip } from '../helpers/backend-round-trip.js';
import { caught } from '../helpers/caught.js';
import { readManagedSecret, registerManagerStack, writeManagedSecret } from '../helpers/manager-stack.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const TIMEOUT_MS = 5000;
const GLOBAL = { zenml: 'true', zenml_secret_scope: 'global' };

/** An Azure centralized store on `fake`, configured as SGW_SECRETS_STORE_* with these options. */
async function storeOn(fake: AzureKeyVaultFake, signIn: Record<string, string>): Promise<SecretBackend> {
  const env: Record<string, string> = {
    SGW_SECRETS_STORE: 'azure',
    SGW_BACKEND_TIMEOUT_MS: String(TIMEOUT_MS),
    SGW_SECRETS_STORE_KEY_VAULT_NAME: 'zenml-vault',
    SGW_SECRETS_STORE_VAULT_URL: fake.url,
    SGW_SECRETS_STORE_ALLOW_INSECURE: 'true',
  };
  for (const [name, value] of Object.entries(signIn)) env[`SGW_SECRETS_STORE_${name.toUpperCase()}`] = value;
  return (await createCentralStore(loadConfig(env), { sqlBackend: { kind: 'sql' } as never })).backend;
}

/** Fails when `text` holds the client secret or any access token the fake issued. */
function expectNoCredential(text: string, fake: AzureKeyVaultFake, secret: string): void {
  expect(text).not.toContain(secret);
  for (const issued of fake.entra.issued) expect(text).not.toContain(issued.token);
  expect(text).not.toMatch(/eyJ/);
}

describe('Azure back-end signing in with a service principal (ClientSecretCredential)', () => {
  let fake: AzureKeyVaultFake;
  beforeAll(async () => {
    fake = await startAzureKeyVaultFake();
  });
  afterAll(() => fake.close());

  it('gets a token from Entra ID and creates, reads and lists secrets with it', async () => {
    const backend = await storeOn(fake, fake.signInFields);
    const signedIn = { name: 'zenml-signed-in', values: { password: 'p1' }, metadata: GLOBAL };
    await expectBackendRoundTrip(backend, signedIn, 'zenml-signed');
    expect(fake.latest('zenml-signed-in')?.value).toBe('{"password": "p1"}');
    // One token from the fake's token endpoint served every call; no request was refused.
    expect(fake.entra.issued.filter((t) => t.clientId === fake.credentials.clientId)).toHaveLength(1);
    expect(fake.calls.some((c) => c.refusal)).toBe(false);
  });

  it('refuses a wrong client secret: BACKEND_ERROR "Azure sign-in failed", naming no credential', async () => {
    const wrongSecret = 'wrong-secret-4b7e~0123456789abcdefghij';
    const backend = await storeOn(fake, { ...fake.signInFields, client_secret: wrongSecret });
    const issuedBefore = fake.entra.issued.length;
    const authorizedBefore = fake.calls.filter((c) => c.authorized).length;
    const error = await caught<AppError>(
      backend.create({ name: 'zenml-refused', values: { k: 'v' }, metadata: {} }),
    );
    expect(error.code).toBe('BACKEND_ERROR');
    expect(error.message).toBe(
      'Azure sign-in failed: invalid_client: AADSTS7000215: Invalid client secret provided.',
    );
    expectNoCredential(error.message, fake, wrongSecret);
    expect(error.message).not.toContain(fake.credentials.clientSecret);
    expect(fake.entra.issued.length).toBe(issuedBefore);
    expect(fake.calls.filter((c) => c.authorized).length).toBe(authorizedBefore); // nothing reached the vault
    expect(fake.secrets.has('zenml-refused')).toBe(false);
  });

  it('reports a tenant Entra ID does not know as a sign-in failure', async () => {
    const backend = await storeOn(fake, {
      ...fake.signInFields,
      tenant_id: 'f0000000-0000-4000-8000-00000000000f',
    });
    const error = await caught<AppError>(backend.get('zenml-signed-in'));
    expect(error.code).toBe('BACKEND_ERROR');
    expect(error.message).toMatch(/^Azure sign-in failed: /);
    expectNoCredential(error.message, fake, fake.credentials.clientSecret);
  });

  it('refuses a partial service principal given to the back-end itself with BAD_USER_INPUT', () => {
    const { tenantId, clientId } = fake.credentials;
    const partial = { vaultUrl: fake.url, tenantId, clientId, allowInsecure: true, timeoutMs: TIMEOUT_MS };
    expect(() => createAzureBackend(partial)).toThrow(
      expect.objectContaining({
        code: 'BAD_USER_INPUT',
        issues: [expect.objectContaining({ path: 'client_secret' })],
      }),
    );
  });

  it('refuses a partial service principal in the store options, naming the variables', async () => {
    const { client_secret: _secret, ...withoutSecret } = fake.signInFields;
    await expect(storeOn(fake, withoutSecret)).rejects.toThrow(
      'Secrets store "azure" failed to initialise: options tenant_id, client_id, client_secret go together, or none for the default Azure credential (SGW_SECRETS_STORE_TENANT_ID, SGW_SECRETS_STORE_CLIENT_ID, SGW_SECRETS_STORE_CLIENT_SECRET)',
    );
  });
});

describe('Azure back-end renewing its access token', () => {
  it('keeps working after a token expires: the vault refuses the old one, the SDK gets a new one', async () => {
    const fake = await startAzureKeyVaultFake({ tokenLifetimeSeconds: 2 });
    try {
      const backend = await storeOn(fake, fake.signInFields);
      await backend.create({ name: 'zenml-renewed', values: { v: '1' }, metadata: {} });
      const first = fake.entra.issued[0];
      await sleep(first.expiresAt - Date.now() + 200);
      const stale = await fetch(`${fake.url}/secrets/zenml-renewed/?api-version=7.6`, {
        headers: { authorization: `Bearer ${first.token}` },
      });
      expect(stale.status).toBe(401); // the first token is no good any more
      expect(fake.calls.at(-1)?.refusal).toBe('expired');

      expect((await backend.get('zenml-renewed'))?.values).toEqual({ v: '1' });
      await backend.update({ name: 'zenml-renewed', values: { v: '2' }, metadata: {} });
      expect(fake.latest('zenml-renewed')?.value).toBe('{"v": "2"}');
      const renewed = fake.entra.issued.filter((t) => t.expiresAt > first.expiresAt);
      expect(renewed.length).toBeGreaterThan(0);
      // The calls after the expiry carried the new tokens, which the vault accepted.
      const afterExpiry = fake.calls.slice(fake.calls.findIndex((c) => c.refusal === 'expired') + 1);
      expect(afterExpiry.filter((c) => c.authorized).length).toBeGreaterThan(0);
      expect(afterExpiry.some((c) => c.refusal)).toBe(false);
    } finally {
      await fake.close();
    }
  });
});

const ENV_NAMES = [
  'AZURE_TENANT_ID',
  'AZURE_CLIENT_ID',
  'AZURE_CLIENT_SECRET',
  'AZURE_AUTHORITY_HOST',
] as const;

/** Runs `body` with these AZURE_* variables set, then puts the environment back as it was. */
async function withAzureEnv(values: Record<(typeof ENV_NAMES)[number], string>, body: () => Promise<void>) {
  const saved = Object.fromEntries(ENV_NAMES.map((name) => [name, process.env[name]]));
  Object.assign(process.env, values);
  try {
    await body();
  } finally {
    for (const name of ENV_NAMES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  }
}

describe('Azure back-end without credentials in its configuration (DefaultAzureCredential)', () => {
  it('signs in through the environment (EnvironmentCredential) and AZURE_AUTHORITY_HOST', async () => {
    const fake = await startAzureKeyVaultFake();
    const { tenantId, clientId, clientSecret, authorityHost } = fake.credentials;
    const env = {
      AZURE_TENANT_ID: tenantId,
      AZURE_CLIENT_ID: clientId,
      AZURE_CLIENT_SECRET: clientSecret,
      AZURE_AUTHORITY_HOST: authorityHost,
    };
    try {
      await withAzureEnv(env, async () => {
        const backend = createAzureBackend({
          vaultUrl: fake.url,
          allowInsecure: true,
          timeoutMs: TIMEOUT_MS,
        });
        await backend.create({ name: 'from-env', values: { k: 'v' }, metadata: {} });
        expect((await backend.get('from-env'))?.values).toEqual({ k: 'v' });
        expect(fake.entra.issued.map((t) => t.clientId)).toEqual([clientId]);
      });
      await withAzureEnv({ ...env, AZURE_CLIENT_SECRET: 'env-secret-that-is-wrong' }, async () => {
        const backend = createAzureBackend({
          vaultUrl: fake.url,
          allowInsecure: true,
          timeoutMs: TIMEOUT_MS,
        });
        const error = await caught<AppError>(backend.get('from-env'));
        expect(error.code).toBe('BACKEND_ERROR');
        expect(error.message).toMatch(/^Azure sign-in failed: invalid_client: AADSTS7000215:/);
        expectNoCredential(error.message, fake, 'env-secret-that-is-wrong');
      });
      for (const name of ENV_NAMES) expect(process.env[name]).not.toBe(env[name]);
    } finally {
      await fake.close();
    }
  });
});

describe('Azure secrets manager component signing in (GraphQL)', () => {
  let t: TestGateway;
  let fake: AzureKeyVaultFake;
  beforeAll(async () => {
    fake = await startAzureKeyVaultFake();
    t = await startTestGateway();
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  /** A secrets manager on the fake with these sign-in fields. */
  const azureConfig = (signIn: Record<string, string>) => ({
    key_vault_name: 'test-vault',
    vault_url: fake.url,
    allow_insecure: true,
    scope: 'global',
    ...signIn,
  });

  it('registers with tenant_id, client_id, client_secret and authority_host, then writes and reads', async () => {
    const registered = await registerManagerStack(t, 'azure-signed', 'azure', azureConfig(fake.signInFields));
    expect(registered.errors).toBeUndefined();
    const written = await writeManagedSecret(t, 'azure-signed', 'db', { password: 'hunter2' });
    expect(written.errors).toBeUndefined();
    expect(await readManagedSecret(t, 'azure-signed', 'db')).toEqual({ password: 'hunter2' });
    expect(fake.secrets.has('zenml-global-db')).toBe(true);
    expect(fake.entra.issued.some((token) => token.clientId === fake.credentials.clientId)).toBe(true);
  });

  it('answers a write with a wrong client secret with BACKEND_ERROR naming no credential', async () => {
    const wrongSecret = 'graphql-wrong-secret-8c2d';
    const config = azureConfig({ ...fake.signInFields, client_secret: wrongSecret });
    expect((await registerManagerStack(t, 'azure-wrong', 'azure', config)).errors).toBeUndefined();
    const written = await writeManagedSecret(t, 'azure-wrong', 'db', { password: 'hunter2' });
    expect(written.errors?.[0].extensions?.code).toBe('BACKEND_ERROR');
    expect(written.errors?.[0].message).toMatch(/^Azure sign-in failed: invalid_client: AADSTS7000215:/);
    expectNoCredential(JSON.stringify(written), fake, wrongSecret);
  });

  it('refuses a partial service principal, an authority_host without one and a plain-http authority_host at registration (BAD_USER_INPUT)', async () => {
    const { client_secret: _secret, ...partial } = fake.signInFields;
    const missing = await registerManagerStack(t, 'azure-partial', 'azure', azureConfig(partial));
    expect(missing.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(missing.errors?.[0].extensions?.issues).toEqual([
      {
        path: 'configuration.client_secret',
        message: expect.stringContaining('give all of tenant_id, client_id and client_secret, or none'),
      },
      {
        path: 'configuration.authority_host',
        message: 'only allowed with tenant_id, client_id and client_secret',
      },
    ]);
    // The gateway's own identity never signs in at an authority a component names.
    const ambient = await registerManagerStack(t, 'azure-ambient-authority', 'azure', {
      ...azureConfig({ authority_host: fake.credentials.authorityHost }),
    });
    expect(ambient.errors?.[0].extensions?.issues).toEqual([
      {
        path: 'configuration.authority_host',
        message: 'only allowed with tenant_id, client_id and client_secret',
      },
    ]);
    const onlyTenant = await registerManagerStack(t, 'azure-tenant-only', 'azure', {
      ...azureConfig({ tenant_id: fake.credentials.tenantId }),
    });
    expect(onlyTenant.errors?.[0].extensions?.issues.map((i: { path: string }) => i.path)).toEqual([
      'configuration.client_id',
      'configuration.client_secret',
    ]);
    const plainHttp = { ...fake.signInFields, authority_host: 'http://127.0.0.1:9' };
    const insecure = await registerManagerStack(t, 'azure-http', 'azure', azureConfig(plainHttp));
    expect(insecure.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(insecure.errors?.[0].extensions?.issues).toEqual([
      { path: 'configuration.authority_host', message: expect.stringContaining('https') },
    ]);
    expect(JSON.stringify([missing, onlyTenant, insecure])).not.toContain(fake.credentials.clientSecret);
  });
});
