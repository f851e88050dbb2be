import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CALL_OPTIONS, fakeClient, grpc } from './gcp-fake-client.ts';
import {
  crc32c,
  type GcpSecretManagerFake,
  startGcpSecretManagerFake,
  timestampToDate,
} from './gcp-secret-manager-fake.ts';

/** Async list iterators page by themselves; autoPaginate: false only silences gax's warning. */
const LIST_OPTS = { ...CALL_OPTIONS, autoPaginate: false };
const PROJECT = 'projects/test-project';

let fake: GcpSecretManagerFake;
let client: SecretManagerServiceClient;

beforeEach(async () => {
  fake = await startGcpSecretManagerFake({ port: 0 });
  client = fakeClient(fake.port, grpc.credentials.createInsecure());
});

afterEach(async () => {
  await client.close();
  await fake.close();
});

async function create(secretId: string, labels: Record<string, string> = {}) {
  const [secret] = await client.createSecret(
    { parent: PROJECT, secretId, secret: { replication: { automatic: {} }, labels } },
    CALL_OPTIONS,
  );
  return secret;
}

async function addVersion(secretId: string, value: string | Buffer) {
  const [version] = await client.addSecretVersion(
    { parent: `${PROJECT}/secrets/${secretId}`, payload: { data: Buffer.from(value) } },
    CALL_OPTIONS,
  );
  return version;
}

async function listNames(filter: string): Promise<string[]> {
  const names: string[] = [];
  for await (const s of client.listSecretsAsync({ parent: PROJECT, filter }, LIST_OPTS))
    names.push(String(s.name));
  return names.map((n) => n.slice(`${PROJECT}/secrets/`.length));
}

describe('GCP Secret Manager fake with the real client', () => {
  it('creates a secret, adds versions and accesses latest and numbered versions', async () => {
    const secret = await create('zenml-global-db', { zenml_scope: 'global', zenml_secret_name: 'db' });
    expect(secret.name).toBe(`${PROJECT}/secrets/zenml-global-db`);
    expect(secret.labels).toEqual({ zenml_scope: 'global', zenml_secret_name: 'db' });
    expect(timestampToDate(secret.createTime!).getTime()).toBeGreaterThan(Date.now() - 60_000);

    const v1 = await addVersion('zenml-global-db', '{"password":"one"}');
    const v2 = await addVersion('zenml-global-db', '{"password":"two"}');
    expect([v1.name, v2.name]).toEqual([
      `${PROJECT}/secrets/zenml-global-db/versions/1`,
      `${PROJECT}/secrets/zenml-global-db/versions/2`,
    ]);
    expect(v2.state).toBe('ENABLED');

    const [latest] = await client.accessSecretVersion(
      { name: `${secret.name}/versions/latest` },
      CALL_OPTIONS,
    );
    expect(latest.name).toBe(`${secret.name}/versions/2`);
    expect(Buffer.from(latest.payload!.data!).toString()).toBe('{"password":"two"}');
    expect(Number(latest.payload!.dataCrc32c)).toBe(crc32c(Buffer.from('{"password":"two"}')));

    const [first] = await client.accessSecretVersion({ name: `${secret.name}/versions/1` }, CALL_OPTIONS);
    expect(Buffer.from(first.payload!.data!).toString()).toBe('{"password":"one"}');

    const raw = fake.secrets.get(secret.name!)!;
    expect(raw.labels).toEqual({ zenml_scope: 'global', zenml_secret_name: 'db' });
    expect(raw.versions.map((v) => v.data.toString())).toEqual(['{"password":"one"}', '{"password":"two"}']);
    expect(fake.latestValue(secret.name!)).toBe('{"password":"two"}');
  });

  it('serves secrets written straight into the raw state', async () => {
    fake.put(`${PROJECT}/secrets/legacy_key`, { labels: { 'zenml-group-key': 'g' }, versions: ['a', 'b'] });
    const [secret] = await client.getSecret({ name: `${PROJECT}/secrets/legacy_key` }, CALL_OPTIONS);
    expect(secret.labels).toEqual({ 'zenml-group-key': 'g' });
    const [access] = await client.accessSecretVersion(
      { name: `${PROJECT}/secrets/legacy_key/versions/latest` },
      CALL_OPTIONS,
    );
    expect(Buffer.from(access.payload!.data!).toString()).toBe('b');
  });

  it('answers ALREADY_EXISTS, NOT_FOUND and INVALID_ARGUMENT like the service', async () => {
    await create('dup');
    await expect(create('dup')).rejects.toMatchObject({ code: 6 });
    await expect(
      client.getSecret({ name: `${PROJECT}/secrets/missing` }, CALL_OPTIONS),
    ).rejects.toMatchObject({
      code: 5,
    });
    await expect(
      client.accessSecretVersion({ name: `${PROJECT}/secrets/missing/versions/latest` }, CALL_OPTIONS),
    ).rejects.toMatchObject({ code: 5 });
    await expect(
      client.accessSecretVersion({ name: `${PROJECT}/secrets/dup/versions/latest` }, CALL_OPTIONS),
    ).rejects.toMatchObject({ code: 5 });
    await expect(
      client.deleteSecret({ name: `${PROJECT}/secrets/missing` }, CALL_OPTIONS),
    ).rejects.toMatchObject({
      code: 5,
    });
    await expect(addVersion('missing', 'x')).rejects.toMatchObject({ code: 5 });

    await expect(create('bad.name')).rejects.toMatchObject({ code: 3 });
    await expect(create('x'.repeat(256))).rejects.toMatchObject({ code: 3 });
    await expect(create('upper', { Env: 'prod' })).rejects.toMatchObject({ code: 3 });
    await expect(create('digit', { '1env': 'prod' })).rejects.toMatchObject({ code: 3 });
    await expect(create('value', { env: 'Prod' })).rejects.toMatchObject({ code: 3 });
    await expect(create('long', { env: 'v'.repeat(64) })).rejects.toMatchObject({ code: 3 });
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    await expect(create('many', many)).rejects.toMatchObject({ code: 3 });
    await expect(addVersion('dup', Buffer.alloc(64 * 1024 + 1))).rejects.toMatchObject({ code: 3 });
    await addVersion('dup', Buffer.alloc(64 * 1024));
    expect(fake.secrets.has(`${PROJECT}/secrets/upper`)).toBe(false);
  });

  it('lists 250 secrets through real paging', async () => {
    for (let i = 0; i < 250; i++) await create(`s-${String(i).padStart(3, '0')}`, { n: String(i % 2) });
    const names: string[] = [];
    for await (const s of client.listSecretsAsync({ parent: PROJECT, pageSize: 100 }, LIST_OPTS))
      names.push(String(s.name));
    expect(names).toHaveLength(250);
    expect(new Set(names).size).toBe(250);
    expect(names[0]).toBe(`${PROJECT}/secrets/s-000`);
    const listCalls = fake.calls.filter((c) => c.method === 'ListSecrets');
    expect(listCalls).toHaveLength(3);

    const [page, nextRequest, response] = await client.listSecrets(
      { parent: PROJECT, pageSize: 40 },
      { ...CALL_OPTIONS, autoPaginate: false },
    );
    expect(page).toHaveLength(40);
    expect(response?.nextPageToken).toBeTruthy();
    expect(response?.totalSize).toBe(250);
    const [second] = await client.listSecrets(nextRequest!, { ...CALL_OPTIONS, autoPaginate: false });
    expect(second[0].name).toBe(`${PROJECT}/secrets/s-040`);
    await expect(
      client.listSecrets({ parent: PROJECT, pageToken: 'garbage' }, { ...CALL_OPTIONS, autoPaginate: false }),
    ).rejects.toMatchObject({ code: 3 });
  });

  it('filters by labels and names with AND, OR and NOT', async () => {
    await create('zenml-component-a-one', { zenml_scope: 'component', zenml_component_uuid: 'a' });
    await create('zenml-component-b-two', { zenml_scope: 'component', zenml_component_uuid: 'b' });
    await create('zenml-global-three', { zenml_scope: 'global' });
    await create('plain', {});

    expect(await listNames('labels.zenml_scope=component')).toEqual([
      'zenml-component-a-one',
      'zenml-component-b-two',
    ]);
    expect(await listNames('labels.zenml_scope:*')).toHaveLength(3);
    expect(await listNames('NOT labels.zenml_scope:*')).toEqual(['plain']);
    expect(await listNames('-labels.zenml_scope:*')).toEqual(['plain']);
    expect(await listNames('labels.zenml_scope=component AND labels.zenml_component_uuid=b')).toEqual([
      'zenml-component-b-two',
    ]);
    expect(await listNames('labels.zenml_scope=component AND NOT labels.zenml_component_uuid=b')).toEqual([
      'zenml-component-a-one',
    ]);
    expect(await listNames('name:three OR name:plain')).toEqual(['plain', 'zenml-global-three']);
    expect(await listNames('name:zenml-*-one')).toEqual(['zenml-component-a-one']);
    expect(await listNames('labels.zenml_scope="global" AND (name:three OR name:plain)')).toEqual([
      'zenml-global-three',
    ]);
    // As in AIP-160, OR binds tighter than AND: this is scope=global AND (three OR plain).
    expect(await listNames('labels.zenml_scope=global AND name:three OR name:plain')).toEqual([
      'zenml-global-three',
    ]);
    expect(await listNames('labels.zenml_scope:* labels.zenml_component_uuid=a')).toEqual([
      'zenml-component-a-one',
    ]);
    expect(await listNames('labels:zenml_component_uuid')).toHaveLength(2);
    expect(await listNames('create_time>2000-01-01T00:00:00Z AND name:plain')).toEqual(['plain']);
    await expect(listNames('labels.zenml_scope=')).rejects.toMatchObject({ code: 3 });
    await expect(listNames('(name:a')).rejects.toMatchObject({ code: 3 });
    await expect(listNames('unknown_field=x')).rejects.toMatchObject({ code: 3 });
  });

  it('updates labels through an update mask and deletes secrets', async () => {
    const secret = await create('upd', { a: '1' });
    const [updated] = await client.updateSecret(
      { secret: { name: secret.name, labels: { b: '2' } }, updateMask: { paths: ['labels'] } },
      CALL_OPTIONS,
    );
    expect(updated.labels).toEqual({ b: '2' });
    expect(updated.etag).not.toBe(secret.etag);
    expect(fake.secrets.get(secret.name!)!.labels).toEqual({ b: '2' });
    await expect(
      client.updateSecret(
        { secret: { name: secret.name, labels: { c: '3' } }, updateMask: { paths: [] } },
        CALL_OPTIONS,
      ),
    ).rejects.toMatchObject({ code: 3 });
    await expect(
      client.updateSecret(
        { secret: { name: secret.name, labels: { B: '2' } }, updateMask: { paths: ['labels'] } },
        CALL_OPTIONS,
      ),
    ).rejects.toMatchObject({ code: 3 });

    await client.deleteSecret({ name: secret.name }, CALL_OPTIONS);
    expect(fake.secrets.size).toBe(0);
    await expect(client.getSecret({ name: secret.name }, CALL_OPTIONS)).rejects.toMatchObject({ code: 5 });
  });

  it('lists, destroys and checksums versions', async () => {
    await create('ver');
    for (const value of ['a', 'b', 'c']) await addVersion('ver', value);
    const versions: string[] = [];
    for await (const v of client.listSecretVersionsAsync(
      { parent: `${PROJECT}/secrets/ver`, pageSize: 2 },
      LIST_OPTS,
    )) {
      versions.push(String(v.name).split('/').at(-1)!);
    }
    expect(versions).toEqual(['3', '2', '1']);

    const [destroyed] = await client.destroySecretVersion(
      { name: `${PROJECT}/secrets/ver/versions/3` },
      CALL_OPTIONS,
    );
    expect(destroyed.state).toBe('DESTROYED');
    expect(destroyed.destroyTime).toBeTruthy();
    await expect(
      client.accessSecretVersion({ name: `${PROJECT}/secrets/ver/versions/latest` }, CALL_OPTIONS),
    ).rejects.toMatchObject({ code: 9 });
    const [got] = await client.getSecretVersion({ name: `${PROJECT}/secrets/ver/versions/2` }, CALL_OPTIONS);
    expect(got.state).toBe('ENABLED');
    await expect(
      client.getSecretVersion({ name: `${PROJECT}/secrets/ver/versions/9` }, CALL_OPTIONS),
    ).rejects.toMatchObject({ code: 5 });

    const enabled: string[] = [];
    for await (const v of client.listSecretVersionsAsync(
      { parent: `${PROJECT}/secrets/ver`, filter: 'state:ENABLED' },
      LIST_OPTS,
    )) {
      enabled.push(String(v.name).split('/').at(-1)!);
    }
    expect(enabled).toEqual(['2', '1']);

    await expect(
      client.addSecretVersion(
        { parent: `${PROJECT}/secrets/ver`, payload: { data: Buffer.from('d'), dataCrc32c: 1 } },
        CALL_OPTIONS,
      ),
    ).rejects.toMatchObject({ code: 3 });
    const [checked] = await client.addSecretVersion(
      {
        parent: `${PROJECT}/secrets/ver`,
        payload: { data: Buffer.from('d'), dataCrc32c: crc32c(Buffer.from('d')) },
      },
      CALL_OPTIONS,
    );
    expect(checked.clientSpecifiedPayloadChecksum).toBe(true);
  });

  it('injects one-shot failures', async () => {
    await create('flaky');
    await addVersion('flaky', 'v');
    const name = `${PROJECT}/secrets/flaky/versions/latest`;
    fake.failNext('AccessSecretVersion', 7, 'denied');
    await expect(client.accessSecretVersion({ name }, CALL_OPTIONS)).rejects.toMatchObject({ code: 7 });
    // UNAVAILABLE is retryable for gax: with maxRetries 0 it surfaces as code 4 "Exceeded maximum number
    // of retries"; `retry: null` switches retrying off and shows the server's status.
    fake.failNext('AccessSecretVersion', 14, 'try again');
    await expect(client.accessSecretVersion({ name }, { timeout: 5_000, retry: null })).rejects.toMatchObject(
      {
        code: 14,
      },
    );
    const [ok] = await client.accessSecretVersion({ name }, CALL_OPTIONS);
    expect(Buffer.from(ok.payload!.data!).toString()).toBe('v');
  });

  it('applies delayMs to every call', async () => {
    fake.delayMs = 300;
    await expect(
      client.getSecret({ name: `${PROJECT}/secrets/slow` }, { timeout: 50, maxRetries: 0 }),
    ).rejects.toMatchObject({ code: 4 });
  });
});
