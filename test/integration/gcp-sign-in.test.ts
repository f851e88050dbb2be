import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCentralStore } from '../../src/backends/create-central-store.js';
import { loadConfig } from '../../src/config.js';
import type { AppError } from '../../src/errors.js';
import {
  type GcpFakeAuth,
  type GcpSecretManagerFake,
  newServiceAccountKey,
  startGcpSecretManagerFake,
} from '../fakes/gcp-secret-manager-fake.js';
import { trustTestCertificate } from '../fakes/test-tls.js';
import { expectBackendRoundTrip } from '../helpers/backend-round-trip.js';
import { caught } from '../helpers/caught.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const PROJECT = 'test-project';
const GLOBAL = { zenml: 'true', zenml_secret_scope: 'global' };

/** A GCP centralized store on `fake`, configured as SGW_SECRETS_STORE_* and signing in with `key`. */
async function storeOn(fake: GcpSecretManagerFake, key: string) {
  const auth = fake.auth as GcpFakeAuth;
  const config = loadConfig({
    SGW_SECRETS_STORE: 'gcp',
    SGW_BACKEND_TIMEOUT_MS: '5000',
    SGW_SECRETS_STORE_PROJECT_ID: PROJECT,
    SGW_SECRETS_STORE_API_ENDPOINT: fake.endpoint,
    SGW_SECRETS_STORE_CA_CERT: auth.caCert,
    SGW_SECRETS_STORE_CREDENTIALS_JSON: key,
  });
  const sqlStandIn = { kind: 'sql' } as never;
  return (await createCentralStore(config, { sqlBackend: sqlStandIn })).backend;
}

/** Fails when `text` holds any part of `key`'s private key, a signed assertion or an access token. */
function expectNoCredential(text: string, key: string): void {
  const privateKey = JSON.parse(key).private_key as string;
  for (const line of privateKey.split('\n').filter((l) => l.length > 16 && !l.startsWith('-----')))
    expect(text).not.toContain(line.slice(0, 16));
  expect(text).not.toMatch(/PRIVATE KEY|eyJ|ya29\./);
}

describe('GCP back-end signing in with a service-account key', () => {
  let fake: GcpSecretManagerFake;
  let auth: GcpFakeAuth;
  beforeAll(async () => {
    trustTestCertificate(); // the token endpoint's HTTPS; gRPC trusts the fake through ca_cert
    fake = await startGcpSecretManagerFake({ auth: {} });
    auth = fake.auth as GcpFakeAuth;
  });
  afterAll(() => fake.close());

  it('signs in at the key’s token_uri and creates, reads and lists secrets', async () => {
    const key = auth.createKey('writer@test-project.iam.gserviceaccount.com');
    const backend = await storeOn(fake, key);
    try {
      const signedIn = { name: 'zenml-signed-in', values: { password: 'p1' }, metadata: GLOBAL };
      await expectBackendRoundTrip(backend, signedIn, 'zenml-signed');
      expect(fake.latestValue(`projects/${PROJECT}/secrets/zenml-signed-in`)).toBe('{"password": "p1"}');
      // The token endpoint issued the token (no self-signed JWT), and one token served every call.
      expect(
        auth.issued.filter((t) => t.email === 'writer@test-project.iam.gserviceaccount.com'),
      ).toHaveLength(1);
    } finally {
      await backend.close?.();
    }
  });

  it('refuses a key the token endpoint does not know: BACKEND_ERROR naming no credential', async () => {
    const email = 'stolen@test-project.iam.gserviceaccount.com';
    auth.createKey(email);
    const wrongKey = newServiceAccountKey(email, auth.tokenUri).json; // same account, another private key
    const backend = await storeOn(fake, wrongKey);
    try {
      const callsBefore = fake.calls.length;
      const error = await caught<AppError>(
        backend.create({ name: 'zenml-refused', values: { k: 'v' }, metadata: {} }),
      );
      expect(error.code).toBe('BACKEND_ERROR');
      expect(error.message).toBe(
        'gcp back-end could not sign in: sign-in refused by the token endpoint (invalid_grant)',
      );
      expectNoCredential(error.message, wrongKey);
      expect(fake.calls.length).toBe(callsBefore); // nothing reached Secret Manager
      expect(auth.issued.some((t) => t.email === email)).toBe(false);
    } finally {
      await backend.close?.();
    }
  });

  it('reports a token Secret Manager no longer accepts as BACKEND_ERROR', async () => {
    const key = auth.createKey('revoked@test-project.iam.gserviceaccount.com');
    const backend = await storeOn(fake, key);
    try {
      await backend.create({ name: 'zenml-revoked', values: { k: 'v' }, metadata: {} });
      auth.issued.length = 0; // the service forgets every token it issued: the cached one is now unknown
      const error = await caught<AppError>(backend.get('zenml-revoked'));
      expect(error.code).toBe('BACKEND_ERROR');
      expect(error.message).toBe(
        'gcp back-end could not sign in: Secret Manager refused the access token (UNAUTHENTICATED)',
      );
    } finally {
      await backend.close?.();
    }
  });
  it('reports a token endpoint that does not answer as BACKEND_UNAVAILABLE', async () => {
    const unreachable = newServiceAccountKey(
      'offline@test-project.iam.gserviceaccount.com',
      'https://127.0.0.1:1/token',
    );
    const backend = await storeOn(fake, unreachable.json);
    try {
      const error = await caught<AppError>(backend.get('zenml-anything'));
      expect(error.code).toBe('BACKEND_UNAVAILABLE');
      expectNoCredential(error.message, unreachable.json);
    } finally {
      await backend.close?.();
    }
  });

  it('refuses to start a store whose credentials_json is no service-account key', async () => {
    const notAKey = JSON.stringify({ ...JSON.parse(auth.createKey()), client_email: undefined });
    await expect(storeOn(fake, notAKey)).rejects.toThrow(
      'Secrets store "gcp" failed to initialise: option credentials_json must be a service-account key (JSON with type service_account, client_email and private_key)',
    );
  });
});

describe('GCP back-end renewing its access token', () => {
  it('keeps working after a token expires, with a new one from the token endpoint', async () => {
    trustTestCertificate();
    const fake = await startGcpSecretManagerFake({ auth: { tokenLifetimeSeconds: 2 } });
    const auth = fake.auth as GcpFakeAuth;
    const backend = await storeOn(fake, auth.createKey('renewing@test-project.iam.gserviceaccount.com'));
    try {
      await backend.create({ name: 'zenml-renewed', values: { v: '1' }, metadata: {} });
      const first = auth.issued[0];
      await sleep(first.expiresAt - Date.now() + 200);
      expect(first.expiresAt).toBeLessThan(Date.now()); // the fake refuses it from now on
      expect((await backend.get('zenml-renewed'))?.values).toEqual({ v: '1' });
      await backend.update({ name: 'zenml-renewed', values: { v: '2' }, metadata: {} });
      expect(fake.latestValue(`projects/${PROJECT}/secrets/zenml-renewed`)).toBe('{"v": "2"}');
      expect(auth.issued.filter((t) => t.expiresAt > first.expiresAt).length).toBeGreaterThan(0);
    } finally {
      await backend.close?.();
      await fake.close();
    }
  });
});

const REGISTER_COMPONENT = `mutation($name: String!, $configuration: JSON!) {
  registerComponent(type: SECRETS_MANAGER, name: $name, flavor: "gcp", configuration: $configuration) { component { id } }
}`;

describe('GCP secrets manager component signing in with credentials_json', () => {
  let t: TestGateway;
  let fake: GcpSecretManagerFake;
  let auth: GcpFakeAuth;
  beforeAll(async () => {
    trustTestCertificate();
    fake = await startGcpSecretManagerFake({ auth: {} });
    auth = fake.auth as GcpFakeAuth;
    t = await startTestGateway();
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  const configuration = (credentials_json: string) => ({
    project_id: PROJECT,
    api_endpoint: fake.endpoint,
    ca_cert: auth.caCert,
    credentials_json,
    scope: 'global',
  });

  it('registers, writes, reads and lists managed secrets through GraphQL', async () => {
    await t.ok(REGISTER_COMPONENT, { name: 'gcp-signed', configuration: configuration(auth.createKey()) });
    await t.ok('mutation { registerStack(name: "gcp-signed", components: ["gcp-signed"]) { id } }');
    await t.ok(
      'mutation { registerManagedSecret(name: "db", values: {password: "hunter2"}, stack: "gcp-signed") { name } }',
    );
    const read = await t.ok('query { managedSecret(name: "db", stack: "gcp-signed") { values } }');
    expect(read.managedSecret.values).toEqual({ password: 'hunter2' });
    const listed = await t.ok('query { managedSecrets(stack: "gcp-signed") { name } }');
    expect(listed.managedSecrets).toEqual([{ name: 'db' }]);
    expect(fake.secrets.has(`projects/${PROJECT}/secrets/zenml-global-db`)).toBe(true);
    expect(auth.issued.length).toBeGreaterThan(0);
  });

  it('refuses credentials_json that is no service-account key with BAD_USER_INPUT, quoting none of it', async () => {
    const good = JSON.parse(auth.createKey());
    const bad: Record<string, string> = {
      'not JSON': '{"private_key": "SECRETKEY',
      'no private_key': JSON.stringify({ ...good, private_key: undefined }),
      'no client_email': JSON.stringify({ ...good, client_email: undefined }),
      'another credential type': JSON.stringify({ ...good, type: 'authorized_user' }),
      'a private_key that is no key': JSON.stringify({ ...good, private_key: 'SECRETKEY-not-pem' }),
      'a plain-http token_uri': JSON.stringify({ ...good, token_uri: 'http://127.0.0.1:9/token' }),
    };
    for (const [label, credentials] of Object.entries(bad)) {
      const result = await t.gql(REGISTER_COMPONENT, {
        name: 'gcp-bad',
        configuration: configuration(credentials),
      });
      const error = result.errors?.[0];
      expect(error?.extensions?.code, label).toBe('BAD_USER_INPUT');
      expect(error?.extensions?.issues, label).toEqual([
        { path: 'configuration.credentials_json', message: expect.stringMatching(/JSON|key|token_uri/) },
      ]);
      const shown = JSON.stringify(result);
      expect(shown, label).not.toContain('SECRETKEY');
      expectNoCredential(shown, JSON.stringify(good));
    }
  });
});
