import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLOUD_FLAVORS,
  type CloudFakes,
  type ManagerFlavor,
  startCloudFakes,
} from '../helpers/cloud-fakes.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const REGISTER_COMPONENT = `mutation($name: String!, $flavor: String!, $configuration: JSON!) {
  registerComponent(type: SECRETS_MANAGER, name: $name, flavor: $flavor, configuration: $configuration) { component { id } }
}`;
const REGISTER = `mutation($name: String!, $values: JSON!, $stack: String, $schema: String) {
  registerManagedSecret(name: $name, values: $values, stack: $stack, schema: $schema) { name schema keys }
}`;
const GET = `query($name: String!, $stack: String) { managedSecret(name: $name, stack: $stack) { name schema keys values } }`;
const LIST = `query($stack: String) { managedSecrets(stack: $stack) { name } }`;

/** Registers a secrets manager and a stack holding only it; returns the component id. */
async function manager(
  t: TestGateway,
  fakes: CloudFakes,
  flavor: ManagerFlavor,
  name: string,
  scope: { scope?: string; namespace?: string },
) {
  const data = await t.ok(REGISTER_COMPONENT, {
    name,
    flavor,
    configuration: fakes.managerConfig(flavor, scope),
  });
  await t.ok('mutation($name: String!) { registerStack(name: $name, components: [$name]) { id } }', { name });
  return data.registerComponent.component.id as string;
}

async function names(t: TestGateway, stack: string): Promise<string[]> {
  return (await t.ok(LIST, { stack })).managedSecrets.map((s: { name: string }) => s.name);
}

/** Names of every secret as the fake stores it. */
function rawNames(fakes: CloudFakes, flavor: ManagerFlavor): string[] {
  switch (flavor) {
    case 'aws':
      return [...fakes.aws.secrets.keys()];
    case 'gcp':
      return [...fakes.gcp.secrets.keys()].map((n) => n.split('/').at(-1)!);
    case 'azure':
      return [...fakes.azure.secrets.values()].map((s) => s.name);
    default:
      return fakes.vault.paths('secret');
  }
}

const azureLegacyName = (secret: string, key: string) =>
  `zenml-${Buffer.from(Buffer.from(`${secret}-${key}`).toString('base64')).toString('hex')}`;

describe.each(CLOUD_FLAVORS)('scoping on %s', (flavor) => {
  let t: TestGateway;
  let fakes: CloudFakes;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    fakes = await startCloudFakes();
    t = await startTestGateway();
    const setups: Array<[string, { scope?: string; namespace?: string }]> = [
      ['comp-a', { scope: 'component' }],
      ['comp-b', { scope: 'component' }],
      ['ns-team-1', { scope: 'namespace', namespace: 'team' }],
      ['ns-team-2', { scope: 'namespace', namespace: 'team' }],
      ['ns-other', { scope: 'namespace', namespace: 'other' }],
      ['global-1', { scope: 'global' }],
      ['global-2', { scope: 'global' }],
      ['none-1', { scope: 'none' }],
    ];
    for (const [name, scope] of setups)
      ids[name] = await manager(t, fakes, flavor, `${flavor}-${name}`, scope);
  });
  afterAll(async () => {
    await t.close();
    await fakes.close();
  });

  it('keeps two component-scoped managers apart', async () => {
    await t.ok(REGISTER, { name: 'db', values: { user: 'u', password: 'p' }, stack: `${flavor}-comp-a` });
    expect(await names(t, `${flavor}-comp-a`)).toEqual(['db']);
    expect(await names(t, `${flavor}-comp-b`)).toEqual([]);
    expect((await t.ok(GET, { name: 'db', stack: `${flavor}-comp-b` })).managedSecret).toBeNull();
    const sep = flavor === 'aws' || flavor === 'vault' ? '/' : '-';
    expect(rawNames(fakes, flavor)).toContain(['zenml', 'component', ids['comp-a'], 'db'].join(sep));
    const got = (await t.ok(GET, { name: 'db', stack: `${flavor}-comp-a` })).managedSecret;
    expect(got).toEqual({
      name: 'db',
      schema: 'arbitrary',
      keys: ['password', 'user'],
      values: { user: 'u', password: 'p' },
    });
  });

  it('shares namespace scope across managers of the same namespace only', async () => {
    await t.ok(REGISTER, { name: 'team-db', values: { url: 'postgres://x' }, stack: `${flavor}-ns-team-1` });
    expect((await t.ok(GET, { name: 'team-db', stack: `${flavor}-ns-team-2` })).managedSecret.values).toEqual(
      { url: 'postgres://x' },
    );
    expect(await names(t, `${flavor}-ns-other`)).toEqual([]);
    const sep = flavor === 'aws' || flavor === 'vault' ? '/' : '-';
    expect(rawNames(fakes, flavor)).toContain(['zenml', 'namespace', 'team', 'team-db'].join(sep));
  });

  it('shares global scope across all global managers, and none sees only unscoped secrets', async () => {
    await t.ok(REGISTER, { name: 'shared', values: { k: 'v' }, stack: `${flavor}-global-1` });
    expect(await names(t, `${flavor}-global-2`)).toEqual(['shared']);
    expect(await names(t, `${flavor}-comp-a`)).not.toContain('shared');
    await t.ok(REGISTER, { name: 'plain', values: { a: '1', b: '2' }, stack: `${flavor}-none-1` });
    expect(await names(t, `${flavor}-none-1`)).toEqual(['plain']);
    expect(await names(t, `${flavor}-global-1`)).toEqual(['shared']);
    expect((await t.ok(GET, { name: 'plain', stack: `${flavor}-none-1` })).managedSecret.values).toEqual({
      a: '1',
      b: '2',
    });
    const raw = rawNames(fakes, flavor);
    if (flavor === 'gcp')
      expect(raw).toEqual(expect.arrayContaining(['plain_a', 'plain_b', 'zenml-global-shared']));
    else if (flavor === 'azure')
      expect(raw).toEqual(
        expect.arrayContaining([azureLegacyName('plain', 'a'), azureLegacyName('plain', 'b')]),
      );
    else expect(raw).toEqual(expect.arrayContaining(['plain', 'zenml/global/shared']));
  });

  it('updates by merging and keeps the schema; deletes every entry', async () => {
    await t.ok(REGISTER, {
      name: 'creds',
      schema: 'basic_auth',
      values: { username: 'a', password: 'b' },
      stack: `${flavor}-none-1`,
    });
    const updated = await t.ok(
      'mutation($s: String) { updateManagedSecret(name: "creds", values: {password: "c"}, stack: $s) { schema keys values } }',
      { s: `${flavor}-none-1` },
    );
    expect(updated.updateManagedSecret).toEqual({
      schema: 'basic_auth',
      keys: ['password', 'username'],
      values: { username: 'a', password: 'c' },
    });
    expect(
      (
        await t.ok('mutation($s: String) { deleteManagedSecret(name: "creds", stack: $s) }', {
          s: `${flavor}-none-1`,
        })
      ).deleteManagedSecret,
    ).toBe(true);
    expect((await t.ok(GET, { name: 'creds', stack: `${flavor}-none-1` })).managedSecret).toBeNull();
    expect(
      rawNames(fakes, flavor).some((n) => n.includes('creds') || n === azureLegacyName('creds', 'password')),
    ).toBe(false);
    const again = await t.gql(REGISTER, { name: 'plain', values: { a: '1' }, stack: `${flavor}-none-1` });
    expect(again.errors?.[0].extensions?.code).toBe('ALREADY_EXISTS');
    const missing = await t.gql(
      'mutation($s: String) { updateManagedSecret(name: "ghost", values: {a: "1"}, stack: $s) { name } }',
      {
        s: `${flavor}-none-1`,
      },
    );
    expect(missing.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('reads a secret written in ZenML format straight into the back-end, with its schema', async () => {
    const payload = JSON.stringify({ username: 'zen', password: 'ml', zenml_schema_name: 'basic_auth' });
    const tags = {
      zenml_scope: 'global',
      zenml_secret_name: 'legacy',
      zenml_component_name: 'old',
      zenml_secret_schema: 'basic_auth',
    };
    if (flavor === 'aws')
      fakes.aws.put('zenml/global/legacy', payload, {
        tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      });
    if (flavor === 'gcp')
      fakes.gcp.put('projects/test-project/secrets/zenml-global-legacy', {
        labels: tags,
        versions: [payload],
      });
    if (flavor === 'azure') fakes.azure.put('zenml-global-legacy', payload, { tags });
    if (flavor === 'vault')
      fakes.vault.put('secret', 'zenml/global/legacy', {
        username: 'zen',
        password: 'ml',
        zenml_schema_name: 'basic_auth',
      });
    const got = (await t.ok(GET, { name: 'legacy', stack: `${flavor}-global-2` })).managedSecret;
    expect(got).toEqual({
      name: 'legacy',
      schema: 'basic_auth',
      keys: ['password', 'username'],
      values: { username: 'zen', password: 'ml' },
    });
  });

  it('lists 250 secrets through real pagination', async () => {
    for (let i = 0; i < 250; i += 1) {
      const name = `bulk${String(i).padStart(3, '0')}`;
      const payload = JSON.stringify({ k: String(i), zenml_schema_name: 'arbitrary' });
      const tags = { zenml_scope: 'namespace', zenml_secret_name: name, zenml_namespace: 'other' };
      if (flavor === 'aws')
        fakes.aws.put(`zenml/namespace/other/${name}`, payload, {
          tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        });
      if (flavor === 'gcp')
        fakes.gcp.put(`projects/test-project/secrets/zenml-namespace-other-${name}`, {
          labels: tags,
          versions: [payload],
        });
      if (flavor === 'azure') fakes.azure.put(`zenml-namespace-other-${name}`, payload, { tags });
      if (flavor === 'vault')
        fakes.vault.put('secret', `zenml/namespace/other/${name}`, {
          k: String(i),
          zenml_schema_name: 'arbitrary',
        });
    }
    const listCalls = () =>
      flavor === 'aws'
        ? fakes.aws.calls.filter((c) => c === 'ListSecrets').length
        : flavor === 'gcp'
          ? fakes.gcp.calls.filter((c) => c.method === 'ListSecrets').length
          : flavor === 'azure'
            ? fakes.azure.calls.filter((c) => c.operation === 'getSecrets').length
            : fakes.vault.calls.filter((c) => c.includes('list')).length;
    const before = listCalls();
    const listed = await names(t, `${flavor}-ns-other`);
    expect(listed).toHaveLength(250);
    expect(new Set(listed).size).toBe(250);
    if (flavor !== 'vault') expect(listCalls() - before).toBeGreaterThan(1);
  });
});

describe('managed secrets: rules, audit and failures', () => {
  let t: TestGateway;
  let fakes: CloudFakes;
  beforeAll(async () => {
    fakes = await startCloudFakes();
    t = await startTestGateway();
    await manager(t, fakes, 'local', 'local-sm', {});
    await manager(t, fakes, 'aws', 'aws-sm', { scope: 'global' });
    await t.ok('mutation { registerStack(name: "empty", components: []) { id } }');
  });
  afterAll(async () => {
    await t.close();
    await fakes.close();
  });

  it('uses the active stack by default and says so when the stack has no secrets manager', async () => {
    await t.ok('mutation { setActiveStack(name: "local-sm") { id } }');
    await t.ok(REGISTER, { name: 'active', values: { k: 'v' } });
    expect((await t.ok(LIST, {})).managedSecrets).toEqual([{ name: 'active' }]);
    const none = await t.gql(LIST, { stack: 'empty' });
    expect(none.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(none.errors?.[0].message).toMatch(/has no secrets manager/);
  });

  it('keeps a local secrets file inside SGW_DATA_DIR/local-secrets: relative paths only, no ..', async () => {
    for (const secretsFile of ['/etc/sgw-outside.yaml', '../outside.yaml', 'team/../../outside.yaml']) {
      const refused = await t.gql(REGISTER_COMPONENT, {
        name: 'escape',
        flavor: 'local',
        configuration: { secrets_file: secretsFile },
      });
      expect(refused.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(refused.errors)).toContain('configuration.secrets_file');
    }
    await t.ok(REGISTER_COMPONENT, {
      name: 'in-data-dir',
      flavor: 'local',
      configuration: { secrets_file: 'team/secrets.yaml' },
    });
    const moved = await t.gql(
      'mutation { updateComponent(type: SECRETS_MANAGER, name: "in-data-dir", configuration: {secrets_file: "/tmp/x.yaml"}) { component { id } } }',
    );
    expect(moved.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    await t.ok('mutation { registerStack(name: "in-data-dir", components: ["in-data-dir"]) { id } }');
    await t.ok(REGISTER, { name: 'kept', values: { k: 'v' }, stack: 'in-data-dir' });
    const stored = await readFile(path.join(t.dataDir, 'local-secrets', 'team', 'secrets.yaml'), 'utf8');
    expect(stored).toContain('kept');
  });

  it('validates values by schema and names by the back-end rule, listing every problem', async () => {
    const bad = await t.gql(REGISTER, {
      name: 'bad/name!',
      schema: 'aws',
      values: { aws_access_key_id: 'x' },
      stack: 'aws-sm',
    });
    const issues = bad.errors?.[0].extensions?.issues.map((i: { path: string }) => i.path).sort();
    expect(issues).toEqual(['name', 'values.aws_secret_access_key']);
    expect(
      bad.errors?.[0].extensions?.issues.find((i: { path: string }) => i.path === 'name').message,
    ).toMatch(/a-zA-Z0-9_\+=\.@-/);
  });

  it('records one audit event per value read and change', async () => {
    const count = async () =>
      (
        await t.ok(
          '{ auditEvents(filter: {secretName: "audited"}, first: 100) { nodes { action valueFingerprints } } }',
        )
      ).auditEvents.nodes;
    await t.ok(REGISTER, { name: 'audited', values: { k: 'v1' }, stack: 'local-sm' });
    await t.ok(GET, { name: 'audited', stack: 'local-sm' });
    await t.ok(
      'mutation { updateManagedSecret(name: "audited", values: {k: "v2"}, stack: "local-sm") { name } }',
    );
    await t.ok('{ managedSecret(name: "audited", stack: "local-sm") { keys } }');
    await t.ok('mutation { deleteManagedSecret(name: "audited", stack: "local-sm") }');
    expect((await count()).map((e: { action: string }) => e.action)).toEqual([
      'managed_secret.create',
      'managed_secret.read',
      'managed_secret.update',
      'managed_secret.delete',
    ]);
    const reader = await t.tokenFor('mreader', 'READER');
    await t.ok(REGISTER, { name: 'audited', values: { k: 'v3' }, stack: 'local-sm' });
    const denied = await t.gql(GET, { name: 'audited', stack: 'local-sm' }, reader);
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('fails with BACKEND_UNAVAILABLE within 6 s when a back-end is down or hangs, and keeps serving', async () => {
    fakes.aws.delayMs = 30_000;
    const started = Date.now();
    const [slow, viewer] = await Promise.all([
      t.gql(LIST, { stack: 'aws-sm' }),
      t.gql('{ viewer { name } }'),
    ]);
    expect(slow.errors?.[0].extensions?.code).toBe('BACKEND_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(6000);
    expect(viewer.data?.viewer.name).toBe('admin');
    fakes.aws.delayMs = 0;
    await fakes.aws.close();
    const down = Date.now();
    const refused = await t.gql(LIST, { stack: 'aws-sm' });
    expect(refused.errors?.[0].extensions?.code).toBe('BACKEND_UNAVAILABLE');
    expect(Date.now() - down).toBeLessThan(6000);
    expect(JSON.stringify(refused)).not.toContain('fake-secret-key');
  }, 20_000);
});
