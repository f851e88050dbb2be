import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CentralStore } from '../../src/backends/central-store.js';
import { createCentralStore, SecretsStoreInitError } from '../../src/backends/create-central-store.js';
import { loadConfig } from '../../src/config.js';
import { unusedSqlBackend } from '../helpers/backend-that.js';
import { caught } from '../helpers/caught.js';

const EXAMPLE = 'examples/custom-secrets-store.ts';
const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** A back-end standing in for the SQL one: createCentralStore only hands it through. */
const sqlStandIn = unusedSqlBackend;

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

// The cloud and Vault stores' names, tags and payloads: central-store-zenml-layout.test.ts.

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
