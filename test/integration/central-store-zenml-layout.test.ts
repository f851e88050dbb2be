import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CentralStore } from '../../src/backends/central-store.js';
import { createCentralStore } from '../../src/backends/create-central-store.js';
import { loadConfig } from '../../src/config.js';
import { type AppError, BackendUnavailableError } from '../../src/errors.js';
import { startAwsSecretsManagerFake } from '../fakes/aws-secrets-manager-fake.js';
import { startAzureKeyVaultFake } from '../fakes/azure-key-vault-fake.js';
import { startGcpSecretManagerFake } from '../fakes/gcp-secret-manager-fake.js';
import { startVaultKvFake } from '../fakes/vault-kv-fake.js';
import { unusedSqlBackend } from '../helpers/backend-that.js';
import { caught } from '../helpers/caught.js';
import {
  readAwsAsZenml,
  readAzureAsZenml,
  readGcpAsZenml,
  readVaultAsZenml,
  type ZenmlServer,
} from '../helpers/zenml-store-fixtures.js';

// Expected bytes are ZenML's (zen_stores/secrets_stores/*_secrets_store.py, 0.40.0 dd4605390 and
// 0.45.6 6c266e383), computed with Python 3:
//   json.dumps({"user": "jörg", "emoji": "😀", "del": "a\x7fb", "ctl": "t\tn\n", "q": "\"/\\"})
//   datetime(2023, 5, 25, 16, 6, 47, 123000).isoformat() / .strftime("%Y-%m-%d-%H-%M-%S")
const VALUES = { user: 'jörg', emoji: '😀', del: 'a\u007fb', ctl: 't\tn\n', q: '"/\\' };
const PAYLOAD = String.raw`{"user": "j\u00f6rg", "emoji": "\ud83d\ude00", "del": "a\u007fb", "ctl": "t\tn\n", "q": "\"/\\"}`;
const CREATED = new Date('2023-05-25T16:06:47.123Z');
const UPDATED = new Date('2023-05-25T16:06:48.000Z');
const ISO_CREATED = '2023-05-25T16:06:47.123000';
const ISO_UPDATED = '2023-05-25T16:06:48';

const identity = { deploymentId: randomUUID(), workspaceId: randomUUID() };

const sqlStandIn = unusedSqlBackend;

function storeFor(kind: string, options: Record<string, string>) {
  const env: Record<string, string> = { SGW_SECRETS_STORE: kind, SGW_BACKEND_TIMEOUT_MS: '5000' };
  for (const [name, value] of Object.entries(options)) env[`SGW_SECRETS_STORE_${name.toUpperCase()}`] = value;
  return createCentralStore(loadConfig(env), { sqlBackend: sqlStandIn, identity });
}

function aSecret(name: string, scope = 'WORKSPACE') {
  return { id: randomUUID(), name, scope, ownerId: randomUUID(), createdAt: CREATED, updatedAt: UPDATED };
}

/** Writes a secret through the store as the secrets service does; the ZenML server that knows its user. */
async function write(store: CentralStore, secret: ReturnType<typeof aSecret>): Promise<ZenmlServer> {
  const entry = { name: store.entryName(secret.id), values: VALUES, metadata: store.entryMetadata(secret) };
  await store.backend.create(entry);
  expect((await store.backend.get(entry.name))?.values).toEqual(VALUES);
  return { deploymentId: identity.deploymentId, workspaces: [identity.workspaceId], users: [secret.ownerId] };
}

const zenmlMetadata = (secret: ReturnType<typeof aSecret>, scope: string) => ({
  zenml: identity.deploymentId,
  zenml_secret_id: secret.id,
  zenml_secret_name: secret.name,
  zenml_secret_scope: scope,
  zenml_secret_workspace: identity.workspaceId,
  zenml_secret_user: secret.ownerId,
});

describe("centralized store: the gateway writes ZenML's names, tags and payloads; ZenML's rules read them", () => {
  it('aws: zenml/<id>, the six tags in ZenML order, json.dumps payload', async () => {
    const fake = await startAwsSecretsManagerFake({ port: 0 });
    const store = await storeFor('aws', {
      region_name: 'eu-central-1',
      endpoint_url: fake.url,
      aws_access_key_id: fake.credentials.accessKeyId,
      aws_secret_access_key: fake.credentials.secretAccessKey,
    });
    try {
      const secret = aSecret('prod.db@x');
      const server = await write(store, secret);
      const raw = fake.secrets.get(`zenml/${secret.id}`);
      expect(raw?.tags).toEqual(
        Object.entries(zenmlMetadata(secret, 'workspace')).map(([Key, Value]) => ({ Key, Value })),
      );
      expect([...(raw?.versions.values() ?? [])][0].secretString).toBe(PAYLOAD);
      expect(readAwsAsZenml(fake, server, secret.id)).toMatchObject({
        name: 'prod.db@x',
        scope: 'workspace',
        values: VALUES,
      });
      const bad = await caught<AppError>(
        store.backend.create({
          name: 'zenml/x',
          values: {},
          metadata: store.entryMetadata(aSecret('Prod DB')),
        }),
      );
      expect(bad.code).toBe('BAD_USER_INPUT');
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

  it('gcp: zenml-<id>, labels with zenml-secret-created/-updated as %Y-%m-%d-%H-%M-%S, names lowercase as ZenML requires', async () => {
    const fake = await startGcpSecretManagerFake({ port: 0 });
    const store = await storeFor('gcp', {
      project_id: 'zenml-project',
      api_endpoint: fake.endpoint,
      insecure: 'true',
    });
    try {
      const secret = aSecret('prod_db-1', 'USER');
      const server = await write(store, secret);
      const name = `projects/zenml-project/secrets/zenml-${secret.id}`;
      expect(fake.secrets.get(name)?.labels).toEqual({
        ...zenmlMetadata(secret, 'user'),
        'zenml-secret-created': '2023-05-25-16-06-47',
        'zenml-secret-updated': '2023-05-25-16-06-48',
      });
      expect(fake.latestValue(name)).toBe(PAYLOAD);
      expect(readGcpAsZenml(fake, 'zenml-project', server, secret.id)).toMatchObject({
        name: 'prod_db-1',
        scope: 'user',
        values: VALUES,
      });
      const upper = await caught<AppError>(
        store.backend.create({
          name: 'zenml-x',
          values: {},
          metadata: store.entryMetadata(aSecret('Prod.DB')),
        }),
      );
      expect(upper.code).toBe('BAD_USER_INPUT');
      expect(upper.message).toContain('lowercase letters, digits, - and _, at most 63');
    } finally {
      await store.backend.close?.();
      await fake.close();
    }
  });

  it('azure: zenml-<id>, tags with zenml_secret_created/_updated as isoformat()', async () => {
    const fake = await startAzureKeyVaultFake({ port: 0 });
    const store = await storeFor('azure', {
      key_vault_name: 'zenml-vault',
      vault_url: fake.url,
      allow_insecure: 'true',
      ...fake.signInFields,
    });
    try {
      const secret = aSecret('Prod-DB');
      const server = await write(store, secret);
      const latest = fake.latest(`zenml-${secret.id}`);
      expect(latest?.tags).toEqual({
        ...zenmlMetadata(secret, 'workspace'),
        zenml_secret_created: ISO_CREATED,
        zenml_secret_updated: ISO_UPDATED,
      });
      expect(latest?.value).toBe(PAYLOAD);
      expect(readAzureAsZenml(fake, server, secret.id)).toMatchObject({ name: 'Prod-DB', values: VALUES });
      expect(await store.backend.delete(store.entryName(secret.id))).toBe(true);
      expect([...fake.deletedSecrets.keys()]).toEqual([`zenml-${secret.id}`]);
    } finally {
      await fake.close();
    }
  });

  it('hashicorp: zenml/<id>, KV data {zenml_secret_values, zenml_secret_metadata, zenml_secret_created, zenml_secret_updated}', async () => {
    const fake = await startVaultKvFake({ port: 0, token: 'root-token', mounts: ['zenml-kv'] });
    const store = await storeFor('hashicorp', {
      vault_addr: fake.url,
      vault_token: 'root-token',
      mount_point: 'zenml-kv',
    });
    try {
      const secret = aSecret('team/prod+db=1');
      const server = await write(store, secret);
      expect(fake.paths('zenml-kv')).toEqual([`zenml/${secret.id}`]);
      expect(fake.read('zenml-kv', `zenml/${secret.id}`)).toEqual({
        zenml_secret_values: VALUES,
        zenml_secret_metadata: zenmlMetadata(secret, 'workspace'),
        zenml_secret_created: ISO_CREATED,
        zenml_secret_updated: ISO_UPDATED,
      });
      expect(fake.entry('zenml-kv', `zenml/${secret.id}`)?.customMetadata ?? null).toBeNull();
      expect(readVaultAsZenml(fake, 'zenml-kv', server, secret.id)).toMatchObject({
        name: 'team/prod+db=1',
        values: VALUES,
      });
      const updated = { ...secret, updatedAt: new Date('2023-05-26T00:00:00.500Z') };
      await store.backend.update({
        name: store.entryName(secret.id),
        values: { a: 'b' },
        metadata: store.entryMetadata(updated),
      });
      expect(fake.read('zenml-kv', `zenml/${secret.id}`)).toMatchObject({
        zenml_secret_values: { a: 'b' },
        zenml_secret_created: ISO_CREATED,
        zenml_secret_updated: '2023-05-26T00:00:00.500000',
      });
    } finally {
      await fake.close();
    }
  });
});
