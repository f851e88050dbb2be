import { sign } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_OPTIONS, fakeClient, grpc } from './gcp-fake-client.ts';
import { CLOUD_PLATFORM_SCOPE, GRANT_TYPE } from './gcp-fake-oauth.ts';
import {
  type GcpFakeAuth,
  type GcpSecretManagerFake,
  newServiceAccountKey,
  startGcpSecretManagerFake,
} from './gcp-secret-manager-fake.ts';
import { trustTestCertificate } from './test-tls.ts';

const SECRET = 'projects/test-project/secrets/signed';

let fake: GcpSecretManagerFake;
let auth: GcpFakeAuth;
const clients: SecretManagerServiceClient[] = [];

beforeAll(async () => {
  trustTestCertificate();
  fake = await startGcpSecretManagerFake({ auth: { tokenLifetimeSeconds: 2 } });
  auth = fake.auth as GcpFakeAuth;
  fake.put(SECRET, { versions: ['v'] });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await fake.close();
});

/** A JWT signed RS256 with `privateKey`, as a jwt-bearer assertion. */
function assertion(privateKey: string, claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signed = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${signed}.${sign('RSA-SHA256', Buffer.from(signed), privateKey).toString('base64url')}`;
}

/** `signed` with its claims replaced, the signature kept. */
function withClaims(signed: string, replaced: Record<string, unknown>): string {
  const [header, , signature] = signed.split('.');
  return `${header}.${Buffer.from(JSON.stringify(replaced)).toString('base64url')}.${signature}`;
}

/** The claims google-auth-library sends, for `email`, valid from now for an hour. */
function claims(email: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = Math.floor(Date.now() / 1000);
  return { iss: email, scope: CLOUD_PLATFORM_SCOPE, aud: auth.tokenUri, iat, exp: iat + 3600, ...extra };
}

async function requestToken(form: Record<string, string>) {
  const response = await fetch(auth.tokenUri, { method: 'POST', body: new URLSearchParams(form) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A key the token endpoint knows: its email and private key. */
function knownKey() {
  const key = JSON.parse(auth.createKey());
  return { email: key.client_email as string, privateKey: key.private_key as string };
}

/** A Secret Manager client over TLS sending `token` (none: no authorization header) with every call. */
function clientSending(token?: string): SecretManagerServiceClient {
  const tls = grpc.credentials.createSsl(Buffer.from(auth.caCert));
  const bearer = grpc.credentials.createFromMetadataGenerator((_options, callback) => {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    callback(null, metadata);
  });
  const sslCreds = token ? grpc.credentials.combineChannelCredentials(tls, bearer) : tls;
  const client = fakeClient(fake.port, sslCreds);
  clients.push(client);
  return client;
}

const read = (client: SecretManagerServiceClient) => client.getSecret({ name: SECRET }, CALL_OPTIONS);

describe('GCP fake token endpoint (jwt-bearer grant)', () => {
  it('issues an access token for an assertion signed with a known key', async () => {
    const { email, privateKey } = knownKey();
    const { status, body } = await requestToken({
      grant_type: GRANT_TYPE,
      assertion: assertion(privateKey, claims(email)),
    });
    expect(status).toBe(200);
    expect(body).toEqual({
      access_token: expect.stringMatching(/^ya29\./),
      expires_in: 2,
      token_type: 'Bearer',
    });
    expect(auth.issued.at(-1)).toMatchObject({
      token: body.access_token,
      email,
      scopes: [CLOUD_PLATFORM_SCOPE],
    });
  });

  it('refuses what Google refuses', async () => {
    const { email, privateKey } = knownKey();
    const otherEmail = knownKey().email;
    const otherKey = JSON.parse(newServiceAccountKey(email, auth.tokenUri).json).private_key as string;
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, Record<string, string>, string, string]> = [
      [
        'another key',
        { assertion: assertion(otherKey, claims(email)) },
        'invalid_grant',
        'Invalid JWT Signature.',
      ],
      [
        'an unknown account',
        { assertion: assertion(privateKey, claims('nobody@test-project.iam.gserviceaccount.com')) },
        'invalid_grant',
        'Invalid grant: account not found',
      ],
      [
        'another audience',
        { assertion: assertion(privateKey, claims(email, { aud: 'https://oauth2.googleapis.com/token' })) },
        'invalid_grant',
        'Invalid JWT audience.',
      ],
      [
        'an expired assertion',
        { assertion: assertion(privateKey, claims(email, { iat: now - 7200, exp: now - 3600 })) },
        'invalid_grant',
        expect.stringContaining('iat and exp') as never,
      ],
      [
        'an assertion valid for over an hour',
        { assertion: assertion(privateKey, claims(email, { exp: now + 7200 })) },
        'invalid_grant',
        expect.stringContaining('iat and exp') as never,
      ],
      [
        'no scope',
        { assertion: assertion(privateKey, claims(email, { scope: undefined })) },
        'invalid_scope',
        expect.any(String) as never,
      ],
      [
        'claims changed after signing',
        { assertion: withClaims(assertion(privateKey, claims(email)), claims(otherEmail)) },
        'invalid_grant',
        'Invalid JWT Signature.',
      ],
    ];
    const issuedBefore = auth.issued.length;
    for (const [label, form, error, description] of cases) {
      const answer = await requestToken({ grant_type: GRANT_TYPE, ...form });
      expect(answer, label).toEqual({ status: 400, body: { error, error_description: description } });
    }
    const wrongGrant = await requestToken({ grant_type: 'client_credentials' });
    expect(wrongGrant.body.error).toBe('unsupported_grant_type');
    expect(auth.issued.length).toBe(issuedBefore);
  });
});

describe('GCP fake Secret Manager with auth', () => {
  async function tokenFor(scope = CLOUD_PLATFORM_SCOPE): Promise<string> {
    const { email, privateKey } = knownKey();
    const { body } = await requestToken({
      grant_type: GRANT_TYPE,
      assertion: assertion(privateKey, claims(email, { scope })),
    });
    return body.access_token as string;
  }

  it('serves a call with a token it issued', async () => {
    const [secret] = await read(clientSending(await tokenFor()));
    expect(secret.name).toBe(SECRET);
  });

  it('refuses calls without a token, with a token it never issued, or once the token expired', async () => {
    await expect(read(clientSending())).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(read(clientSending('ya29.made-up'))).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
    });
    const token = await tokenFor();
    const client = clientSending(token);
    await read(client);
    await sleep(2_100); // tokens of this fake live 2 s
    await expect(read(client)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
  });

  it('refuses a token without the cloud-platform scope with PERMISSION_DENIED', async () => {
    const token = await tokenFor('https://www.googleapis.com/auth/userinfo.email');
    await expect(read(clientSending(token))).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
  });

  it('speaks TLS only: a plain-text client gets no answer', async () => {
    const client = fakeClient(fake.port, grpc.credentials.createInsecure());
    clients.push(client);
    await expect(client.getSecret({ name: SECRET }, { timeout: 1_000, retry: null })).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
  });
});
