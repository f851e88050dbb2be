import vault from 'node-vault';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { caught } from '../helpers/caught.ts';
import { startVaultKvFake, type VaultFailure, type VaultKvFake } from './vault-kv-fake.ts';

let fake: VaultKvFake;
let client: vault.client;

function connect(options: { token?: string; namespace?: string } = {}): vault.client {
  return vault({
    endpoint: fake.url,
    token: options.token ?? fake.token,
    namespace: options.namespace,
    apiVersion: 'v1',
    noCustomHTTPVerbs: true,
  });
}

beforeEach(async () => {
  fake = await startVaultKvFake({ port: 0, token: 'test-token' });
  client = connect();
});

afterEach(async () => {
  await fake.close();
});

describe('read and write', () => {
  it('writes versions and reads them back in the Vault envelope', async () => {
    const written = await client.write('secret/data/zenml/global/db', {
      data: { user: 'u', zenml_schema_name: 'mysql' },
    });
    expect(written.data).toMatchObject({
      version: 1,
      deletion_time: '',
      destroyed: false,
      custom_metadata: null,
    });
    await client.write('secret/data/zenml/global/db', { data: { user: 'u2' } });

    const latest = await client.read('secret/data/zenml/global/db');
    expect(Object.keys(latest).sort()).toEqual(
      [
        'auth',
        'data',
        'lease_duration',
        'lease_id',
        'mount_type',
        'renewable',
        'request_id',
        'warnings',
        'wrap_info',
      ].sort(),
    );
    expect(latest).toMatchObject({
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      wrap_info: null,
      auth: null,
    });
    expect(latest.data.data).toEqual({ user: 'u2' });
    expect(latest.data.metadata).toMatchObject({ version: 2, deletion_time: '', destroyed: false });
    expect(Number.isNaN(Date.parse(latest.data.metadata.created_time))).toBe(false);

    const first = await client.read('secret/data/zenml/global/db?version=1');
    expect(first.data.data).toEqual({ user: 'u', zenml_schema_name: 'mysql' });
    expect(fake.read('secret', 'zenml/global/db')).toEqual({ user: 'u2' });
  });

  it('answers 404 with an empty error list for a missing secret or version', async () => {
    const missing = await caught<VaultFailure>(client.read('secret/data/nope'));
    expect(missing.response.statusCode).toBe(404);
    expect(missing.response.body).toEqual({ errors: [] });
    await client.write('secret/data/x', { data: { a: 1 } });
    expect((await caught<VaultFailure>(client.read('secret/data/x?version=5'))).response.statusCode).toBe(
      404,
    );
  });

  it('enforces check-and-set', async () => {
    await client.write('secret/data/x', { data: { a: '1' }, options: { cas: 0 } });
    const clash = await caught<VaultFailure>(
      client.write('secret/data/x', { data: { a: '2' }, options: { cas: 0 } }),
    );
    expect(clash.response.statusCode).toBe(400);
    expect(clash.response.body).toEqual({
      errors: ['check-and-set parameter did not match the current version'],
    });
    expect(clash.message).toBe('check-and-set parameter did not match the current version');
    await client.write('secret/data/x', { data: { a: '2' }, options: { cas: 1 } });
    expect(fake.entry('secret', 'x')?.currentVersion).toBe(2);

    await client.write('secret/metadata/x', { cas_required: true });
    const required = await caught<VaultFailure>(client.write('secret/data/x', { data: { a: '3' } }));
    expect(required.message).toBe('check-and-set parameter required for this call');
  });

  it('merges a PATCH into the latest version', async () => {
    await client.write('secret/data/x', { data: { a: '1', b: '2' } });
    await client.update('secret/data/x', { data: { b: null, c: '3' } });
    expect(fake.read('secret', 'x')).toEqual({ a: '1', c: '3' });
    expect(fake.entry('secret', 'x')?.currentVersion).toBe(2);
  });

  it('keeps at most 10 versions by default', async () => {
    for (let i = 1; i <= 12; i++) fake.put('secret', 'x', { i });
    const metadata = await client.read('secret/metadata/x');
    expect(Object.keys(metadata.data.versions)).toHaveLength(10);
    expect(metadata.data).toMatchObject({ current_version: 12, oldest_version: 3 });
    expect((await caught<VaultFailure>(client.read('secret/data/x?version=2'))).response.statusCode).toBe(
      404,
    );
  });
});

describe('list', () => {
  it('lists immediate children via GET ?list=1, folders with a trailing slash', async () => {
    for (const path of ['zenml/a', 'zenml/dir/b', 'zenml/dir/c', 'zenml/b', 'other']) {
      await client.write(`secret/data/${path}`, { data: { v: path } });
    }
    const listed = await client.list('secret/metadata/zenml');
    expect(listed.data.keys).toEqual(['a', 'b', 'dir/']);
    expect((await client.list('secret/metadata/zenml/dir/')).data.keys).toEqual(['b', 'c']);
    expect((await client.list('secret/metadata')).data.keys).toEqual(['other', 'zenml/']);
    expect(fake.calls.at(-1)).toBe('GET /v1/secret/metadata?list=1');
  });

  it('answers 404 when nothing is under the folder', async () => {
    const error = await caught<VaultFailure>(client.list('secret/metadata/empty'));
    expect(error.response.statusCode).toBe(404);
    expect(error.response.body).toEqual({ errors: [] });
  });
});

describe('delete', () => {
  it('soft-deletes the latest version, keeping the key listed', async () => {
    await client.write('secret/data/x', { data: { a: '1' } });
    await client.write('secret/data/x', { data: { a: '2' } });
    await client.delete('secret/data/x');

    const deleted = await caught<VaultFailure>(client.read('secret/data/x'));
    expect(deleted.response.statusCode).toBe(404);
    const body = deleted.response.body as { data: { data: unknown; metadata: { deletion_time: string } } };
    expect(body.data.data).toBeNull();
    expect(body.data.metadata.deletion_time).not.toBe('');
    expect((await client.read('secret/data/x?version=1')).data.data).toEqual({ a: '1' });
    expect((await client.list('secret/metadata')).data.keys).toEqual(['x']);
    expect(fake.read('secret', 'x')).toBeUndefined();

    await client.write('secret/undelete/x', { versions: [2] });
    expect(fake.read('secret', 'x')).toEqual({ a: '2' });
  });

  it('deletes all versions and metadata with DELETE metadata/<path> (204)', async () => {
    await client.write('secret/data/x', { data: { a: '1' } });
    await client.delete('secret/metadata/x');
    expect(fake.entry('secret', 'x')).toBeUndefined();
    expect((await caught<VaultFailure>(client.read('secret/metadata/x'))).response.statusCode).toBe(404);
    expect((await caught<VaultFailure>(client.list('secret/metadata'))).response.statusCode).toBe(404);
    expect(fake.calls.filter((call) => call.startsWith('DELETE'))).toEqual(['DELETE /v1/secret/metadata/x']);
  });
});

describe('access and routing', () => {
  it('rejects a wrong token with 403 permission denied', async () => {
    const error = await caught<VaultFailure>(connect({ token: 'wrong' }).read('secret/data/x'));
    expect(error.response.statusCode).toBe(403);
    expect(error.response.body).toEqual({ errors: ['permission denied'] });
  });

  it('answers 404 for an unknown mount and for v1-style paths', async () => {
    const unknown = await caught<VaultFailure>(client.read('nomount/data/x'));
    expect(unknown.response.statusCode).toBe(404);
    expect(unknown.message).toContain('no handler for route');
    const v1Style = await caught<VaultFailure>(client.read('secret/x'));
    expect(v1Style.response.statusCode).toBe(404);
    expect((v1Style.response.body as { warnings: string[] }).warnings[0]).toContain(
      'Invalid path for a versioned K/V',
    );
  });

  it('keeps namespaces apart', async () => {
    const teamA = connect({ namespace: 'team-a' });
    await teamA.write('secret/data/x', { data: { owner: 'a' } });
    expect((await caught<VaultFailure>(client.read('secret/data/x'))).response.statusCode).toBe(404);
    expect((await teamA.read('secret/data/x')).data.data).toEqual({ owner: 'a' });
    expect(fake.read('secret', 'x', 'team-a')).toEqual({ owner: 'a' });
    expect(fake.read('secret', 'x')).toBeUndefined();
  });

  it('serves secrets written straight into the state, and extra mounts', async () => {
    fake.addMount('kv/team');
    expect(fake.put('kv/team', 'zenml/global/s', { token: 't', zenml_schema_name: 'arbitrary' })).toBe(1);
    expect((await client.read('kv/team/data/zenml/global/s')).data.data).toEqual({
      token: 't',
      zenml_schema_name: 'arbitrary',
    });
    expect(fake.paths('kv/team')).toEqual(['zenml/global/s']);
  });

  it('adds delayMs to every call and closes promptly', async () => {
    fake.delayMs = 60;
    const started = Date.now();
    await caught<VaultFailure>(client.read('secret/data/x'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    const closing = Date.now();
    await fake.close();
    expect(Date.now() - closing).toBeLessThan(1000);
  });

  it('answers health checks without a token', async () => {
    const health = await connect({ token: 'wrong' }).health();
    expect(health).toMatchObject({ initialized: true, sealed: false });
  });
});
