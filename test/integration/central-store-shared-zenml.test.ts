import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CloudFakes, startCloudFakes } from '../helpers/cloud-fakes.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import {
  loadIntoAws,
  loadIntoAzure,
  loadIntoGcp,
  loadIntoVault,
  readAwsAsZenml,
  readAzureAsZenml,
  readGcpAsZenml,
  readVaultAsZenml,
  type ZenmlReadSecret,
  type ZenmlServer,
  type ZenmlStoreFixture,
  zenmlStoreFixture,
} from '../helpers/zenml-store-fixtures.js';

type Kind = 'aws' | 'gcp' | 'azure' | 'hashicorp';

/** The gateway's store options for each fake, and how to load a fixture into / read an entry back from it. */
function storeOf(
  fakes: CloudFakes,
  kind: Kind,
): {
  env: Record<string, string>;
  load: (f: ZenmlStoreFixture) => void;
  read: (s: ZenmlServer, id: string) => ZenmlReadSecret;
} {
  switch (kind) {
    case 'aws':
      return {
        env: {
          SGW_SECRETS_STORE_REGION_NAME: 'us-east-1',
          SGW_SECRETS_STORE_ENDPOINT_URL: fakes.aws.url,
          SGW_SECRETS_STORE_AWS_ACCESS_KEY_ID: fakes.aws.credentials.accessKeyId,
          SGW_SECRETS_STORE_AWS_SECRET_ACCESS_KEY: fakes.aws.credentials.secretAccessKey,
        },
        load: (f: ZenmlStoreFixture) => loadIntoAws(fakes.aws, f),
        read: (s: ZenmlServer, id: string) => readAwsAsZenml(fakes.aws, s, id),
      };
    case 'gcp':
      return {
        env: {
          SGW_SECRETS_STORE_PROJECT_ID: 'shared-project',
          SGW_SECRETS_STORE_API_ENDPOINT: fakes.gcp.endpoint,
          SGW_SECRETS_STORE_INSECURE: 'true',
        },
        load: (f: ZenmlStoreFixture) => loadIntoGcp(fakes.gcp, 'shared-project', f),
        read: (s: ZenmlServer, id: string) => readGcpAsZenml(fakes.gcp, 'shared-project', s, id),
      };
    case 'azure':
      return {
        env: {
          SGW_SECRETS_STORE_KEY_VAULT_NAME: 'shared-vault',
          SGW_SECRETS_STORE_VAULT_URL: fakes.azure.url,
          SGW_SECRETS_STORE_ALLOW_INSECURE: 'true',
          ...Object.fromEntries(
            Object.entries(fakes.azure.signInFields).map(([k, v]) => [
              `SGW_SECRETS_STORE_${k.toUpperCase()}`,
              v,
            ]),
          ),
        },
        load: (f: ZenmlStoreFixture) => loadIntoAzure(fakes.azure, f),
        read: (s: ZenmlServer, id: string) => readAzureAsZenml(fakes.azure, s, id),
      };
    case 'hashicorp':
      return {
        env: {
          SGW_SECRETS_STORE_VAULT_ADDR: fakes.vault.url,
          SGW_SECRETS_STORE_VAULT_TOKEN: fakes.vault.token,
          SGW_SECRETS_STORE_MOUNT_POINT: 'secret',
        },
        load: (f: ZenmlStoreFixture) => loadIntoVault(fakes.vault, 'secret', f),
        read: (s: ZenmlServer, id: string) => readVaultAsZenml(fakes.vault, 'secret', s, id),
      };
  }
}

const REGISTER = `mutation($c: JSON!) {
  registerComponent(type: EXPERIMENT_TRACKER, name: "tracker", flavor: "mlflow", configuration: $c) { warnings }
}`;

const PASSWORD = 'päss wörd 😀';

describe.each(['0.40', '0.45'] as const)('a centralized store shared with a ZenML %s server', (version) => {
  const fixture = zenmlStoreFixture(version);
  let fakes: CloudFakes;
  beforeAll(async () => {
    fakes = await startCloudFakes();
  });
  afterAll(() => fakes.close());

  describe.each(['aws', 'gcp', 'azure', 'hashicorp'] as const)('%s', (kind) => {
    let t: TestGateway;
    let store: ReturnType<typeof storeOf>;
    beforeAll(async () => {
      store = storeOf(fakes, kind);
      store.load(fixture);
      t = await startTestGateway({
        env: {
          SGW_SECRETS_STORE: kind,
          SGW_DEPLOYMENT_ID: fixture.deploymentId,
          SGW_WORKSPACE_ID: fixture.workspaceId,
          ...store.env,
        },
      });
    });
    afterAll(() => t.close());

    it('references, lists and reads what ZenML wrote (its deployment and workspace only)', async () => {
      // A reference to a secret the gateway has no row for yet: the lookup miss adopts.
      await t.ok(REGISTER, {
        c: { tracking_uri: 'http://mlflow', tracking_password: '{{zenml-db.password}}' },
      });
      const resolved = await t.ok(
        '{ component(type: EXPERIMENT_TRACKER, name: "tracker") { resolvedConfiguration } }',
      );
      expect(resolved.component.resolvedConfiguration.tracking_password).toBe(PASSWORD);

      const listed = await t.ok('{ secrets { nodes { name scope keys owner { name } } } }');
      const expected = [
        { name: 'my-token', scope: 'USER', keys: ['token'], owner: { name: `zenml-user-${fixture.userId}` } },
        ...(kind === 'azure'
          ? [
              {
                name: 'no-timestamps',
                scope: 'WORKSPACE',
                keys: ['k'],
                owner: { name: `zenml-user-${fixture.userId}` },
              },
            ]
          : []),
        {
          name: 'zenml-db',
          scope: 'WORKSPACE',
          keys: ['password', 'username'],
          owner: { name: `zenml-user-${fixture.userId}` },
        },
      ];
      expect(listed.secrets.nodes).toEqual(expected);
      const read = await t.ok('{ secret(name: "zenml-db") { id values } }');
      expect(read.secret.values).toEqual({ username: 'admin', password: PASSWORD });
    });

    it("writes what ZenML's rules read, and keeps an adopted secret readable by ZenML after an update", async () => {
      const created = await t.ok(
        'mutation { createSecret(name: "from-gateway", values: {token: "g1"}) { id owner { id } } }',
      );
      const server: ZenmlServer = {
        deploymentId: fixture.deploymentId,
        workspaces: [fixture.workspaceId],
        users: [fixture.userId, created.createSecret.owner.id],
      };
      const { id } = created.createSecret;
      expect(store.read(server, id)).toEqual<ZenmlReadSecret>({
        id,
        name: 'from-gateway',
        scope: 'workspace',
        workspace: fixture.workspaceId,
        user: created.createSecret.owner.id,
        values: { token: 'g1' },
      });
      // The name lives in the entry's tags/metadata: a rename rewrites them, a scope move too.
      await t.ok('mutation { renameSecret(name: "from-gateway", newName: "from-gw-2") { id } }');
      await t.ok('mutation { updateSecret(name: "from-gw-2", values: {}, newScope: USER) { id } }');
      expect(store.read(server, id)).toMatchObject({
        name: 'from-gw-2',
        scope: 'user',
        values: { token: 'g1' },
      });
      const adopted = await t.ok('{ secret(name: "zenml-db") { id } }');
      await t.ok('mutation { updateSecret(name: "zenml-db", values: {password: "rotated"}) { version } }');
      expect(store.read(server, adopted.secret.id)).toMatchObject({
        name: 'zenml-db',
        user: fixture.userId,
        values: { username: 'admin', password: 'rotated' },
      });
    });
  });
});
