import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecretBackend } from '../../src/backends/backend.js';
import { createVaultBackend } from '../../src/backends/vault/vault-backend.js';
import type { AppError } from '../../src/errors.js';
import { caught } from '../helpers/caught.js';
import { type CloudFakes, startCloudFakes } from '../helpers/cloud-fakes.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/** Requests the fake received whose path has a `.` or `..` segment (a path escaping its scope). */
const dotSegmentCalls = (fakes: CloudFakes) =>
  fakes.vault.calls.filter((call) =>
    call
      .split(' ')[1]
      .split('?')[0]
      .split('/')
      .some((segment) => segment === '.' || segment === '..' || segment === '%2E' || segment === '%2E%2E'),
  );

describe('Vault secret names . and .. (a WRITER escaping the scope path)', () => {
  let t: TestGateway;
  let fakes: CloudFakes;
  let writer: string;

  beforeAll(async () => {
    fakes = await startCloudFakes();
    t = await startTestGateway();
    writer = await t.tokenFor('mallory', 'WRITER');
    await t.ok(
      'mutation($c: JSON!) { registerComponent(type: SECRETS_MANAGER, name: "team", flavor: "vault", configuration: $c) { component { id } } }',
      { c: fakes.managerConfig('vault', { scope: 'namespace', namespace: 'team-a' }) },
    );
    await t.ok('mutation { registerStack(name: "team", components: ["team"]) { id } }');
    // Another team's secret, one level up from the WRITER's scope path.
    fakes.vault.put('secret', 'zenml/namespace/team-b', { password: 'other-team-canary' });
  });
  afterAll(async () => {
    await t.close();
    await fakes.close();
  });

  it.each(['.', '..'])(
    'refuses %j as a secret name for every operation, before any request',
    async (name) => {
      const operations = [
        'mutation($n: String!) { registerManagedSecret(name: $n, values: {k: "v"}, stack: "team") { name } }',
        'query($n: String!) { managedSecret(name: $n, stack: "team") { values } }',
        'mutation($n: String!) { updateManagedSecret(name: $n, values: {k: "v"}, stack: "team") { name } }',
        'mutation($n: String!) { deleteManagedSecret(name: $n, stack: "team") }',
      ];
      for (const operation of operations) {
        const answer = await t.gql(operation, { n: name }, writer);
        expect(answer.errors?.[0]?.extensions?.code, operation).toBe('BAD_USER_INPUT');
        expect(JSON.stringify(answer)).not.toContain('other-team-canary');
      }
      expect(dotSegmentCalls(fakes)).toEqual([]);
    },
  );
});

describe('the Vault adapter refuses . and .. path segments', () => {
  let fakes: CloudFakes;
  let backend: SecretBackend;

  beforeAll(async () => {
    fakes = await startCloudFakes();
    backend = createVaultBackend({ url: fakes.vault.url, token: fakes.vault.token, timeoutMs: 5_000 });
    fakes.vault.put('secret', 'zenml/namespace/team-b', { password: 'other-team-canary' });
  });
  afterAll(async () => {
    await fakes.close();
  });

  it('sends no request for a path with a dot segment', async () => {
    const entry = { name: 'zenml/namespace/team-a/..', values: { k: 'v' }, metadata: {} };
    expect((await caught<AppError>(backend.create(entry))).code).toBe('BAD_USER_INPUT');
    expect((await caught<AppError>(backend.update(entry))).code).toBe('BAD_USER_INPUT');
    expect(await backend.get('zenml/namespace/team-a/../team-b')).toBeUndefined();
    expect(await backend.delete('zenml/namespace/team-a/..')).toBe(false);
    const listed = await caught<AppError>(backend.list({ namePrefix: 'zenml/namespace/team-a/../' }));
    expect(listed.code).toBe('BAD_USER_INPUT');
    expect(dotSegmentCalls(fakes)).toEqual([]);
    expect(fakes.vault.paths('secret')).toEqual(['zenml/namespace/team-b']);
  });
});
