/**
 * Issue #15, findings 1, 2, 10 and part of 11, reproduced from the outside as the attacker's
 * role (GraphQL through the test gateway; Postgres + Redis with DATABASE_URL/REDIS_URL, else
 * embedded PGlite): a secrets manager's credentials never come back, re-pointing a component
 * needs its credentials again, a private secret never resolves into someone else's component,
 * and a sensitive value is never quoted in a validation error.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsSecretsManagerFake, startAwsSecretsManagerFake } from '../fakes/aws-secrets-manager-fake.js';
import { listen } from '../fakes/fake-http-server.js';
import { newServiceAccountKey } from '../fakes/gcp-secret-manager-fake.js';
import { startVaultKvFake, type VaultKvFake } from '../fakes/vault-kv-fake.js';
import { registerManagerStack, writeManagedSecret } from '../helpers/manager-stack.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const MASK = '********';
const GCP_KEY = newServiceAccountKey(
  'sm@test-project.iam.gserviceaccount.com',
  'https://oauth2.googleapis.com/token',
);
/** A line of the GCP key's private key: any part of it in an answer is a leak. */
const GCP_KEY_LINE = (JSON.parse(GCP_KEY.json).private_key as string).split('\n')[1];
/** An identifier, shown in `configuration` like ZenML's non-secret fields, but never sent to another endpoint. */
const AWS_KEY_ID = 'AKIACANARY0SGW15';
const CANARY = {
  awsSecret: 'canary-aws-secret-5f1e0c',
  awsSession: 'canary-aws-session-9c3b77',
  vaultToken: 'canary-vault-token-77d0a1',
  vaultSecretId: 'canary-vault-secret-id-41e2',
  azureSecret: 'canary-azure-secret-31aa9f',
  trackerPassword: 'canary-mlflow-password-4e2a',
  trackerToken: 'canary-mlflow-token-8b10',
  userSecret: 'canary-private-user-secret-c0de',
};
const CANARIES = [...Object.values(CANARY), GCP_KEY_LINE];
const hmac = (value: string) => createHmac('sha256', 'test-audit-hmac-key').update(value).digest('hex');

/** Fails when `value` (an answer, an event, a log) holds any canary credential. */
function expectNoCanary(value: unknown): void {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  for (const canary of CANARIES) expect(text).not.toContain(canary);
  expect(text).not.toContain('PRIVATE KEY');
}

/** An attacker's HTTP server: records what reaches it, answers 403. */
async function startCapture() {
  const requests: Array<{ url: string; headers: http.IncomingHttpHeaders }> = [];
  const server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    req.resume();
    res.writeHead(403, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: ['permission denied'], __type: 'AccessDeniedException' }));
  });
  const port = await listen(server, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const REGISTER = `mutation($type: ComponentType!, $name: String!, $flavor: String!, $c: JSON!) {
  registerComponent(type: $type, name: $name, flavor: $flavor, configuration: $c) { component { id } warnings }
}`;
const UPDATE = `mutation($type: ComponentType!, $name: String!, $c: JSON!) {
  updateComponent(type: $type, name: $name, configuration: $c) { component { configuration } }
}`;
const RESOLVE = `query($type: ComponentType!, $name: String!) {
  component(type: $type, name: $name) { resolvedConfiguration }
}`;
const EVENTS = `query($actions: [String!]) {
  auditEvents(filter: {actions: $actions}, first: 1000) { nodes { actor action outcome target valueFingerprints } }
}`;

/** Secrets manager configurations holding canary credentials, with the fields that must come back masked. */
const MANAGERS: Array<{ name: string; flavor: string; c: Record<string, unknown>; masked: string[] }> = [
  {
    name: 'admin-aws',
    flavor: 'aws',
    c: {
      region_name: 'us-east-1',
      endpoint_url: 'http://127.0.0.1:9',
      aws_access_key_id: AWS_KEY_ID,
      aws_secret_access_key: CANARY.awsSecret,
      aws_session_token: CANARY.awsSession,
    },
    masked: ['aws_secret_access_key', 'aws_session_token'],
  },
  {
    name: 'admin-vault',
    flavor: 'vault',
    c: { url: 'http://127.0.0.1:9', token: CANARY.vaultToken },
    masked: ['token'],
  },
  {
    name: 'admin-approle',
    flavor: 'vault',
    c: { url: 'http://127.0.0.1:9', role_id: 'role-1', secret_id: CANARY.vaultSecretId },
    masked: ['secret_id'],
  },
  {
    name: 'admin-azure',
    flavor: 'azure',
    c: {
      key_vault_name: 'kv',
      vault_url: 'http://127.0.0.1:9',
      tenant_id: 't',
      client_id: 'c',
      client_secret: CANARY.azureSecret,
    },
    masked: ['client_secret'],
  },
  {
    name: 'admin-gcp',
    flavor: 'gcp',
    c: { project_id: 'p', api_endpoint: '127.0.0.1:9', credentials_json: GCP_KEY.json },
    masked: ['credentials_json'],
  },
];

describe('security: component credentials (issue #15)', () => {
  let t: TestGateway;
  const logLines: string[] = [];
  let mallory: string;
  let alice: string;
  let reader: string;

  beforeAll(async () => {
    t = await startTestGateway({ logLines });
    mallory = await t.tokenFor('mallory', 'WRITER');
    alice = await t.tokenFor('alice', 'WRITER');
    reader = await t.tokenFor('reader', 'READER');
  });
  afterAll(() => t.close());

  it('finding 1: no role reads a secrets manager’s credentials, in configuration or resolvedConfiguration', async () => {
    for (const m of MANAGERS) {
      await t.ok(REGISTER, { type: 'SECRETS_MANAGER', name: m.name, flavor: m.flavor, c: m.c });
      await t.ok('mutation($n: String!) { registerStack(name: $n, components: [$n]) { id } }', { n: m.name });
    }
    const configurationQuery = `{ components(type: SECRETS_MANAGER) { name configuration }
      stacks { name secretsManager { configuration } } }`;
    const resolvedQuery = '{ components(type: SECRETS_MANAGER) { name resolvedConfiguration } }';
    for (const token of [t.adminToken, mallory, reader]) {
      const answer = await t.ok(configurationQuery, {}, token);
      expectNoCanary(answer);
      const stacks = new Map<string, Record<string, unknown>>(
        answer.stacks.map((s: any) => [s.name, s.secretsManager.configuration]),
      );
      for (const m of MANAGERS) {
        const shown = answer.components.find((c: any) => c.name === m.name).configuration;
        for (const field of m.masked)
          expect([field, shown[field], stacks.get(m.name)?.[field]]).toEqual([field, MASK, MASK]);
      }
    }
    for (const token of [t.adminToken, mallory]) {
      const answer = await t.ok(resolvedQuery, {}, token);
      expectNoCanary(answer);
      for (const m of MANAGERS) {
        const resolved = answer.components.find((c: any) => c.name === m.name).resolvedConfiguration;
        for (const field of m.masked) expect([field, resolved[field]]).toEqual([field, MASK]);
      }
      const one = await t.ok(RESOLVE, { type: 'SECRETS_MANAGER', name: 'admin-vault' }, token);
      expect(one.component.resolvedConfiguration).toMatchObject({ url: 'http://127.0.0.1:9', token: MASK });
    }
    const denied = await t.gql(resolvedQuery, {}, reader);
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expectNoCanary(denied);
    expectNoCanary(await t.ok(EVENTS, {}));
    expectNoCanary(logLines.join('\n'));
  });

  it('finding 1: another component’s sensitive values stay readable by value readers and are fingerprinted', async () => {
    await t.ok(REGISTER, {
      type: 'EXPERIMENT_TRACKER',
      name: 'plain-tracker',
      flavor: 'mlflow',
      c: {
        tracking_uri: 'https://mlflow.example',
        tracking_password: CANARY.trackerPassword,
        tracking_token: CANARY.trackerToken,
      },
    });
    const shown = await t.ok(
      '{ component(type: EXPERIMENT_TRACKER, name: "plain-tracker") { configuration } }',
      {},
      mallory,
    );
    expect(shown.component.configuration.tracking_password).toBe(MASK);
    const resolved = await t.ok(RESOLVE, { type: 'EXPERIMENT_TRACKER', name: 'plain-tracker' }, mallory);
    expect(resolved.component.resolvedConfiguration.tracking_password).toBe(CANARY.trackerPassword);
    const events = (await t.ok(EVENTS, { actions: ['component.resolve'] })).auditEvents.nodes;
    const event = events
      .filter((e: any) => e.actor === 'mallory' && e.target.name === 'plain-tracker')
      .at(-1);
    expect(event.valueFingerprints).toEqual({
      'field:tracking_password': hmac(CANARY.trackerPassword),
      'field:tracking_token': hmac(CANARY.trackerToken),
    });
    expectNoCanary(events);
  });

  describe('finding 2: re-pointed credentials', () => {
    let vault: VaultKvFake;
    let aws: AwsSecretsManagerFake;
    let capture: Awaited<ReturnType<typeof startCapture>>;
    beforeAll(async () => {
      vault = await startVaultKvFake({ token: CANARY.vaultToken });
      aws = await startAwsSecretsManagerFake({
        credentials: [
          {
            accessKeyId: AWS_KEY_ID,
            secretAccessKey: CANARY.awsSecret,
            sessionToken: CANARY.awsSession,
          },
        ],
      });
      capture = await startCapture();
      const vaultConfig = { url: vault.url, token: CANARY.vaultToken, scope: 'global' };
      expect((await registerManagerStack(t, 'ops-vault', 'vault', vaultConfig)).errors).toBeUndefined();
      const awsConfig = {
        region_name: 'us-east-1',
        endpoint_url: aws.url,
        aws_access_key_id: AWS_KEY_ID,
        aws_secret_access_key: CANARY.awsSecret,
        aws_session_token: CANARY.awsSession,
        scope: 'global',
      };
      expect((await registerManagerStack(t, 'ops-aws', 'aws', awsConfig)).errors).toBeUndefined();
      // the stored credentials work: the gateway still signs in with them
      expect((await writeManagedSecret(t, 'ops-vault', 'db', { password: 'p' })).errors).toBeUndefined();
      expect((await writeManagedSecret(t, 'ops-aws', 'db', { password: 'p' })).errors).toBeUndefined();
    });
    afterAll(async () => {
      await Promise.all([vault.close(), aws.close(), capture.close()]);
    });

    it('moving an endpoint without giving the credentials again is BAD_USER_INPUT naming them', async () => {
      const cases = [
        { name: 'ops-vault', c: { url: capture.url }, fields: ['token'] },
        {
          name: 'ops-aws',
          c: { endpoint_url: capture.url },
          fields: ['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token'],
        },
        {
          name: 'ops-aws',
          c: { region_name: 'eu-west-1', aws_secret_access_key: 'mallory-secret' },
          fields: ['aws_access_key_id', 'aws_session_token'],
        },
      ];
      for (const { name, c, fields } of cases) {
        const refused = await t.gql(UPDATE, { type: 'SECRETS_MANAGER', name, c }, mallory);
        expect(refused.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
        expect(refused.errors?.[0].extensions?.issues.map((i: any) => i.path)).toEqual(
          fields.map((f) => `configuration.${f}`),
        );
        for (const field of fields) expect(refused.errors?.[0].message).toContain(field);
        expectNoCanary(refused);
      }
      const list = await t.gql(
        '{ a: managedSecrets(stack: "ops-vault") { name } b: managedSecrets(stack: "ops-aws") { name } }',
        {},
        mallory,
      );
      expect(list.data).toEqual({ a: [{ name: 'db' }], b: [{ name: 'db' }] });
      expect(capture.requests).toEqual([]);
      // an update that moves nothing needs no credentials
      await t.ok(
        UPDATE,
        { type: 'SECRETS_MANAGER', name: 'ops-vault', c: { vault_namespace: 'team' } },
        mallory,
      );
      await t.ok(
        UPDATE,
        { type: 'SECRETS_MANAGER', name: 'ops-vault', c: { vault_namespace: null } },
        mallory,
      );
    });

    it('with the attacker’s own credentials, only those reach the attacker’s server', async () => {
      await t.ok(
        UPDATE,
        {
          type: 'SECRETS_MANAGER',
          name: 'ops-vault',
          c: { url: capture.url, token: 'mallory-vault-token' },
        },
        mallory,
      );
      await t.ok(
        UPDATE,
        {
          type: 'SECRETS_MANAGER',
          name: 'ops-aws',
          c: {
            endpoint_url: capture.url,
            aws_access_key_id: 'AKIAMALLORY',
            aws_secret_access_key: 'mallory-aws-secret',
            aws_session_token: null,
          },
        },
        mallory,
      );
      for (const stack of ['ops-vault', 'ops-aws']) {
        const listed = await t.gql(
          'query($s: String) { managedSecrets(stack: $s) { name } }',
          { s: stack },
          mallory,
        );
        expect(listed.errors?.length).toBeGreaterThan(0);
        expectNoCanary(listed);
      }
      const vaultTokens = capture.requests.map((r) => r.headers['x-vault-token']).filter(Boolean);
      const awsSignatures = capture.requests.map((r) => r.headers.authorization).filter(Boolean);
      expect(new Set(vaultTokens)).toEqual(new Set(['mallory-vault-token']));
      expect(awsSignatures.length).toBeGreaterThan(0);
      for (const signature of awsSignatures) expect(signature).toContain('Credential=AKIAMALLORY/');
      expect(capture.requests.some((r) => r.headers['x-amz-security-token'])).toBe(false);
      expectNoCanary(capture.requests);
      expect(JSON.stringify(capture.requests)).not.toContain(AWS_KEY_ID);
    });
  });

  describe('finding 10: USER secrets resolve only into components their reader owns', () => {
    const tracker = (name: string) => ({ type: 'EXPERIMENT_TRACKER', name });
    beforeAll(async () => {
      await t.ok(
        'mutation($v: JSON!) { createSecret(name: "shared", scope: USER, values: $v) { id } }',
        { v: { password: CANARY.userSecret } },
        alice,
      );
    });

    it('another principal’s tracker yields the WORKSPACE secret, never the reader’s private one', async () => {
      await t.ok(
        REGISTER,
        {
          ...tracker('mallory-tracker'),
          flavor: 'mlflow',
          c: { tracking_uri: 'https://mallory.example', tracking_password: '{{shared.password}}' },
        },
        mallory,
      );
      const missing = await t.gql(RESOLVE, tracker('mallory-tracker'), alice);
      expect(missing.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      expectNoCanary(missing);
      await t.ok(
        'mutation { registerStack(name: "mallory-ml", components: ["mallory-tracker"]) { id } }',
        {},
        mallory,
      );
      const problems = '{ stack(name: "mallory-ml") { problems } }';
      expect((await t.ok(problems, {}, alice)).stack.problems).toEqual([
        expect.stringMatching(/secret "shared" .* does not exist/),
      ]);

      await t.ok(
        'mutation { createSecret(name: "shared", values: {password: "workspace-password"}) { id } }',
      );
      const resolved = await t.ok(RESOLVE, tracker('mallory-tracker'), alice);
      expect(resolved.component.resolvedConfiguration.tracking_password).toBe('workspace-password');
      expect((await t.ok(problems, {}, alice)).stack.problems).toEqual([]);
    });

    it('the owner’s own component resolves the USER secret until someone else rewrites it', async () => {
      await t.ok(
        REGISTER,
        {
          ...tracker('alice-tracker'),
          flavor: 'mlflow',
          c: { tracking_uri: 'https://mlflow.alice.example', tracking_password: '{{shared.password}}' },
        },
        alice,
      );
      const own = await t.ok(RESOLVE, tracker('alice-tracker'), alice);
      expect(own.component.resolvedConfiguration.tracking_password).toBe(CANARY.userSecret);

      const repoint = { tracking_uri: 'https://mallory.example' };
      const refused = await t.gql(UPDATE, { ...tracker('alice-tracker'), c: repoint }, mallory);
      expect(refused.errors?.[0].extensions?.issues).toEqual([
        { path: 'configuration.tracking_password', message: expect.stringContaining('tracking_uri') },
      ]);
      await t.ok(
        UPDATE,
        { ...tracker('alice-tracker'), c: { ...repoint, tracking_password: '{{shared.password}}' } },
        mallory,
      );
      const after = await t.ok(RESOLVE, tracker('alice-tracker'), alice);
      expect(after.component.resolvedConfiguration).toEqual({
        tracking_uri: 'https://mallory.example',
        tracking_password: 'workspace-password',
      });
      expectNoCanary((await t.ok(EVENTS, { actions: ['component.resolve'] })).auditEvents.nodes);
    });
  });

  it('finding 11: no answer quotes a sensitive field’s value, a near-reference included', async () => {
    const attempts = [
      {
        type: 'EXPERIMENT_TRACKER',
        flavor: 'mlflow',
        c: { tracking_uri: 'x', tracking_password: `{{${CANARY.trackerPassword}` },
      },
      {
        type: 'EXPERIMENT_TRACKER',
        flavor: 'mlflow',
        c: { tracking_uri: 'x', tracking_token: `{{${CANARY.trackerToken}}}` },
      },
      {
        type: 'SECRETS_MANAGER',
        flavor: 'vault',
        c: { url: 'http://127.0.0.1:9', token: `${CANARY.vaultToken}}}` },
      },
      { type: 'ARTIFACT_STORE', flavor: 's3', c: { path: 's3://b', secret: `a{{${CANARY.awsSecret}.x}}` } },
    ];
    // ZenML 0.40+ takes text that is not a whole {{name.key}} as a plain value: each is stored
    // sealed, and neither the answer nor its warning quotes it.
    for (const [i, a] of attempts.entries()) {
      const answer = await t.gql(REGISTER, { ...a, name: `bad-${i}` }, mallory);
      expect(answer.errors).toBeUndefined();
      expectNoCanary(answer);
    }
    const update = await t.gql(
      UPDATE,
      {
        type: 'EXPERIMENT_TRACKER',
        name: 'plain-tracker',
        c: { tracking_password: `{{${CANARY.trackerPassword}` },
      },
      t.adminToken,
    );
    expect(update.errors).toBeUndefined();
    expectNoCanary(update);
    expectNoCanary(logLines.join('\n'));
  });
});
