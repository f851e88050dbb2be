import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CloudFakes, startCloudFakes } from '../helpers/cloud-fakes.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const REGISTER = `mutation($type: ComponentType!, $name: String!, $flavor: String!, $c: JSON!) {
  registerComponent(type: $type, name: $name, flavor: $flavor, configuration: $c) {
    component { configuration secretReferences { field secretName key } } warnings
  }
}`;

describe('secret references', () => {
  let t: TestGateway;
  let fakes: CloudFakes;
  beforeAll(async () => {
    fakes = await startCloudFakes();
    t = await startTestGateway();
    await t.ok(
      `mutation($c: JSON!) {
        registerComponent(type: SECRETS_MANAGER, name: "aws-sm", flavor: "aws", configuration: $c) { component { id } }
      }`,
      { c: fakes.managerConfig('aws', { scope: 'global' }) },
    );
    await t.ok(
      'mutation { createSecret(name: "store_creds", values: {key: "store-key", secret: "store-secret"}) { id } }',
    );
  });
  afterAll(async () => {
    await t.close();
    await fakes.close();
  });

  it('parses whole-value references and lists them; anything else is a plain value, as in ZenML 0.40+', async () => {
    const ok = await t.ok(REGISTER, {
      type: 'ARTIFACT_STORE',
      name: 'refs-s3',
      flavor: 's3',
      c: { path: 's3://b', key: '{{ store_creds.key }}', secret: '{{store_creds.secret}}' },
    });
    expect(ok.registerComponent.component.secretReferences).toEqual([
      { field: 'key', secretName: 'store_creds', key: 'key' },
      { field: 'secret', secretName: 'store_creds', key: 'secret' },
    ]);
    expect(ok.registerComponent.warnings).toEqual([]);
    // ZenML's fullmatch of \{\{\s*\S+?\.\S+\s*\}\} fails for each: a plain (sensitive) value.
    const plain = [
      '{{store_creds}}',
      '{{.key}}',
      '{{store_creds.key}',
      'x{{a.b}}',
      ' {{a.b}}',
      '{{ a . b }}',
    ];
    for (const [i, value] of plain.entries()) {
      const result = await t.ok(REGISTER, {
        type: 'ARTIFACT_STORE',
        name: `plain-ref-${i}`,
        flavor: 's3',
        c: { path: 's3://b', key: value },
      });
      expect(result.registerComponent.component.secretReferences).toEqual([]);
      expect(result.registerComponent.warnings.join(' ')).toContain('Field "key" is not a secret reference');
    }
  });

  it('refuses references inside a secrets manager configuration', async () => {
    const result = await t.gql(REGISTER, {
      type: 'SECRETS_MANAGER',
      name: 'sm-with-ref',
      flavor: 'vault',
      c: { url: 'http://127.0.0.1:1', token: '{{store_creds.secret}}' },
    });
    expect(result.errors?.[0].extensions?.issues).toEqual([
      {
        path: 'configuration.token',
        message: 'secret references are not allowed in a secrets manager configuration',
      },
    ]);
  });

  it('warns about plain values in sensitive fields, naming the field and suggesting a reference', async () => {
    const result = await t.ok(REGISTER, {
      type: 'ARTIFACT_STORE',
      name: 'plain-s3',
      flavor: 's3',
      c: { path: 's3://b', secret: 'plain-text' },
    });
    expect(result.registerComponent.warnings).toEqual([
      expect.stringMatching(/"secret".*\{\{my_secret\.secret\}\}/),
    ]);
  });

  it('resolves from the store first, then the stack secrets manager, with one audit event listing both', async () => {
    await t.ok(REGISTER, {
      type: 'EXPERIMENT_TRACKER',
      name: 'tracker',
      flavor: 'mlflow',
      c: {
        tracking_uri: 'http://mlflow',
        tracking_username: '{{store_creds.key}}',
        tracking_password: '{{mlflow_creds.password}}',
      },
    });
    await t.ok('mutation { registerStack(name: "ml", components: ["aws-sm", "tracker"]) { id } }');
    await t.ok(
      'mutation { registerManagedSecret(name: "mlflow_creds", values: {password: "sm-password"}, stack: "ml") { name } }',
    );
    const resolved = await t.ok(
      '{ component(type: EXPERIMENT_TRACKER, name: "tracker") { configuration resolvedConfiguration } }',
    );
    expect(resolved.component.configuration.tracking_password).toBe('{{mlflow_creds.password}}');
    expect(resolved.component.resolvedConfiguration).toEqual({
      tracking_uri: 'http://mlflow',
      tracking_username: 'store-key',
      tracking_password: 'sm-password',
    });
    const events = await t.ok(
      '{ auditEvents(filter: {actions: ["component.resolve"]}) { nodes { target valueFingerprints } } }',
    );
    expect(events.auditEvents.nodes).toHaveLength(1);
    const [event] = events.auditEvents.nodes;
    expect(
      event.target.secrets.map((s: { name: string; source: string }) => [s.source, s.name]).sort(),
    ).toEqual([
      ['secrets_manager', 'mlflow_creds'],
      ['store', 'store_creds'],
    ]);
    expect(Object.keys(event.valueFingerprints).sort()).toEqual(['mlflow_creds.password', 'store_creds.key']);
    expect(JSON.stringify(event)).not.toContain('sm-password');

    // a store secret of the same name wins over the secrets manager
    await t.ok(
      'mutation { createSecret(name: "mlflow_creds", values: {password: "store-password"}) { id } }',
    );
    const again = await t.ok(
      '{ component(type: EXPERIMENT_TRACKER, name: "tracker") { resolvedConfiguration } }',
    );
    expect(again.component.resolvedConfiguration.tracking_password).toBe('store-password');
    await t.ok('mutation { deleteSecret(name: "mlflow_creds") }');
  });

  it('names the missing secret or key, and refuses READERs', async () => {
    await t.ok(REGISTER, {
      type: 'CONTAINER_REGISTRY',
      name: 'registry',
      flavor: 'default',
      c: { uri: '{{store_creds.nope}}' },
    });
    const missingKey = await t.gql(
      '{ component(type: CONTAINER_REGISTRY, name: "registry") { resolvedConfiguration } }',
    );
    expect(missingKey.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(missingKey.errors?.[0].message).toMatch(/no key "nope".*available keys: key, secret/);
    const reader = await t.tokenFor('ref-reader', 'READER');
    const denied = await t.gql(
      '{ component(type: ARTIFACT_STORE, name: "refs-s3") { resolvedConfiguration } }',
      {},
      reader,
    );
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('warns per validation level at registration and reports broken references as stack problems', async () => {
    const warn = await t.ok(REGISTER, {
      type: 'ORCHESTRATOR',
      name: 'k8s-ref',
      flavor: 'kubernetes',
      c: { kubernetes_context: '{{ghost.ctx}}', kubernetes_namespace: '{{store_creds.missing}}' },
    });
    expect(warn.registerComponent.warnings).toEqual([
      expect.stringMatching(/secret "ghost" .* does not exist/),
      expect.stringMatching(/has no key "missing"/),
    ]);
    await t.ok('mutation { createSecret(name: "doomed", values: {k: "v"}) { id } }');
    await t.ok(REGISTER, {
      type: 'ORCHESTRATOR',
      name: 'doomed-orch',
      flavor: 'kubernetes',
      c: { kubernetes_context: '{{doomed.k}}' },
    });
    await t.ok('mutation { registerStack(name: "doomed-stack", components: ["doomed-orch"]) { id } }');
    expect((await t.ok('{ stack(name: "doomed-stack") { problems } }')).stack.problems).toEqual([]);
    await t.ok('mutation { deleteSecret(name: "doomed") }');
    const problems = (await t.ok('{ stack(name: "doomed-stack") { problems } }')).stack.problems;
    expect(problems).toEqual([
      expect.stringMatching(/doomed-orch.*kubernetes_context.*"doomed".*\{\{doomed\.k\}\}/),
    ]);
  });
});

describe.each([
  ['SECRET_EXISTS', ['ghost']],
  ['NONE', []],
] as const)('SGW_SECRET_VALIDATION_LEVEL=%s', (level, expected) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ env: { SGW_SECRET_VALIDATION_LEVEL: level } });
    await t.ok('mutation { createSecret(name: "present", values: {k: "v"}) { id } }');
  });
  afterAll(() => t.close());

  it('checks only what the level asks for', async () => {
    const result = await t.ok(REGISTER, {
      type: 'ORCHESTRATOR',
      name: 'levels',
      flavor: 'kubernetes',
      c: { kubernetes_context: '{{ghost.ctx}}', kubernetes_namespace: '{{present.missing_key}}' },
    });
    const named = result.registerComponent.warnings.map((w: string) => /secret "(\w+)"/.exec(w)?.[1]);
    expect(named).toEqual(expected);
  });
});
