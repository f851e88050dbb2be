import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { subscribeSse } from '../helpers/sse-subscription.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const REGISTER = `mutation($name: String!, $c: JSON!) {
  registerComponent(type: ARTIFACT_STORE, name: $name, flavor: "s3", configuration: $c) { component { id } }
}`;
const REFERENCED_BY = `query($name: String!, $scope: SecretScope) {
  secret(name: $name, scope: $scope) { referencedBy { component { name type } field key stacks { name } } }
}`;
const DELETE = 'mutation($name: String!, $scope: SecretScope) { deleteSecret(name: $name, scope: $scope) }';

describe('the reference graph: Secret.referencedBy and delete warnings', () => {
  let t: TestGateway;
  let statements: string[] = [];
  const tokens: Record<string, string> = {};

  /** The components referencing a secret as `who` sees it: `component field key [stacks]`. */
  async function usesOf(who: string, name: string, scope?: string) {
    const data = await t.ok(REFERENCED_BY, { name, scope }, tokens[who] ?? t.adminToken);
    return data.secret.referencedBy.map(
      (u: any) => `${u.component.name} ${u.field} ${u.key} [${u.stacks.map((s: any) => s.name).join(',')}]`,
    );
  }

  beforeAll(async () => {
    t = await startTestGateway({ onQuery: (sql) => statements.push(sql) });
    for (const [name, role] of [
      ['ann', 'WRITER'],
      ['bob', 'WRITER'],
      ['rita', 'READER'],
      ['audrey', 'AUDITOR'],
    ] as const)
      tokens[name] = await t.tokenFor(name, role);
    await t.ok('mutation { createSecret(name: "db_creds", values: {user: "u", password: "p"}) { id } }');
    await t.ok('mutation { createSecret(name: "dbxcreds", values: {user: "u"}) { id } }');
    for (const who of ['ann', 'bob'])
      await t.ok(
        'mutation { createSecret(name: "mine", scope: USER, values: {token: "t"}) { id } }',
        {},
        tokens[who],
      );
    // ann's component: the workspace secret (spaces as ZenML allows) and her own USER secret.
    await t.ok(
      REGISTER,
      { name: 'store-a', c: { path: 's3://a', key: '{{ db_creds.user }}', secret: '{{mine.token}}' } },
      tokens.ann,
    );
    // bob's: his USER secret; and look-alikes that reference no secret named db_creds.
    await t.ok(REGISTER, { name: 'store-b', c: { path: 's3://b', key: '{{mine.token}}' } }, tokens.bob);
    await t.ok(REGISTER, {
      name: 'store-c',
      c: { path: 's3://c', key: '{{dbxcreds.user}}', secret: 'x{{db_creds.user}}' },
    });
    await t.ok('mutation { registerStack(name: "prod", components: ["store-a"]) { id } }');
  });
  afterAll(() => t?.close());

  it('lists the components referencing a secret, with field, key and stacks', async () => {
    expect(await usesOf('admin', 'db_creds')).toEqual(['store-a key user [prod]']);
    expect(await usesOf('admin', 'dbxcreds')).toEqual(['store-c key user []']);
    expect(await usesOf('rita', 'db_creds')).toEqual(['store-a key user [prod]']);
  });

  it("counts a USER secret's reference only in its owner's components (where it resolves to it)", async () => {
    expect(await usesOf('ann', 'mine', 'USER')).toEqual(['store-a secret token [prod]']);
    expect(await usesOf('bob', 'mine', 'USER')).toEqual(['store-b key token []']);
  });

  it('answers a page of secrets without a query per secret', async () => {
    statements = [];
    const data = await t.ok('{ secrets(first: 50) { nodes { name referencedBy { component { name } } } } }');
    const byName = Object.fromEntries(
      data.secrets.nodes.map((s: any) => [s.name, s.referencedBy.map((u: any) => u.component.name)]),
    );
    expect(byName).toMatchObject({ db_creds: ['store-a'], dbxcreds: ['store-c'] });
    expect(statements.filter((s) => s.includes('jsonb_each_text'))).toHaveLength(1);
  });

  it('refuses AUDITOR (no secret.read): FORBIDDEN, also for the change feed', async () => {
    const denied = await t.gql('{ secrets { nodes { referencedBy { field } } } }', {}, tokens.audrey);
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const { url } = await t.listen();
    const sub = await subscribeSse(url, tokens.audrey, 'subscription { secretChanges { id } }');
    try {
      const [first] = await sub.waitFor(1);
      expect(first.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    } finally {
      sub.close();
    }
  });

  it('refuses a cursor that is not an audit event id: BAD_USER_INPUT', async () => {
    const { url } = await t.listen();
    const sub = await subscribeSse(url, tokens.rita, 'subscription { secretChanges(after: "12x") { id } }');
    try {
      const [first] = await sub.waitFor(1);
      expect(first.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    } finally {
      sub.close();
    }
  });

  it('warns in extensions.warnings when a referenced secret is deleted, and only once it is', async () => {
    const refused = await t.gql(DELETE, { name: 'db_creds' }, tokens.rita);
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((refused as any).extensions?.warnings).toBeUndefined();

    const response = await t.gql(DELETE, { name: 'db_creds' });
    expect(response.errors).toBeUndefined();
    expect((response as any).extensions.warnings).toEqual([
      'Secret "db_creds" is referenced by component "store-a" (field key, key user) in stack prod',
    ]);
    const unreferenced = await t.gql('mutation { createSecret(name: "lonely", values: {k: "v"}) { id } }');
    expect(unreferenced.errors).toBeUndefined();
    expect(((await t.gql(DELETE, { name: 'lonely' })) as any).extensions?.warnings).toBeUndefined();
  });

  it('sgw secret delete prints the warnings on stderr', async () => {
    const { url } = await t.listen();
    const home = await mkdtemp(path.join(tmpdir(), 'sgw-cli-home-'));
    try {
      const env = { HOME: home, SGW_URL: url, SGW_TOKEN: tokens.bob };
      const result = await runCli(['secret', 'delete', 'mine', '--scope', 'user', '-y'], { env });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(
        'Warning: Secret "mine" is referenced by component "store-b" (field key, key token) in no stack',
      );
      expect(result.stdout).toContain('Deleted secret mine.');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
