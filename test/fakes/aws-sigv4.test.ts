import {
  ListSecretsCommand,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
  type SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { caught } from '../helpers/caught.ts';
import { EXPIRED, KEY, SESSION } from './aws-fake-credentials.ts';
import { type AwsSecretsManagerFake, startAwsSecretsManagerFake } from './aws-secrets-manager-fake.ts';

let fake: AwsSecretsManagerFake;
const clients: SecretsManagerClient[] = [];

beforeEach(async () => {
  fake = await startAwsSecretsManagerFake({ port: 0, credentials: [KEY, SESSION, EXPIRED] });
  fake.put('zenml/global/db', '{"k":"v"}');
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await fake.close();
});

/** A real SDK client pointed at the fake, signing with the given credentials. */
function clientWith(
  credentials: SecretsManagerClientConfig['credentials'],
  config: Partial<SecretsManagerClientConfig> = {},
): SecretsManagerClient {
  const client = new SecretsManagerClient({
    region: 'eu-west-1',
    endpoint: fake.url,
    credentials,
    maxAttempts: 1,
    ...config,
  });
  clients.push(client);
  return client;
}

const listNames = async (client: SecretsManagerClient) =>
  ((await client.send(new ListSecretsCommand({}))).SecretList ?? []).map((secret) => secret.Name);

/** The error a ListSecrets call through `client` is refused with. */
const refusal = (client: SecretsManagerClient) =>
  caught<SecretsManagerServiceException>(client.send(new ListSecretsCommand({})));

/** Changes the request after the SDK signed it (the deserialize step runs just before sending). */
function tamperAfterSigning(client: SecretsManagerClient, change: (request: any) => void): void {
  client.middlewareStack.add(
    (next) => (args) => {
      change(args.request);
      return next(args);
    },
    { step: 'deserialize' },
  );
}

describe('the AWS fake checks SigV4 signatures like AWS', () => {
  it('accepts a request signed with a known key and its secret', async () => {
    expect(await listNames(clientWith(KEY))).toEqual(['zenml/global/db']);
  });

  it('refuses an unknown access key id with 400 UnrecognizedClientException', async () => {
    const error = await refusal(
      clientWith({ accessKeyId: 'AKIDUNKNOWN', secretAccessKey: KEY.secretAccessKey }),
    );
    expect(error.name).toBe('UnrecognizedClientException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe('The security token included in the request is invalid.');
  });

  it('refuses a signature made with the wrong secret with 403 InvalidSignatureException', async () => {
    const error = await refusal(clientWith({ ...KEY, secretAccessKey: 'not-the-secret' }));
    expect(error.name).toBe('InvalidSignatureException');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toMatch(/^The request signature we calculated does not match/);
  });

  it('rebuilds the canonical request from what it received: a changed body or signed header fails', async () => {
    const body = clientWith(KEY);
    tamperAfterSigning(body, (request) => {
      request.body = JSON.stringify({ MaxResults: 1 });
      request.headers['content-length'] = String(Buffer.byteLength(request.body));
    });
    expect((await refusal(body)).name).toMatch(/InvalidSignatureException|XAmzContentSHA256Mismatch/);

    const header = clientWith(KEY);
    tamperAfterSigning(header, (request) => {
      request.headers['x-amz-target'] = 'secretsmanager.DescribeSecret';
    });
    expect((await refusal(header)).name).toBe('InvalidSignatureException');

    const unsignedHeader = clientWith(KEY);
    tamperAfterSigning(unsignedHeader, (request) => {
      request.headers['x-not-signed'] = 'anything';
    });
    expect(await listNames(unsignedHeader)).toEqual(['zenml/global/db']);
  });

  it('signs and verifies an escaped path and a query string', async () => {
    const client = clientWith(KEY, { endpoint: `${fake.url}/a b/c+d` });
    client.middlewareStack.add(
      (next) => (args) => {
        (args.request as any).query = { zeta: 'last one', alpha: ['2', '1'], 'key*': "it's" };
        return next(args);
      },
      { step: 'build' },
    );
    expect(await listNames(client)).toEqual(['zenml/global/db']);
  });

  it('refuses a request signed more than 15 minutes ago', async () => {
    const error = await refusal(clientWith(KEY, { systemClockOffset: -20 * 60_000 }));
    expect(error.name).toBe('InvalidSignatureException');
    expect(error.message).toMatch(/^Signature expired/);
  });

  it('refuses a request without an Authorization header', async () => {
    const response = await fetch(fake.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.ListSecrets' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
  });
});

describe('session credentials', () => {
  it('work with their session token', async () => {
    expect(await listNames(clientWith(SESSION))).toEqual(['zenml/global/db']);
  });

  it('are refused without the session token, or with another one', async () => {
    const { sessionToken: _token, ...withoutToken } = SESSION;
    const missing = await refusal(clientWith(withoutToken));
    expect(missing.name).toBe('UnrecognizedClientException');
    const wrong = await refusal(clientWith({ ...SESSION, sessionToken: 'session-token-2' }));
    expect(wrong.name).toBe('UnrecognizedClientException');
    const extra = await refusal(clientWith({ ...KEY, sessionToken: 'a-token-long-term-keys-never-had' }));
    expect(extra.name).toBe('UnrecognizedClientException');
  });

  it('are refused with ExpiredTokenException once expired', async () => {
    const error = await refusal(clientWith(EXPIRED));
    expect(error.name).toBe('ExpiredTokenException');
    expect(error.message).toBe('The security token included in the request is expired');
  });

  it('can be accepted after the fake started; each sign-in is logged', async () => {
    const later = {
      accessKeyId: 'ASIALATER',
      secretAccessKey: 'later-secret-4e2a',
      sessionToken: 'later-token-8b1c',
      expiration: new Date(Date.now() + 60_000),
    };
    expect((await refusal(clientWith(later))).name).toBe('UnrecognizedClientException');
    fake.accept(later);
    expect(await listNames(clientWith(later))).toEqual(['zenml/global/db']);
    expect(fake.signIns).toEqual([{ refusal: 'UnrecognizedClientException' }, { accessKeyId: 'ASIALATER' }]);
  });
});
