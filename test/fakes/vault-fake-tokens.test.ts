import { setTimeout as sleep } from 'node:timers/promises';
import vault from 'node-vault';
import { afterEach, describe, expect, it } from 'vitest';
import { caught } from '../helpers/caught.ts';
import {
  startVaultKvFake,
  type VaultFailure,
  type VaultKvFake,
  type VaultKvFakeOptions,
} from './vault-kv-fake.ts';

const ROLE = { roleId: 'role-1', secretId: 'secret-1' };

let fake: VaultKvFake;

afterEach(async () => {
  await fake?.close();
});

async function start(options: VaultKvFakeOptions): Promise<VaultKvFake> {
  fake = await startVaultKvFake({ port: 0, ...options });
  return fake;
}

function connect(token?: string): vault.client {
  return vault({ endpoint: fake.url, token, apiVersion: 'v1', noCustomHTTPVerbs: true });
}

const writeSecret = (client: vault.client) => client.write('secret/data/app', { data: { k: 'v' } });

describe('the root token', () => {
  it('never expires unless given a TTL; unknown tokens are refused with 403 permission denied', async () => {
    await start({ token: 'root-token' });
    await writeSecret(connect('root-token'));
    const lookup = await connect('root-token').tokenLookupSelf();
    expect(lookup.data).toMatchObject({ id: 'root-token', policies: ['root'], ttl: 0, expire_time: null });
    const unknown = await caught<VaultFailure>(writeSecret(connect('made-up')));
    expect(unknown.response).toEqual({ statusCode: 403, body: { errors: ['permission denied'] } });
  });

  it('expires after rootTokenTtl', async () => {
    await start({ token: 'short-root', rootTokenTtl: 1 });
    await writeSecret(connect('short-root'));
    await sleep(1100);
    expect((await caught<VaultFailure>(writeSecret(connect('short-root')))).response.statusCode).toBe(403);
  });
});

describe('AppRole login', () => {
  it('gives a renewable token with the role TTL that then reads and writes KV', async () => {
    await start({ appRoles: [{ ...ROLE, tokenTtl: 60 }] });
    const client = connect();
    const login = await client.approleLogin({ role_id: ROLE.roleId, secret_id: ROLE.secretId });
    expect(login.auth).toMatchObject({ lease_duration: 60, renewable: true, policies: ['default'] });
    expect(client.token).toBe(login.auth.client_token);
    await writeSecret(client);
    expect(fake.read('secret', 'app')).toEqual({ k: 'v' });
    const self = (await client.tokenLookupSelf()).data;
    expect(self).toMatchObject({ creation_ttl: 60, renewable: true, path: 'auth/approle/login' });
    expect(self.ttl).toBeGreaterThanOrEqual(59);
  });

  it('refuses a wrong secret id or role id with 400 invalid role or secret ID, and a missing role id', async () => {
    await start({ appRoles: [ROLE] });
    const wrongSecret = await caught<VaultFailure>(
      connect().approleLogin({ role_id: ROLE.roleId, secret_id: 'nope' }),
    );
    expect(wrongSecret.response).toEqual({
      statusCode: 400,
      body: { errors: ['invalid role or secret ID'] },
    });
    const wrongRole = await caught<VaultFailure>(
      connect().approleLogin({ role_id: 'nope', secret_id: ROLE.secretId }),
    );
    expect(wrongRole.response.statusCode).toBe(400);
    const missing = await caught<VaultFailure>(
      connect().write('auth/approle/login', { secret_id: ROLE.secretId }),
    );
    expect(missing.response.body).toEqual({ errors: ['missing role_id'] });
  });

  it('serves each role on its own auth mount', async () => {
    await start({ appRoles: [{ ...ROLE, mount: 'ci-approle' }] });
    const client = connect();
    await client.approleLogin({ mount_point: 'ci-approle', role_id: ROLE.roleId, secret_id: ROLE.secretId });
    await writeSecret(client);
    const defaultMount = await caught<VaultFailure>(
      connect().approleLogin({ role_id: ROLE.roleId, secret_id: ROLE.secretId }),
    );
    expect(defaultMount.response.statusCode).toBe(403);
  });
});

describe('token lifetime', () => {
  it('refuses a token once its TTL has passed', async () => {
    await start({ appRoles: [{ ...ROLE, tokenTtl: 1 }] });
    const client = connect();
    await client.approleLogin({ role_id: ROLE.roleId, secret_id: ROLE.secretId });
    await writeSecret(client);
    await sleep(1100);
    expect((await caught<VaultFailure>(writeSecret(client))).response).toEqual({
      statusCode: 403,
      body: { errors: ['permission denied'] },
    });
  });

  it('renews a token for another TTL, up to its max TTL, then refuses to renew', async () => {
    await start({ appRoles: [{ ...ROLE, tokenTtl: 2, tokenMaxTtl: 3 }] });
    const client = connect();
    await client.approleLogin({ role_id: ROLE.roleId, secret_id: ROLE.secretId });
    await sleep(1100);
    // 1.1 s in: a full TTL would pass the max TTL (3 s), so the lease is capped to what is left.
    const capped = await client.tokenRenewSelf();
    expect(capped.auth.lease_duration).toBe(1);
    await sleep(500);
    expect((await client.tokenRenewSelf()).auth.lease_duration).toBe(1);
    // 2.3 s in: the token lives until 2.6 s, but less than a second is left before the max TTL.
    await sleep(700);
    const past = await caught<VaultFailure>(client.tokenRenewSelf());
    expect(past.response).toEqual({ statusCode: 400, body: { errors: ['past the max TTL, cannot renew'] } });
  });

  it('renews with an increment, and never a non-renewable token', async () => {
    await start({ appRoles: [{ ...ROLE, tokenTtl: 5 }] });
    const client = connect();
    await client.approleLogin({ role_id: ROLE.roleId, secret_id: ROLE.secretId });
    expect((await client.tokenRenewSelf({ increment: '1m' })).auth.lease_duration).toBe(60);
    expect((await client.tokenLookupSelf()).data.ttl).toBeGreaterThan(55);
    const fixed = connect(fake.issueToken({ ttl: 30, renewable: false }));
    expect((await caught<VaultFailure>(fixed.tokenRenewSelf())).response.body).toEqual({
      errors: ['lease is not renewable'],
    });
  });

  it('revokes issued tokens on demand; the root token stays', async () => {
    await start({ token: 'root-token', appRoles: [ROLE] });
    const client = connect();
    await client.approleLogin({ role_id: ROLE.roleId, secret_id: ROLE.secretId });
    const issued = connect(fake.issueToken());
    await writeSecret(issued);
    fake.revokeTokens();
    expect((await caught<VaultFailure>(writeSecret(client))).response.statusCode).toBe(403);
    expect((await caught<VaultFailure>(writeSecret(issued))).response.statusCode).toBe(403);
    await writeSecret(connect('root-token'));
  });
});
