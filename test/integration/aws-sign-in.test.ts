import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsBackend } from '../../src/backends/aws/aws-backend.js';
import { createSecretBackendForKind } from '../../src/backends/create-central-store.js';
import { BadUserInputError } from '../../src/errors.js';
import { startAwsContainerCredentialsFake } from '../fakes/aws-container-credentials-fake.js';
import { EXPIRED, KEY, SESSION } from '../fakes/aws-fake-credentials.js';
import { type AwsSecretsManagerFake, startAwsSecretsManagerFake } from '../fakes/aws-secrets-manager-fake.js';
import { caught } from '../helpers/caught.js';
import { readManagedSecret, registerManagerStack, writeManagedSecret } from '../helpers/manager-stack.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

let fake: AwsSecretsManagerFake;
let t: TestGateway;

beforeAll(async () => {
  fake = await startAwsSecretsManagerFake({ port: 0, credentials: [KEY, SESSION, EXPIRED] });
  t = await startTestGateway();
});

afterAll(async () => {
  await t?.close();
  await fake?.close();
});

/** A secrets manager on the fake signed in with these fields (none: the default chain). */
const awsConfig = (signIn: Record<string, string>) => ({
  region_name: 'eu-west-1',
  endpoint_url: fake.url,
  scope: 'global',
  ...signIn,
});

const keyFields = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) => ({
  aws_access_key_id: credentials.accessKeyId,
  aws_secret_access_key: credentials.secretAccessKey,
  ...(credentials.sessionToken ? { aws_session_token: credentials.sessionToken } : {}),
});

/** Registers a manager and a stack, then writes a secret named like them through it: the write's answer. */
async function writeThrough(stack: string, signIn: Record<string, string>) {
  const registered = await registerManagerStack(t, stack, 'aws', awsConfig(signIn));
  expect(registered.errors).toBeUndefined();
  return writeManagedSecret(t, stack, stack, { password: 'value-9e1d' });
}

/** The error of a refused write: BACKEND_ERROR, with none of the given texts in its message. */
async function refusedWrite(stack: string, signIn: Record<string, string>): Promise<string> {
  const written = await writeThrough(stack, signIn);
  expect(written.errors?.[0].extensions?.code).toBe('BACKEND_ERROR');
  const message = written.errors?.[0].message ?? '';
  for (const value of Object.values(signIn)) expect(message).not.toContain(value);
  return message;
}

describe('AWS sign-in with an access key', () => {
  it('works with the right key and secret, end to end', async () => {
    expect((await writeThrough('aws-right', keyFields(KEY))).errors).toBeUndefined();
    expect(await readManagedSecret(t, 'aws-right', 'aws-right')).toEqual({ password: 'value-9e1d' });
    expect(fake.secrets.has('zenml/global/aws-right')).toBe(true);
  });

  it('a wrong secret is BACKEND_ERROR saying so in our words, with no credential in it', async () => {
    const message = await refusedWrite(
      'aws-wrong-secret',
      keyFields({ ...KEY, secretAccessKey: 'wrong-8d2f' }),
    );
    expect(message).toBe(
      'aws back-end error (InvalidSignatureException): AWS refused the request signature; check aws_secret_access_key (and the gateway clock)',
    );
  });

  it('an unknown access key id is BACKEND_ERROR naming the fields to check', async () => {
    const message = await refusedWrite('aws-unknown-key', keyFields({ ...KEY, accessKeyId: 'AKIDUNKNOWN' }));
    expect(message).toMatch(/^aws back-end error \(UnrecognizedClientException\): AWS does not recognise/);
  });
});

describe('AWS session credentials', () => {
  it('need their session token, and the right one', async () => {
    const { sessionToken: _token, ...withoutToken } = SESSION;
    expect(await refusedWrite('aws-no-token', keyFields(withoutToken))).toMatch(
      /UnrecognizedClientException/,
    );
    const wrongToken = keyFields({ ...SESSION, sessionToken: 'another-token-3f7a' });
    expect(await refusedWrite('aws-wrong-token', wrongToken)).toMatch(
      /check aws_access_key_id and aws_session_token/,
    );
    expect((await writeThrough('aws-session', keyFields(SESSION))).errors).toBeUndefined();
  });

  it('are refused once expired', async () => {
    expect(await refusedWrite('aws-expired', keyFields(EXPIRED))).toBe(
      'aws back-end error (ExpiredTokenException): the AWS session credentials have expired; give new aws_access_key_id, aws_secret_access_key and aws_session_token',
    );
  });
});

describe("AWS sign-in through the SDK's default credential chain", () => {
  /** Runs `work` with only these AWS_* variables in the environment, then restores it as it was. */
  async function withAwsEnvironment<T>(
    variables: Record<string, string>,
    work: () => Promise<T>,
  ): Promise<T> {
    const saved = Object.entries(process.env).filter(([name]) => name.startsWith('AWS_'));
    for (const [name] of saved) delete process.env[name];
    Object.assign(process.env, variables);
    try {
      return await work();
    } finally {
      for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name];
      for (const [name, value] of saved) process.env[name] = value;
    }
  }

  const environmentKeys = (keys: typeof KEY) => ({
    AWS_ACCESS_KEY_ID: keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
  });

  it('signs in with the keys in the environment when the configuration gives none', async () => {
    const written = await withAwsEnvironment(environmentKeys(KEY), () => writeThrough('aws-env', {}));
    expect(written.errors).toBeUndefined();
    expect(process.env.AWS_SECRET_ACCESS_KEY).not.toBe(KEY.secretAccessKey);
  });

  it('uses those keys for real: a wrong secret in the environment is refused', async () => {
    const wrong = environmentKeys({ ...KEY, secretAccessKey: 'env-wrong-1c5e' });
    const message = await withAwsEnvironment(wrong, () => refusedWrite('aws-env-wrong', {}));
    expect(message).toMatch(/InvalidSignatureException/);
    expect(message).not.toContain('env-wrong-1c5e');
  });

  it('says so when the chain finds no credentials at all', async () => {
    const nowhere = {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws/credentials',
      AWS_CONFIG_FILE: '/nonexistent/aws/config',
    };
    const message = await withAwsEnvironment(nowhere, () => refusedWrite('aws-env-none', {}));
    expect(message).toMatch(/^aws back-end error \(CredentialsProviderError\): no AWS credentials found/);
  });

  it('renews expiring container credentials: calls after they expire are signed with new ones', async () => {
    const container = await startAwsContainerCredentialsFake({
      lifetimeMs: 2000,
      issue: (credentials) => fake.accept(credentials),
    });
    const containerOnly = {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: container.url,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: container.authorizationToken,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws/credentials',
      AWS_CONFIG_FILE: '/nonexistent/aws/config',
    };
    const issuedIds = (from: number) => new Set(container.issued.slice(from).map((c) => c.accessKeyId));
    const signersSince = (from: number) => fake.signIns.slice(from).flatMap((s) => s.accessKeyId ?? []);
    const lastExpiry = () => Math.max(...container.issued.map((c) => c.expiration.getTime()));
    const start = fake.signIns.length;
    try {
      await withAwsEnvironment(containerOnly, async () => {
        expect((await writeThrough('aws-container', {})).errors).toBeUndefined();
        const first = signersSince(start);
        expect(first.length).toBeGreaterThan(0);
        expect(first.every((id) => issuedIds(0).has(id))).toBe(true);

        // Past the expiry of every credential handed out so far (a late refresh may add one).
        while (Date.now() <= lastExpiry() + 200) await sleep(lastExpiry() + 250 - Date.now());
        const issuedBefore = container.issued.length;
        const { accessKeyId, secretAccessKey, sessionToken } = container.issued[0];
        const stale = createAwsBackend({
          region: 'eu-west-1',
          endpoint: fake.url,
          timeoutMs: 5000,
          accessKeyId,
          secretAccessKey,
          sessionToken,
        });
        const refusal = await caught(stale.list({})); // one request: none left in flight to retry
        await stale.close?.();
        expect(refusal.message).toMatch(/^aws back-end error \(ExpiredTokenException\)/);
        const afterExpiry = fake.signIns.length;

        expect(await readManagedSecret(t, 'aws-container', 'aws-container')).toEqual({
          password: 'value-9e1d',
        });
        const second = await writeManagedSecret(t, 'aws-container', 'aws-container-2', { password: 'v-2' });
        expect(second.errors).toBeUndefined();
        expect(container.issued.length).toBeGreaterThan(issuedBefore);
        const renewed = signersSince(afterExpiry);
        expect(renewed.length).toBeGreaterThan(0);
        expect(renewed.every((id) => issuedIds(issuedBefore).has(id))).toBe(true);
        expect(new Set([...first, ...renewed]).size).toBeGreaterThanOrEqual(2);
      });
      // The one refusal is the stale check's: the SDK never sent expired credentials.
      expect(fake.signIns.slice(start).flatMap((s) => s.refusal ?? [])).toEqual(['ExpiredTokenException']);
      expect(fake.secrets.has('zenml/global/aws-container-2')).toBe(true);
      expect(container.refused).toBe(0);
      expect((await fetch(container.url)).status).toBe(401); // it does check the token
      expect(container.refused).toBe(1);
    } finally {
      await container.close();
    }
  });
});

describe('an access key id without its secret (or the reverse)', () => {
  it('is BAD_USER_INPUT at registration, naming the missing field', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ aws_access_key_id: KEY.accessKeyId }, 'configuration.aws_secret_access_key'],
      [{ aws_secret_access_key: KEY.secretAccessKey }, 'configuration.aws_access_key_id'],
      [{ aws_session_token: SESSION.sessionToken }, 'configuration.aws_session_token'],
    ];
    for (const [index, [signIn, path]] of cases.entries()) {
      const refused = await registerManagerStack(t, `aws-partial-${index}`, 'aws', awsConfig(signIn));
      expect(refused.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(refused.errors?.[0].extensions?.issues.map((issue: { path: string }) => issue.path)).toEqual([
        path,
      ]);
    }
  });

  it('is BAD_USER_INPUT when an update drops one of the pair', async () => {
    await registerManagerStack(t, 'aws-update', 'aws', awsConfig(keyFields(KEY)));
    const updated = await t.gql(
      'mutation { updateComponent(type: SECRETS_MANAGER, name: "aws-update", configuration: {aws_secret_access_key: null}) { component { id } } }',
    );
    expect(updated.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('is refused by the centralized store options and by the back-end itself', async () => {
    await expect(
      createSecretBackendForKind(
        'aws',
        { region_name: 'eu-west-1', aws_access_key_id: KEY.accessKeyId },
        1000,
      ),
    ).rejects.toThrow(
      'options aws_access_key_id and aws_secret_access_key go together (SGW_SECRETS_STORE_AWS_ACCESS_KEY_ID, SGW_SECRETS_STORE_AWS_SECRET_ACCESS_KEY)',
    );
    expect(() =>
      createAwsBackend({ region: 'eu-west-1', secretAccessKey: KEY.secretAccessKey, timeoutMs: 1000 }),
    ).toThrow(BadUserInputError);
  });
});
