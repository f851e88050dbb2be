import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SecretBackend } from '../../src/backends/backend.js';
import type { CentralStore } from '../../src/backends/central-store.js';
import { createCentralStore, SecretsStoreInitError } from '../../src/backends/create-central-store.js';
import { loadConfig } from '../../src/config.js';
import { BackendUnavailableError } from '../../src/errors.js';
import { startAwsSecretsManagerFake } from '../fakes/aws-secrets-manager-fake.js';
import { startAzureKeyVaultFake } from '../fakes/azure-key-vault-fake.js';
import { startGcpSecretManagerFake } from '../fakes/gcp-secret-manager-fake.js';
import { startVaultKvFake } from '../fakes/vault-kv-fake.js';
import { caught } from '../helpers/caught.js';

const EXAMPLE = 'examples/custom-secrets-store.ts';
const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** A back-end standing in for the SQL one: createCentralStore only hands it through. */
const sqlStandIn: SecretBackend = {
  kind: 'sql',
  create: async () => {},
  get: async () => undefined,
  update: async () => {},
  delete: async () => false,
  list: async () => ({ entries: [] }),
};

/** Config as the gateway would load it from SGW_SECRETS_STORE and SGW_SECRETS_STORE_<OPTION>. */
function configFor(kind: string, options: Record<string, string> = {}) {
  const env: Record<string, string> = { SGW_SECRETS_STORE: kind, SGW_BACKEND_TIMEOUT_MS: '2000' };
  for (const [name, value] of Object.entries(options)) env[`SGW_SECRETS_STORE_${name.toUpperCase()}`] = value;
  return loadConfig(env);
}

/** A secret as the secrets service hands it to the store. */
function aSecret(name = 'Prod DB') {
  return { id: randomUUID(), name, scope: 'WORKSPACE', ownerId: randomUUID() };
}

/** Writes, reads back and deletes one secret through the store; returns the secret and its metadata. */
async function roundTrip(store: CentralStore, secret = aSecret()) {
  const entry = {
    name: store.entryName(secret.id),
    values: { user: 'admin', password: 'hunter2' },
    metadata: store.entryMetadata(secret),
  };
  await store.backend.create(entry);
  expect(await store.backend.get(entry.name)).toEqual(entry);
  return { secret, entry };
}

const tempDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('createCentralStore: sql', () => {
  it('uses the given SQL back-end as is', async () => {
    const store = await createCentralStore(configFor('sql'), { sqlBackend: sqlStandIn });
    expect(store.kind).toBe('sql');
    expect(store.backend).toBe(sqlStandIn);
  });
});

describe('createCentralStore: cloud and Vault stores name and tag secrets as ZenML did', () => {
  it('aws: zenml/<uuid>, tags zenml, zenml_secret_id, _name, _scope, _user', async () => {
    const fake = await startAwsSecretsManagerFake({ port: 0 });
    const store = await createCentralStore(
      configFor('aws', {
        region_name: 'eu-central-1',
        endpoint_url: fake.url,
        aws_access_key_id: fake.credentials.accessKeyId,
        aws_secret_access_key: fake.credentials.secretAccessKey,
      }),
      { sqlBackend: sqlStandIn },
    );
    try {
      expect(store.kind).toBe('aws');
      const { secret } = await roundTrip(store);
      const raw = fake.secrets.get(`zenml/${secret.id}`);
      expect(raw?.arn).toMatch(/^arn:aws:secretsmanager:eu-central-1:/);
      expect(raw?.tags).toEqual([
        { Key: 'zenml', Value: 'true' },
        { Key: 'zenml_secret_id', Value: secret.id },
        { Key: 'zenml_secret_name', Value: 'Prod DB' },
        { Key: 'zenml_secret_scope', Value: 'workspace' },
        { Key: 'zenml_secret_user', Value: secret.ownerId },
      ]);
      expect([...(raw?.versions.values() ?? [])][0].secretString).toBe(
        '{"user": "admin", "password": "hunter2"}',
      );
      expect(await store.backend.delete(store.entryName(secret.id))).toBe(true);

      // The store is guarded: a stopped back-end is BACKEND_UNAVAILABLE, not a crash.
      await fake.close();
      await expect(store.backend.get(store.entryName(secret.id))).rejects.toBeInstanceOf(
        BackendUnavailableError,
      );
    } finally {
      await store.backend.close?.();
      await fake.close();
    }
  });

  it('gcp: zenml-<uuid>, labels with values fitted to the label rules (lowercase)', async () => {
    const fake = await startGcpSecretManagerFake({ port: 0 });
    const store = await createCentralStore(
      configFor('gcp', { project_id: 'zenml-project', api_endpoint: fake.endpoint, insecure: 'true' }),
      { sqlBackend: sqlStandIn },
    );
    try {
      const { secret } = await roundTrip(store, { ...aSecret('Prod.DB'), scope: 'USER' });
      const raw = fake.secrets.get(`projects/zenml-project/secrets/zenml-${secret.id}`);
      expect(raw?.labels).toEqual({
        zenml: 'true',
        zenml_secret_id: secret.id,
        zenml_secret_name: 'prod_db',
        zenml_secret_scope: 'user',
        zenml_secret_user: secret.ownerId,
      });
      expect(fake.latestValue(`projects/zenml-project/secrets/zenml-${secret.id}`)).toBe(
        '{"user": "admin", "password": "hunter2"}',
      );
    } finally {
      await store.backend.close?.();
      await fake.close();
    }
  });

  it('azure: zenml-<uuid>, tags with the metadata', async () => {
    const fake = await startAzureKeyVaultFake({ port: 0 });
    const store = await createCentralStore(
      configFor('azure', {
        key_vault_name: 'zenml-vault',
        vault_url: fake.url,
        allow_insecure: 'true',
        ...fake.signInFields,
      }),
      { sqlBackend: sqlStandIn },
    );
    try {
      const { secret } = await roundTrip(store);
      const latest = fake.latest(`zenml-${secret.id}`);
      expect(latest?.tags).toEqual({
        zenml: 'true',
        zenml_secret_id: secret.id,
        zenml_secret_name: 'Prod DB',
        zenml_secret_scope: 'workspace',
        zenml_secret_user: secret.ownerId,
      });
      expect(latest?.value).toBe('{"user": "admin", "password": "hunter2"}');
      expect(await store.backend.delete(store.entryName(secret.id))).toBe(true);
      expect(fake.deletedSecrets.size).toBe(0);
    } finally {
      await fake.close();
    }
  });

  it('hashicorp: zenml/<uuid> on the configured mount, metadata as custom_metadata', async () => {
    const fake = await startVaultKvFake({ port: 0, token: 'root-token', mounts: ['zenml-kv'] });
    const store = await createCentralStore(
      configFor('hashicorp', { vault_addr: fake.url, vault_token: 'root-token', mount_point: 'zenml-kv' }),
      { sqlBackend: sqlStandIn },
    );
    try {
      const { secret } = await roundTrip(store);
      expect(fake.paths('zenml-kv')).toEqual([`zenml/${secret.id}`]);
      expect(fake.read('zenml-kv', `zenml/${secret.id}`)).toEqual({ user: 'admin', password: 'hunter2' });
      expect(fake.entry('zenml-kv', `zenml/${secret.id}`)?.customMetadata).toEqual({
        zenml: 'true',
        zenml_secret_id: secret.id,
        zenml_secret_name: 'Prod DB',
        zenml_secret_scope: 'workspace',
        zenml_secret_user: secret.ownerId,
      });
    } finally {
      await fake.close();
    }
  });
});

describe('createCentralStore: custom', () => {
  it('loads the example module by a path relative to the working directory and passes it the options', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sgw-custom-'));
    tempDirs.push(dir);
    const file = path.join(dir, 'store.json');
    const store = await createCentralStore(configFor('custom', { class_path: EXAMPLE, file }), {
      sqlBackend: sqlStandIn,
      cwd: REPO_ROOT,
    });
    expect(store.kind).toBe('custom');
    const { secret } = await roundTrip(store);
    expect(store.entryName(secret.id)).toBe(secret.id);
    const persisted = JSON.parse(await readFile(file, 'utf8'));
    expect(persisted[secret.id].values).toEqual({ user: 'admin', password: 'hunter2' });
    expect(persisted[secret.id].metadata.zenml_secret_name).toBe('Prod DB');
  });

  it('accepts an absolute path and a named export (path#export)', async () => {
    const store = await createCentralStore(
      configFor('custom', { class_path: `${path.join(REPO_ROOT, EXAMPLE)}#createSecretBackend` }),
      { sqlBackend: sqlStandIn },
    );
    await roundTrip(store);
  });

  it('wraps a class_path that cannot be loaded in an error naming the store', async () => {
    const error = await caught(
      createCentralStore(configFor('custom', { class_path: 'no/such/module.ts' }), {
        sqlBackend: sqlStandIn,
        cwd: REPO_ROOT,
      }),
    );
    expect(error).toBeInstanceOf(SecretsStoreInitError);
    expect(error.message).toMatch(
      /^Secrets store "custom" failed to initialise: cannot load class_path "no\/such\/module.ts"/,
    );
  });

  it('wraps a module that exports no factory, and a missing class_path', async () => {
    const noFactory = await caught(
      createCentralStore(configFor('custom', { class_path: 'src/errors.ts' }), {
        sqlBackend: sqlStandIn,
        cwd: REPO_ROOT,
      }),
    );
    expect(noFactory.message).toMatch(
      /^Secrets store "custom" failed to initialise: class_path "src\/errors.ts" exports no factory/,
    );
    const missing = await caught(createCentralStore(configFor('custom'), { sqlBackend: sqlStandIn }));
    expect(missing.message).toBe(
      'Secrets store "custom" failed to initialise: option class_path is required (SGW_SECRETS_STORE_CLASS_PATH)',
    );
  });
});

describe('createCentralStore: initialisation errors of the other stores', () => {
  it('names the missing option', async () => {
    const error = await caught(createCentralStore(configFor('aws'), { sqlBackend: sqlStandIn }));
    expect(error.message).toBe(
      'Secrets store "aws" failed to initialise: option region_name is required (SGW_SECRETS_STORE_REGION_NAME)',
    );
    const vault = await caught(
      createCentralStore(configFor('hashicorp', { vault_addr: 'http://127.0.0.1:1' }), {
        sqlBackend: sqlStandIn,
      }),
    );
    expect(vault.message).toBe(
      'Secrets store "hashicorp" failed to initialise: option vault_token (or role_id and secret_id) is required (SGW_SECRETS_STORE_VAULT_TOKEN, or SGW_SECRETS_STORE_ROLE_ID and SGW_SECRETS_STORE_SECRET_ID)',
    );
  });

  it('refuses plain http for Azure without allow_insecure, and bad GCP credentials without echoing them', async () => {
    const azure = await caught(
      createCentralStore(configFor('azure', { vault_url: 'http://127.0.0.1:1' }), { sqlBackend: sqlStandIn }),
    );
    expect(azure.message).toMatch(/^Secrets store "azure" failed to initialise: vault URL .* is not https/);
    const gcp = await caught(
      createCentralStore(
        configFor('gcp', { project_id: 'p', credentials_json: '{"private_key": "SECRETKEY' }),
        {
          sqlBackend: sqlStandIn,
        },
      ),
    );
    expect(gcp.message).toBe(
      'Secrets store "gcp" failed to initialise: option credentials_json is not valid JSON',
    );
  });
});
