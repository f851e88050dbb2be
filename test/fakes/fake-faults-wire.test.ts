/** Each fake's injected faults as the real SDK sees them (fake-faults.ts; one describe per fake). */
import {
  CreateSecretCommand,
  ListSecretsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ClientSecretCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import vault from 'node-vault';
import { describe, expect, it } from 'vitest';
import { caught } from '../helpers/caught.ts';
import { startAwsSecretsManagerFake } from './aws-secrets-manager-fake.ts';
import { startAzureKeyVaultFake } from './azure-key-vault-fake.ts';
import { CALL_OPTIONS, fakeClient, grpc } from './gcp-fake-client.ts';
import { startGcpSecretManagerFake } from './gcp-secret-manager-fake.ts';
import { startVaultKvFake, vaultOperation } from './vault-kv-fake.ts';

type Failure = {
  name?: string;
  code?: unknown;
  message?: string;
  statusCode?: number;
  $metadata?: { httpStatusCode?: number };
  response?: { statusCode?: number; headers?: { get(name: string): string | undefined } };
};

async function elapsed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

describe('AWS Secrets Manager fake faults, seen by @aws-sdk/client-secrets-manager', () => {
  it('throttles as AWS does, fails, slows down, hangs, and stops when the faults are cleared', async () => {
    const fake = await startAwsSecretsManagerFake({ faults: 'CreateSecret:throttle:1,ListSecrets:fail:1' });
    const client = (requestTimeout?: number) =>
      new SecretsManagerClient({
        region: 'us-east-1',
        endpoint: fake.url,
        credentials: fake.credentials,
        maxAttempts: 1,
        requestHandler: { requestTimeout, throwOnRequestTimeout: true },
      });
    try {
      const create = new CreateSecretCommand({ Name: 'db', SecretString: 'v' });
      const throttled = (await caught(client().send(create))) as Failure;
      expect(throttled).toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded' });
      expect(throttled.$metadata?.httpStatusCode).toBe(400);
      const failed = (await caught(client().send(new ListSecretsCommand({})))) as Failure;
      expect(failed).toMatchObject({ name: 'InternalServiceError', $metadata: { httpStatusCode: 500 } });
      expect(fake.secrets.size).toBe(0);

      fake.faults.set('CreateSecret:slow:1:150,ListSecrets:hang:1');
      expect(await elapsed(() => client().send(create))).toBeGreaterThanOrEqual(140);
      expect(fake.secrets.has('db')).toBe(true);
      expect((await caught(client(200).send(new ListSecretsCommand({})))).name).toBe('TimeoutError');

      fake.faults.clear();
      expect((await client().send(new ListSecretsCommand({}))).SecretList).toHaveLength(1);
    } finally {
      await fake.close();
    }
  });
});

describe('GCP Secret Manager fake faults, seen by @google-cloud/secret-manager', () => {
  it('answers RESOURCE_EXHAUSTED and UNAVAILABLE, slows down and hangs per RPC', async () => {
    const fake = await startGcpSecretManagerFake({ faults: 'CreateSecret:throttle:1,*:fail:1' });
    const client = fakeClient(fake.port, grpc.credentials.createInsecure());
    const request = { parent: 'projects/p', secretId: 'db', secret: { replication: { automatic: {} } } };
    try {
      expect((await caught<Failure>(client.createSecret(request, CALL_OPTIONS))).code).toBe(
        grpc.status.RESOURCE_EXHAUSTED,
      );
      const listed = caught<Failure>(
        client.listSecrets({ parent: 'projects/p' }, { ...CALL_OPTIONS, autoPaginate: false }),
      );
      expect((await listed).code).toBe(grpc.status.UNAVAILABLE);
      expect(fake.secrets.size).toBe(0);

      fake.faults.set([
        { operation: 'CreateSecret', kind: 'slow', share: 1, ms: 150 },
        { operation: 'AddSecretVersion', kind: 'hang', share: 1 },
      ]);
      expect(await elapsed(() => client.createSecret(request, CALL_OPTIONS))).toBeGreaterThanOrEqual(140);
      const version = { parent: 'projects/p/secrets/db', payload: { data: Buffer.from('v') } };
      const hung = await caught<Failure>(client.addSecretVersion(version, { timeout: 300, maxRetries: 0 }));
      expect(hung.code).toBe(grpc.status.DEADLINE_EXCEEDED);
      expect(fake.faults.injected.map((f) => `${f.operation}:${f.kind}`)).toEqual([
        'CreateSecret:throttle',
        'ListSecrets:fail',
        'CreateSecret:slow',
        'AddSecretVersion:hang',
      ]);
    } finally {
      await client.close();
      await fake.close();
    }
  });
});

describe('Azure Key Vault fake faults, seen by @azure/keyvault-secrets', () => {
  it('answers 429 Throttled with Retry-After, then 500, and serves once cleared', async () => {
    const fake = await startAzureKeyVaultFake({ faults: 'setSecret:throttle:1:2500,getSecret:fail:1' });
    const { tenantId, clientId, clientSecret, authorityHost } = fake.credentials;
    const credential = new ClientSecretCredential(tenantId, clientId, clientSecret, {
      authorityHost,
      disableInstanceDiscovery: true,
    });
    const client = new SecretClient(fake.url, credential, {
      disableChallengeResourceVerification: true,
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 },
    });
    try {
      const throttled = (await caught(client.setSecret('db', 'v'))) as Failure;
      expect(throttled).toMatchObject({ statusCode: 429, code: 'Throttled' });
      expect(throttled.response?.headers?.get('retry-after')).toBe('3');
      expect((await caught(client.getSecret('db'))) as Failure).toMatchObject({ statusCode: 500 });
      expect(fake.secrets.size).toBe(0);
      fake.faults.clear();
      await client.setSecret('db', 'v');
      expect((await client.getSecret('db')).value).toBe('v');
    } finally {
      await fake.close();
    }
  });
});

describe('Vault KV fake faults, seen by node-vault', () => {
  it('names its operations', () => {
    expect(vaultOperation('GET', '/v1/secret/data/a/b')).toBe('read');
    expect(vaultOperation('POST', '/v1/kv/team/data/a')).toBe('write');
    expect(vaultOperation('PATCH', '/v1/secret/data/a')).toBe('write');
    expect(vaultOperation('DELETE', '/v1/secret/data/a')).toBe('delete');
    expect(vaultOperation('DELETE', '/v1/secret/metadata/a')).toBe('delete');
    expect(vaultOperation('POST', '/v1/secret/destroy/a')).toBe('delete');
    expect(vaultOperation('GET', '/v1/secret/metadata/a/?list=1')).toBe('list');
    expect(vaultOperation('GET', '/v1/secret/metadata/a')).toBe('metadata');
    expect(vaultOperation('POST', '/v1/secret/metadata/a')).toBe('metadata');
    expect(vaultOperation('POST', '/v1/auth/approle/login')).toBe('login');
    expect(vaultOperation('GET', '/v1/sys/health')).toBe('health');
  });

  it('answers 429 with Retry-After and 500 per operation, and stops when cleared', async () => {
    const fake = await startVaultKvFake({ faults: 'write:throttle:1:1000,read:fail:1' });
    const client = vault({
      endpoint: fake.url,
      token: fake.token,
      apiVersion: 'v1',
      noCustomHTTPVerbs: true,
    });
    try {
      const throttled = (await caught(client.write('secret/data/db', { data: { v: 1 } }))) as Failure;
      expect(throttled.response?.statusCode).toBe(429);
      expect(fake.read('secret', 'db')).toBeUndefined();
      expect(((await caught(client.read('secret/data/db'))) as Failure).response?.statusCode).toBe(500);
      fake.faults.clear();
      await client.write('secret/data/db', { data: { v: 1 } });
      expect((await client.read('secret/data/db')).data.data).toEqual({ v: 1 });
    } finally {
      await fake.close();
    }
  });
});
