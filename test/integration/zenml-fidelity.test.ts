import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml11 } from 'yaml';
import {
  ARBITRARY_PAYLOAD,
  ARBITRARY_VALUES,
  AWS_SCHEMA_PAYLOAD,
  AWS_SCHEMA_VALUES,
  AZURE_LEGACY_NAMES,
  BASIC_AUTH_PAYLOAD,
  BASIC_AUTH_VALUES,
  GCP_LEGACY_TOKEN,
  HAND_WRITTEN_DECODED,
  HAND_WRITTEN_LOCAL_FILE,
  LOCAL_FILE,
  LOCAL_SECRETS,
  TYPED_PAYLOAD,
  TYPED_VALUES,
} from '../fixtures/zenml/secrets-manager-fixtures.js';
import { type CloudFakes, startCloudFakes } from '../helpers/cloud-fakes.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const REGISTER_SECRET = `mutation($name: String!, $schema: String, $values: JSON!, $stack: String) {
  registerManagedSecret(name: $name, schema: $schema, values: $values, stack: $stack) { name }
}`;
const GET = `query($name: String!, $stack: String) { managedSecret(name: $name, stack: $stack) { schema values } }`;
const LIST = `query($stack: String) { managedSecrets(stack: $stack) { name } }`;
const START = `mutation($stack: String, $renames: JSON) { startSecretsMigration(stack: $stack, renames: $renames) { id } }`;
const MIGRATION = `query($id: ID!) { migration(id: $id) { status items { name status error } } }`;

async function managerStack(t: TestGateway, name: string, flavor: string, c: Record<string, unknown>) {
  await t.ok(
    `mutation($name: String!, $flavor: String!, $c: JSON!) {
      registerComponent(type: SECRETS_MANAGER, name: $name, flavor: $flavor, configuration: $c) { component { id } }
      registerStack(name: $name, components: [$name]) { id }
    }`,
    { name, flavor, c },
  );
}

async function migrated(t: TestGateway, stack: string, renames: Record<string, string> = {}) {
  const { id } = (await t.ok(START, { stack, renames })).startSecretsMigration;
  for (let i = 0; i < 600; i += 1) {
    const m = (await t.ok(MIGRATION, { id })).migration;
    if (!['PENDING', 'RUNNING'].includes(m.status)) return m;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('migration did not finish');
}

async function storeValues(t: TestGateway, name: string) {
  return (await t.ok('query($n: String!) { secret(name: $n) { schema values } }', { n: name })).secret;
}

function awsCurrent(fakes: CloudFakes, name: string): string | undefined {
  const secret = fakes.aws.secrets.get(name);
  return [...(secret?.versions.values() ?? [])].find((v) => v.stages.includes('AWSCURRENT'))?.secretString;
}

describe('ZenML fidelity: what the gateway writes is what ZenML wrote', () => {
  let t: TestGateway;
  let fakes: CloudFakes;
  beforeAll(async () => {
    fakes = await startCloudFakes();
    t = await startTestGateway({ env: { SGW_LOG_LEVEL: 'error', SGW_VALUE_READS_PER_SECOND: '0' } });
    for (const flavor of ['aws', 'gcp', 'azure', 'vault'] as const)
      await managerStack(t, `w-${flavor}`, flavor, fakes.managerConfig(flavor, { scope: 'global' }));
    await managerStack(t, 'w-local', 'local', { secrets_file: 'written.yaml' });
  });
  afterAll(async () => {
    await t.close();
    await fakes.close();
  });

  it('aws, gcp, azure: json.dumps bytes (typed fields in declaration order, \\u escapes, schema last)', async () => {
    for (const flavor of ['aws', 'gcp', 'azure']) {
      const stack = `w-${flavor}`;
      // Given out of declaration order: ZenML's pydantic model re-orders.
      const awsValues = {
        aws_secret_access_key: AWS_SCHEMA_VALUES.aws_secret_access_key,
        aws_access_key_id: 'AKIAFIXTURE',
      };
      await t.ok(REGISTER_SECRET, { name: 'creds', schema: 'aws', values: awsValues, stack });
      await t.ok(REGISTER_SECRET, { name: 'unicode', values: ARBITRARY_VALUES, stack });
    }
    expect(awsCurrent(fakes, 'zenml/global/creds')).toBe(AWS_SCHEMA_PAYLOAD);
    expect(awsCurrent(fakes, 'zenml/global/unicode')).toBe(ARBITRARY_PAYLOAD);
    expect(fakes.gcp.latestValue('projects/test-project/secrets/zenml-global-creds')).toBe(
      AWS_SCHEMA_PAYLOAD,
    );
    expect(fakes.gcp.latestValue('projects/test-project/secrets/zenml-global-unicode')).toBe(
      ARBITRARY_PAYLOAD,
    );
    expect(fakes.azure.latest('zenml-global-creds')?.value).toBe(AWS_SCHEMA_PAYLOAD);
    expect(fakes.azure.latest('zenml-global-unicode')?.value).toBe(ARBITRARY_PAYLOAD);
    // Decoded with Python's semantics (json.loads), the payload is the input plus the schema.
    expect(JSON.parse(ARBITRARY_PAYLOAD)).toEqual({ ...ARBITRARY_VALUES, zenml_schema_name: 'arbitrary' });
  });

  it('vault: the KV data in declaration order with zenml_schema_name last', async () => {
    await t.ok(REGISTER_SECRET, {
      name: 'creds',
      schema: 'basic_auth',
      values: { password: 's3cr3t', username: 'admin' },
      stack: 'w-vault',
    });
    const data = fakes.vault.read('secret', 'zenml/global/creds');
    expect(Object.entries(data ?? {})).toEqual([
      ['username', 'admin'],
      ['password', 's3cr3t'],
      ['zenml_schema_name', 'basic_auth'],
    ]);
  });

  it('local: the file is byte for byte what PyYAML yaml.dump wrote, and reads back by YAML 1.1', async () => {
    for (const { name, schema, values } of LOCAL_SECRETS)
      await t.ok(REGISTER_SECRET, { name, schema, values, stack: 'w-local' });
    const text = await readFile(path.join(t.dataDir, 'local-secrets', 'written.yaml'), 'utf8');
    expect(text).toBe(LOCAL_FILE);
    // Another YAML 1.1 reader (not the gateway's): names and keys stay strings, values decode.
    const decoded = parseYaml11(text, { version: '1.1' }) as Record<string, Record<string, string>>;
    for (const { name, schema, values } of LOCAL_SECRETS) {
      const { zenml_schema_name, ...encoded } = decoded[name];
      expect(zenml_schema_name).toBe(schema);
      const plain = Object.fromEntries(
        Object.entries(encoded).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
      );
      expect(plain).toEqual(values);
    }
  });
});

describe('ZenML fidelity: secrets ZenML 0.39-0.45 wrote are read, listed, referenced and migrated', () => {
  let t: TestGateway;
  let fakes: CloudFakes;
  beforeAll(async () => {
    fakes = await startCloudFakes();
    t = await startTestGateway({ env: { SGW_LOG_LEVEL: 'error', SGW_VALUE_READS_PER_SECOND: '0' } });
    const globalTags = (name: string, schema: string) => ({
      zenml_scope: 'global',
      zenml_secret_name: name,
      zenml_component_name: 'zenml-sm',
      zenml_component_uuid: '5f0e4c2a-3b1d-4e6f-8a9b-0c1d2e3f4a5b',
      zenml_secret_schema: schema,
    });
    const awsTags = (name: string, schema: string) =>
      Object.entries(globalTags(name, schema)).map(([Key, Value]) => ({ Key, Value }));
    fakes.aws.put('zenml/global/typed', TYPED_PAYLOAD, { tags: awsTags('typed', 'arbitrary') });
    fakes.aws.put('zenml/global/creds', AWS_SCHEMA_PAYLOAD, { tags: awsTags('creds', 'aws') });
    fakes.aws.put('legacy', BASIC_AUTH_PAYLOAD);
    const nsTags = (namespace: string, name: string) =>
      Object.entries({
        zenml_scope: 'namespace',
        zenml_secret_name: name,
        zenml_namespace: namespace,
        zenml_component_name: 'zenml-sm',
        zenml_component_uuid: '5f0e4c2a-3b1d-4e6f-8a9b-0c1d2e3f4a5b',
        zenml_secret_schema: 'basic_auth',
      }).map(([Key, Value]) => ({ Key, Value }));
    fakes.aws.put('zenml/namespace/ml.team/nsdb', BASIC_AUTH_PAYLOAD, { tags: nsTags('ml.team', 'nsdb') });
    fakes.aws.put('zenml/namespace/other/nsdb2', BASIC_AUTH_PAYLOAD, { tags: nsTags('other', 'nsdb2') });
    fakes.gcp.put('projects/test-project/secrets/zenml-global-unicode', {
      labels: globalTags('unicode', 'arbitrary'),
      versions: [ARBITRARY_PAYLOAD],
    });
    const gcpLegacy = { 'zenml-group-key': 'legacydb', 'zenml-schema-name': 'basic_auth' };
    fakes.gcp.put('projects/test-project/secrets/legacydb_username', {
      labels: gcpLegacy,
      versions: ['admin'],
    });
    fakes.gcp.put('projects/test-project/secrets/legacydb_password', {
      labels: gcpLegacy,
      versions: ['s3cr3t'],
    });
    const gsa = { 'zenml-group-key': 'gsa', 'zenml-schema-name': 'gcp' };
    fakes.gcp.put('projects/test-project/secrets/gsa_token', { labels: gsa, versions: [GCP_LEGACY_TOKEN] });
    fakes.azure.put('zenml-global-basic', BASIC_AUTH_PAYLOAD, { tags: globalTags('basic', 'basic_auth') });
    for (const [key, name] of Object.entries(AZURE_LEGACY_NAMES)) {
      const tags = {
        'zenml-group-key': 'legacydb',
        'zenml-key-name': key,
        'zenml-schema-name': 'basic_auth',
      };
      fakes.azure.put(name, BASIC_AUTH_VALUES[key as keyof typeof BASIC_AUTH_VALUES], { tags });
    }
    fakes.vault.put('secret', 'zenml/global/typed', {
      flag: true,
      ratio: 1.5,
      count: 7,
      zenml_schema_name: 'arbitrary',
    });
    await mkdir(path.join(t.dataDir, 'local-secrets'), { recursive: true });
    await writeFile(path.join(t.dataDir, 'local-secrets', 'zenml.yaml'), LOCAL_FILE);
    await writeFile(path.join(t.dataDir, 'local-secrets', 'hand.yaml'), HAND_WRITTEN_LOCAL_FILE);
    for (const flavor of ['aws', 'gcp', 'azure', 'vault'] as const) {
      await managerStack(t, `r-${flavor}`, flavor, fakes.managerConfig(flavor, { scope: 'global' }));
      if (flavor !== 'vault')
        await managerStack(t, `n-${flavor}`, flavor, fakes.managerConfig(flavor, { scope: 'none' }));
    }
    await managerStack(
      t,
      'ns-aws',
      'aws',
      fakes.managerConfig('aws', { scope: 'namespace', namespace: 'ml.team' }),
    );
    await managerStack(t, 'r-local', 'local', { secrets_file: 'zenml.yaml' });
    await managerStack(t, 'h-local', 'local', { secrets_file: 'hand.yaml' });
  });
  afterAll(async () => {
    await t.close();
    await fakes.close();
  });

  const read = async (stack: string, name: string) => (await t.ok(GET, { stack, name })).managedSecret;
  const names = async (stack: string) =>
    (await t.ok(LIST, { stack })).managedSecrets.map((s: { name: string }) => s.name).sort();

  it('reads values as Python str() gives them, every flavor and legacy layout', async () => {
    expect(await read('r-aws', 'typed')).toEqual({ schema: 'arbitrary', values: TYPED_VALUES });
    expect(await read('r-aws', 'creds')).toEqual({ schema: 'aws', values: AWS_SCHEMA_VALUES });
    expect(await read('n-aws', 'legacy')).toEqual({ schema: 'basic_auth', values: BASIC_AUTH_VALUES });
    expect(await read('ns-aws', 'nsdb')).toEqual({ schema: 'basic_auth', values: BASIC_AUTH_VALUES });
    expect(await read('r-gcp', 'unicode')).toEqual({ schema: 'arbitrary', values: ARBITRARY_VALUES });
    expect(await read('n-gcp', 'legacydb')).toEqual({ schema: 'basic_auth', values: BASIC_AUTH_VALUES });
    // The raw per-key payload comes back as written, not re-serialized.
    expect(await read('n-gcp', 'gsa')).toEqual({ schema: 'gcp', values: { token: GCP_LEGACY_TOKEN } });
    expect(await read('r-azure', 'basic')).toEqual({ schema: 'basic_auth', values: BASIC_AUTH_VALUES });
    expect(await read('n-azure', 'legacydb')).toEqual({ schema: 'basic_auth', values: BASIC_AUTH_VALUES });
    expect(await read('r-vault', 'typed')).toEqual({
      schema: 'arbitrary',
      values: { flag: 'True', ratio: '1.5', count: '7' },
    });
    for (const { name, schema, values } of LOCAL_SECRETS)
      expect(await read('r-local', name)).toEqual({ schema, values });
    for (const [name, values] of Object.entries(HAND_WRITTEN_DECODED))
      expect((await read('h-local', name)).values).toEqual(values);
  });

  it('lists each scope as ZenML did', async () => {
    expect(await names('r-aws')).toEqual(['creds', 'typed']);
    expect(await names('n-aws')).toEqual(['legacy']);
    expect(await names('ns-aws')).toEqual(['nsdb']);
    expect(await names('n-gcp')).toEqual(['gsa', 'legacydb']);
    expect(await names('n-azure')).toEqual(['legacydb']);
    expect(await names('r-local')).toEqual(['1:20', 'café', 'db', 'null', 'on']);
    expect(await names('h-local')).toEqual(['2001-12-14', '31', 'None', 'True', 'noschema']);
  });

  it('resolves references to them as ZenML did (str() of the value)', async () => {
    await t.ok(
      `mutation { registerComponent(type: EXPERIMENT_TRACKER, name: "tracker", flavor: "mlflow", configuration: {
        tracking_uri: "http://mlflow", tracking_username: "{{ typed.flag }}", tracking_password: "{{typed.huge}}" }) { component { id } }
        registerStack(name: "ml", components: ["r-aws", "tracker"]) { id } }`,
    );
    const resolved = await t.ok(
      '{ component(type: EXPERIMENT_TRACKER, name: "tracker") { resolvedConfiguration } }',
    );
    expect(resolved.component.resolvedConfiguration).toEqual({
      tracking_uri: 'http://mlflow',
      tracking_username: 'True',
      tracking_password: '12345678901234567890',
    });
  });

  it('migrates them into the store with the same values', async () => {
    const m = await migrated(t, 'n-gcp');
    expect(m.status).toBe('SUCCEEDED');
    expect(await storeValues(t, 'legacydb')).toEqual({ schema: 'basic_auth', values: BASIC_AUTH_VALUES });
    expect(await storeValues(t, 'gsa')).toEqual({ schema: 'gcp', values: { token: GCP_LEGACY_TOKEN } });
    // Store names are stricter than a local file's keys: those two get new names.
    const local = await migrated(t, 'r-local', { '1:20': 'sexagesimal', café: 'cafe' });
    expect(local.status).toBe('SUCCEEDED');
    expect(await storeValues(t, 'sexagesimal')).toEqual({
      schema: 'arbitrary',
      values: { yes: 'sexagesimal', note: 'line1\nline2' },
    });
    expect(await storeValues(t, 'cafe')).toEqual({
      schema: 'gcp',
      values: { token: '{"type": "service_account"}' },
    });
    expect(await storeValues(t, 'on')).toEqual({ schema: 'arbitrary', values: { password: 'pw-on' } });
  });
});
