import { ClientSecretCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AzureKeyVaultFake, startAzureKeyVaultFake } from './azure-key-vault-fake.ts';

let fake: AzureKeyVaultFake;
let client: SecretClient;

beforeEach(async () => {
  fake = await startAzureKeyVaultFake({ port: 0 });
  // The real sign-in: the fake's Entra ID issues the tokens the vault checks.
  const { tenantId, clientId, clientSecret, authorityHost } = fake.credentials;
  const credential = new ClientSecretCredential(tenantId, clientId, clientSecret, {
    authorityHost,
    disableInstanceDiscovery: true,
  });
  client = new SecretClient(fake.url, credential, {
    disableChallengeResourceVerification: true,
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
});

afterEach(async () => {
  await fake.close();
});

async function names(iterable: AsyncIterable<{ name: string }>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of iterable) out.push(item.name);
  return out;
}

describe('Azure Key Vault fake with the real SecretClient', () => {
  it('answers the bearer challenge, then sets, versions and reads secrets', async () => {
    const tags = { zenml_scope: 'global', zenml_secret_name: 'db' };
    const first = await client.setSecret('zenml-global-db', '{"password":"one"}', {
      tags,
      contentType: 'application/json',
    });
    expect(fake.calls[0]).toMatchObject({
      method: 'PUT',
      path: '/secrets/zenml-global-db',
      authorized: false,
    });
    expect(fake.calls[1]).toMatchObject({ authorized: true, body: { value: '{"password":"one"}', tags } });

    expect(first.properties.id).toMatch(new RegExp(`^${fake.url}/secrets/zenml-global-db/[0-9a-f]{32}$`));
    expect(first.properties.vaultUrl).toBe(fake.url);
    expect(first.properties.tags).toEqual(tags);
    expect(first.properties.recoveryLevel).toBe('Recoverable+Purgeable');
    expect(first.properties.createdOn).toBeInstanceOf(Date);

    const second = await client.setSecret('zenml-global-db', '{"password":"two"}');
    expect((await client.getSecret('zenml-global-db')).value).toBe('{"password":"two"}');
    const old = await client.getSecret('zenml-global-db', { version: first.properties.version });
    expect(old.value).toBe('{"password":"one"}');
    expect(old.properties.contentType).toBe('application/json');

    const raw = fake.secrets.get('zenml-global-db')!;
    expect(raw.versions.map((v) => v.value)).toEqual(['{"password":"one"}', '{"password":"two"}']);
    expect(raw.versions[0].tags).toEqual(tags);
    expect(fake.latest('zenml-global-db')?.version).toBe(second.properties.version);

    const versions: string[] = [];
    for await (const p of client.listPropertiesOfSecretVersions('zenml-global-db')) versions.push(p.version!);
    expect(versions).toEqual([first.properties.version, second.properties.version]);
  });

  it('accepts only unexpired tokens its Entra ID issued for Key Vault, and challenges the rest', async () => {
    fake.put('guarded', 'v');
    const { tenantId, clientId, clientSecret } = fake.credentials;
    const tokenFor = async (scope: string) => {
      const response = await fetch(`${fake.entra.authorityHost}/${tenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: clientSecret,
          scope,
        }),
      });
      return ((await response.json()) as { access_token: string }).access_token;
    };
    const read = (token: string) =>
      fetch(`${fake.url}/secrets/guarded/?api-version=7.6`, {
        headers: { authorization: `Bearer ${token}` },
      });

    expect((await read(await tokenFor('https://vault.azure.net/.default'))).status).toBe(200);
    const refused = await read('made-up-token');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe(
      `Bearer authorization="${fake.entra.authorityHost}/${tenantId}", resource="https://vault.azure.net"`,
    );
    expect((await read(await tokenFor('https://management.azure.com/.default'))).status).toBe(401);
    fake.entra.tokenLifetimeSeconds = 0; // expired as soon as issued
    expect((await read(await tokenFor('https://vault.azure.net/.default'))).status).toBe(401);
    expect(fake.calls.map((c) => c.refusal ?? (c.authorized ? 'ok' : 'missing'))).toEqual([
      'ok',
      'unknown',
      'audience',
      'expired',
    ]);
  });

  it('serves secrets written straight into the raw state, case-insensitively', async () => {
    fake.put('Zenml-Legacy', 'value', { tags: { 'zenml-group-key': 'g' } });
    const secret = await client.getSecret('zenml-legacy');
    expect(secret.value).toBe('value');
    expect(secret.name).toBe('Zenml-Legacy');
    expect(secret.properties.tags).toEqual({ 'zenml-group-key': 'g' });
  });

  it('lists 250 secrets with nextLink paging', async () => {
    for (let i = 0; i < 250; i++)
      fake.put(`s-${String(i).padStart(3, '0')}`, 'v', { tags: { n: String(i) } });
    const all = await names(client.listPropertiesOfSecrets());
    expect(all).toHaveLength(250);
    expect(all[0]).toBe('s-000');
    expect(all.at(-1)).toBe('s-249');
    const listCalls = fake.calls.filter((c) => c.path === '/secrets' && c.authorized);
    expect(listCalls).toHaveLength(10);
    expect(listCalls[1].query.$skiptoken).toBeTruthy();

    const pageSizes: number[] = [];
    for await (const page of client.listPropertiesOfSecrets().byPage({ maxPageSize: 20 })) {
      pageSizes.push(page.length);
      expect(page.every((p) => p.tags?.n !== undefined)).toBe(true);
    }
    expect(pageSizes).toEqual([...Array(12).fill(20), 10]);
    await expect(client.listPropertiesOfSecrets().byPage({ maxPageSize: 26 }).next()).rejects.toMatchObject({
      statusCode: 400,
      code: 'BadParameter',
    });
  });

  it('updates per-version properties and refuses reads of disabled secrets', async () => {
    const created = await client.setSecret('patch-me', 'v', { tags: { a: '1' } });
    const updated = await client.updateSecretProperties('patch-me', created.properties.version!, {
      tags: { b: '2' },
      contentType: 'text/plain',
    });
    expect(updated.tags).toEqual({ b: '2' });
    expect(fake.latest('patch-me')).toMatchObject({
      tags: { b: '2' },
      contentType: 'text/plain',
      value: 'v',
    });

    await client.updateSecretProperties('patch-me', created.properties.version!, { enabled: false });
    await expect(client.getSecret('patch-me')).rejects.toMatchObject({ statusCode: 403, code: 'Forbidden' });
  });

  it('maps errors to RestError status codes and Key Vault codes', async () => {
    await expect(client.getSecret('missing')).rejects.toMatchObject({
      statusCode: 404,
      code: 'SecretNotFound',
    });
    await expect(client.getSecret('missing', { version: '0'.repeat(32) })).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(client.setSecret('bad_name', 'v')).rejects.toMatchObject({
      statusCode: 400,
      code: 'BadParameter',
    });
    await expect(client.setSecret('x'.repeat(128), 'v')).rejects.toMatchObject({ statusCode: 400 });
    const tags = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`t${i}`, 'v']));
    await expect(client.setSecret('many-tags', 'v', { tags })).rejects.toMatchObject({ statusCode: 400 });
    await expect(client.setSecret('too-big', 'x'.repeat(25 * 1024 + 1))).rejects.toMatchObject({
      statusCode: 400,
    });
    await client.setSecret('just-fits', 'x'.repeat(25 * 1024));
    expect([...fake.secrets.keys()]).toEqual(['just-fits']);
  });

  it('soft-deletes with the delete poller, blocks re-creation, recovers and purges', async () => {
    await client.setSecret('doomed', 'v', { tags: { k: 'v' } });
    const poller = await client.beginDeleteSecret('doomed');
    const deleted = await poller.pollUntilDone();
    expect(deleted.recoveryId).toBe(`${fake.url}/deletedsecrets/doomed`);
    expect(deleted.deletedOn).toBeInstanceOf(Date);
    expect(deleted.scheduledPurgeDate!.getTime()).toBeGreaterThan(deleted.deletedOn!.getTime());
    expect(fake.secrets.has('doomed')).toBe(false);
    expect(fake.deletedSecrets.get('doomed')?.versions[0].value).toBe('v');

    await expect(client.getSecret('doomed')).rejects.toMatchObject({ statusCode: 404 });
    const conflict = client.setSecret('doomed', 'again');
    await expect(conflict).rejects.toMatchObject({ statusCode: 409, code: 'Conflict' });
    await expect(conflict).rejects.toMatchObject({
      details: { error: { innerError: { code: 'ObjectIsDeletedButRecoverable' } } },
    });
    expect((await client.getDeletedSecret('doomed')).properties.tags).toEqual({ k: 'v' });
    expect(await names(client.listDeletedSecrets())).toEqual(['doomed']);

    const recovered = await (await client.beginRecoverDeletedSecret('doomed')).pollUntilDone();
    expect(recovered.name).toBe('doomed');
    expect((await client.getSecret('doomed')).value).toBe('v');

    await (await client.beginDeleteSecret('doomed')).pollUntilDone();
    await client.purgeDeletedSecret('doomed');
    expect(fake.deletedSecrets.size).toBe(0);
    await expect(client.getDeletedSecret('doomed')).rejects.toMatchObject({ statusCode: 404 });
    await expect(client.purgeDeletedSecret('doomed')).rejects.toMatchObject({ statusCode: 404 });
    await client.setSecret('doomed', 'reborn');
    expect(fake.latest('doomed')?.value).toBe('reborn');
  });

  it('injects one-shot failures by operation name', async () => {
    fake.put('flaky', 'v');
    fake.failNext('getSecret', 503, 'ServiceUnavailable', 'try again');
    await expect(client.getSecret('flaky')).rejects.toMatchObject({
      statusCode: 503,
      code: 'ServiceUnavailable',
    });
    expect((await client.getSecret('flaky')).value).toBe('v');
    expect(fake.calls.filter((c) => c.authorized).map((c) => c.operation)).toEqual([
      'getSecret',
      'getSecret',
    ]);
  });

  it('applies delayMs to every request', async () => {
    fake.delayMs = 150;
    const started = Date.now();
    await expect(client.getSecret('slow')).rejects.toMatchObject({ statusCode: 404 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(280); // challenge + authorised request
  });
});
