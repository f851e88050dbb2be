import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const REGISTER = `mutation($type: ComponentType!, $name: String!, $flavor: String!, $configuration: JSON!) {
  registerComponent(type: $type, name: $name, flavor: $flavor, configuration: $configuration) {
    component { id name type flavor configuration secretReferences { field secretName key } } warnings
  }
}`;
const UPDATE = `mutation($type: ComponentType!, $name: String!, $configuration: JSON!) {
  updateComponent(type: $type, name: $name, configuration: $configuration) { component { configuration } warnings }
}`;

describe('flavors and secret schemas', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(() => t.close());

  it('describes the secrets manager flavors with their fields, sensitivity and scoping support', async () => {
    const data = await t.ok(
      `{ flavors(type: SECRETS_MANAGER) { name integration supportsScoping configFields { name required sensitive default } } }`,
    );
    const byName = Object.fromEntries(data.flavors.map((f: any) => [f.name, f]));
    expect(Object.keys(byName).sort()).toEqual(['aws', 'azure', 'gcp', 'local', 'vault']);
    expect(byName.local.supportsScoping).toBe(false);
    expect(byName.aws.supportsScoping).toBe(true);
    const vaultField = (name: string) => byName.vault.configFields.find((f: any) => f.name === name);
    // token, or AppRole role_id + secret_id: none of them is required on its own.
    expect(vaultField('token')).toMatchObject({ required: false, sensitive: true });
    expect(vaultField('role_id')).toMatchObject({ required: false, sensitive: false });
    expect(vaultField('secret_id')).toMatchObject({ required: false, sensitive: true });
    expect(byName.vault.configFields.find((f: any) => f.name === 'mount_point').default).toBe('secret');
    expect(byName.aws.configFields.map((f: any) => f.name)).toEqual(
      expect.arrayContaining(['region_name', 'endpoint_url', 'aws_secret_access_key', 'scope', 'namespace']),
    );
  });

  it('lists the built-in secret schemas', async () => {
    const data = await t.ok(
      `{ secretSchemas { type allowsArbitraryKeys fields { name type required default } } }`,
    );
    const types = data.secretSchemas.map((s: any) => s.type);
    expect(types).toEqual(
      expect.arrayContaining(['arbitrary', 'aws', 'gcp', 'azure', 'basic_auth', 'mysql']),
    );
    const mysql = data.secretSchemas.find((s: any) => s.type === 'mysql');
    expect(mysql.fields.find((f: any) => f.name === 'ssl_verify_server_cert')).toMatchObject({
      type: 'boolean',
      default: false,
    });
  });
});

describe('components', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(() => t.close());

  it('applies the scope rules of secrets managers', async () => {
    const aws = await t.ok(REGISTER, {
      type: 'SECRETS_MANAGER',
      name: 'sm-default',
      flavor: 'aws',
      configuration: { region_name: 'eu-west-1' },
    });
    expect(aws.registerComponent.component.configuration.scope).toBe('component');

    const local = await t.ok(REGISTER, {
      type: 'SECRETS_MANAGER',
      name: 'sm-local',
      flavor: 'local',
      configuration: {},
    });
    expect(local.registerComponent.component.configuration.scope).toBe('none');
    const localScoped = await t.gql(REGISTER, {
      type: 'SECRETS_MANAGER',
      name: 'sm-local2',
      flavor: 'local',
      configuration: { scope: 'global' },
    });
    expect(localScoped.errors?.[0].extensions?.issues).toEqual([
      { path: 'configuration.scope', message: expect.stringContaining('does not support scoping') },
    ]);

    const none = await t.ok(REGISTER, {
      type: 'SECRETS_MANAGER',
      name: 'sm-none',
      flavor: 'gcp',
      configuration: { project_id: 'p', scope: 'none' },
    });
    expect(none.registerComponent.warnings.join(' ')).toMatch(/deprecated.*global/);

    const noNamespace = await t.gql(REGISTER, {
      type: 'SECRETS_MANAGER',
      name: 'sm-ns',
      flavor: 'vault',
      configuration: { url: 'http://127.0.0.1:1', token: 't', scope: 'namespace' },
    });
    expect(noNamespace.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(noNamespace.errors?.[0].extensions?.issues).toEqual([
      { path: 'configuration.namespace', message: 'required when scope is namespace' },
    ]);
  });

  it("refuses a namespace or name the flavor's back-end can't carry, when the component is saved", async () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['gcp', { project_id: 'p', scope: 'namespace', namespace: 'ML' }, 'configuration.namespace'],
      [
        'azure',
        { key_vault_name: 'kv', scope: 'namespace', namespace: 'ml_team' },
        'configuration.namespace',
      ],
    ];
    for (const [flavor, configuration, path] of cases) {
      const refused = await t.gql(REGISTER, {
        type: 'SECRETS_MANAGER',
        name: `ns-${flavor}`,
        flavor,
        configuration,
      });
      expect(refused.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(refused.errors?.[0].extensions?.issues.map((i: any) => i.path)).toEqual([path]);
    }
    await t.ok(REGISTER, {
      type: 'SECRETS_MANAGER',
      name: 'ns-gcp-ok',
      flavor: 'gcp',
      configuration: { project_id: 'p', scope: 'namespace', namespace: 'ml' },
    });
    const update = await t.gql(
      'mutation { updateComponent(type: SECRETS_MANAGER, name: "ns-gcp-ok", configuration: {namespace: "ML"}) { component { id } } }',
    );
    expect(update.errors?.[0].extensions?.issues.map((i: any) => i.path)).toEqual([
      'configuration.namespace',
    ]);
  });

  it('takes a namespace on any scope, checked by the flavor rule and otherwise ignored (ZenML _validate_scope)', async () => {
    const accepted = await t.ok(REGISTER, {
      type: 'SECRETS_MANAGER',
      name: 'ns-on-global',
      flavor: 'aws',
      configuration: { region_name: 'eu-west-1', scope: 'global', namespace: 'team.a@b+c=d' },
    });
    expect(accepted.registerComponent.component.id).toBeTruthy();
    const refused = await t.gql(REGISTER, {
      type: 'SECRETS_MANAGER',
      name: 'ns-gcp-global',
      flavor: 'gcp',
      configuration: { project_id: 'p', scope: 'global', namespace: 'ML' },
    });
    expect(refused.errors?.[0].extensions?.issues.map((i: any) => i.path)).toEqual([
      'configuration.namespace',
    ]);
    await t.ok(REGISTER, {
      type: 'SECRETS_MANAGER',
      name: 'ns-azure-none',
      flavor: 'azure',
      configuration: { key_vault_name: 'kv', scope: 'none', namespace: 'ml_team' },
    });
  });

  it('lists every configuration problem and writes nothing', async () => {
    const result = await t.gql(REGISTER, {
      type: 'SECRETS_MANAGER',
      name: 'bad name',
      flavor: 'aws',
      configuration: { endpoint_url: 5, bogus: 'x' },
    });
    const paths = result.errors?.[0].extensions?.issues.map((i: any) => i.path).sort();
    expect(paths).toEqual([
      'configuration.bogus',
      'configuration.endpoint_url',
      'configuration.region_name',
      'name',
    ]);
    const unknownFlavor = await t.gql(REGISTER, {
      type: 'ORCHESTRATOR',
      name: 'o',
      flavor: 'airflow',
      configuration: {},
    });
    expect(unknownFlavor.errors?.[0].extensions?.issues[0]).toMatchObject({ path: 'flavor' });
    expect(unknownFlavor.errors?.[0].extensions?.issues[0].message).toMatch(/known: local, kubernetes/);
    const components = await t.ok(`{ components { name } }`);
    expect(components.components.map((c: any) => c.name)).not.toContain('bad name');
    expect(components.components.map((c: any) => c.name)).not.toContain('o');
  });

  it('encrypts sensitive plain values at rest, masks them and warns', async () => {
    const secretText = 'tracking-password-canary-77';
    const result = await t.ok(REGISTER, {
      type: 'EXPERIMENT_TRACKER',
      name: 'mlflow',
      flavor: 'mlflow',
      configuration: { tracking_uri: 'http://mlflow', tracking_password: secretText },
    });
    expect(result.registerComponent.component.configuration.tracking_password).toBe('********');
    expect(result.registerComponent.warnings.join(' ')).toMatch(/tracking_password.*reference/);
    const rows = await sql`select * from components where name = 'mlflow'`.execute(t.gateway.database.db);
    expect(JSON.stringify(rows.rows)).not.toContain(secretText);
    const resolved = await t.ok(
      `{ component(type: EXPERIMENT_TRACKER, name: "mlflow") { resolvedConfiguration } }`,
    );
    expect(resolved.component.resolvedConfiguration.tracking_password).toBe(secretText);
  });

  it('merges updates, a null removing a field, and revalidates', async () => {
    await t.ok(REGISTER, {
      type: 'ARTIFACT_STORE',
      name: 's3-store',
      flavor: 's3',
      configuration: { path: 's3://bucket', endpoint_url: 'http://minio' },
    });
    const updated = await t.ok(UPDATE, {
      type: 'ARTIFACT_STORE',
      name: 's3-store',
      configuration: { endpoint_url: null, key: '{{aws_creds.aws_access_key_id}}' },
    });
    expect(updated.updateComponent.component.configuration).toEqual({
      path: 's3://bucket',
      key: '{{aws_creds.aws_access_key_id}}',
    });
    const invalid = await t.gql(UPDATE, {
      type: 'ARTIFACT_STORE',
      name: 's3-store',
      configuration: { path: null },
    });
    expect(invalid.errors?.[0].extensions?.issues).toEqual([
      { path: 'configuration.path', message: 'required' },
    ]);
    const missing = await t.gql(UPDATE, { type: 'ARTIFACT_STORE', name: 'nope', configuration: {} });
    expect(missing.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });
});

describe('stacks', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
    for (const [type, name, flavor, configuration] of [
      ['ORCHESTRATOR', 'local-orch', 'local', {}],
      ['ORCHESTRATOR', 'k8s', 'kubernetes', { kubernetes_context: 'prod' }],
      ['ARTIFACT_STORE', 'local-store', 'local', { path: '/tmp/a' }],
      ['SECRETS_MANAGER', 'local-sm', 'local', {}],
    ] as const) {
      await t.ok(REGISTER, { type, name, flavor, configuration });
    }
  });
  afterAll(() => t.close());

  it('registers, updates, describes and deletes a stack, one component per type', async () => {
    const stack = await t.ok(
      `mutation { registerStack(name: "dev", components: ["local-orch", "local-store", "local-sm"]) {
        name components { name type } secretsManager { name } isActive problems } }`,
    );
    expect(stack.registerStack).toMatchObject({
      name: 'dev',
      secretsManager: { name: 'local-sm' },
      isActive: false,
      problems: [],
    });
    const twoOrchestrators = await t.gql(
      `mutation { registerStack(name: "bad", components: ["local-orch", "k8s"]) { name } }`,
    );
    expect(twoOrchestrators.errors?.[0].extensions?.issues[0].message).toMatch(/at most one ORCHESTRATOR/);
    const unknown = await t.gql(`mutation { registerStack(name: "bad", components: ["ghost"]) { name } }`);
    expect(unknown.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const duplicate = await t.gql(`mutation { registerStack(name: "dev", components: []) { name } }`);
    expect(duplicate.errors?.[0].extensions?.code).toBe('ALREADY_EXISTS');

    const updated = await t.ok(
      `mutation { updateStack(name: "dev", components: ["k8s", "local-sm"]) { components { name } } }`,
    );
    expect(updated.updateStack.components.map((c: any) => c.name).sort()).toEqual(['k8s', 'local-sm']);
    expect(
      (await t.ok(`{ stack(name: "dev") { name } stacks { name } }`)).stacks.map((s: any) => s.name),
    ).toContain('dev');
  });

  it('refuses to delete a component in use, with a clear error', async () => {
    const result = await t.gql(`mutation { deleteComponent(type: SECRETS_MANAGER, name: "local-sm") }`);
    expect(result.errors?.[0].message).toMatch(/used by stack\(s\) dev/);
    expect(
      (await t.ok(`{ component(type: SECRETS_MANAGER, name: "local-sm") { name } }`)).component.name,
    ).toBe('local-sm');
  });

  it('keeps an active stack per principal', async () => {
    const writer = await t.tokenFor('wendy', 'WRITER');
    await t.ok(`mutation { registerStack(name: "other", components: []) { name } }`);
    await t.ok(`mutation { setActiveStack(name: "dev") { name } }`);
    await t.ok(`mutation { setActiveStack(name: "other") { name } }`, {}, writer);
    expect((await t.ok(`{ activeStack { name isActive } }`)).activeStack).toEqual({
      name: 'dev',
      isActive: true,
    });
    expect((await t.ok(`{ activeStack { name } }`, {}, writer)).activeStack.name).toBe('other');
    await t.ok(`mutation { deleteStack(name: "other") }`);
    expect((await t.ok(`{ activeStack { name } }`, {}, writer)).activeStack).toBeNull();
    expect(
      (await t.gql(`mutation { setActiveStack(name: "ghost") { name } }`)).errors?.[0].extensions?.code,
    ).toBe('NOT_FOUND');
  });

  it('lets a READER read stacks but not change them', async () => {
    const reader = await t.tokenFor('reed', 'READER');
    expect((await t.ok(`{ stacks { name } }`, {}, reader)).stacks.length).toBeGreaterThan(0);
    const denied = await t.gql(`mutation { deleteStack(name: "dev") }`, {}, reader);
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const auditor = await t.tokenFor('audrey', 'AUDITOR');
    expect((await t.gql(`{ stacks { name } }`, {}, auditor)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});
