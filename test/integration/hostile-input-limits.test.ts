import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUERY_LIMITS } from '../../src/graphql/use-query-limits.js';
import { STABLE_CODES } from '../helpers/hostile-input.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const codeOf = (result: { errors?: Array<{ extensions?: Record<string, any> }> }) =>
  result.errors?.[0]?.extensions?.code;

/** `{ viewer { … on Principal { … on Principal { name } } } }`, `fragments` inline fragments deep. */
function deepQuery(fragments: number): string {
  return `{ viewer { ${'... on Principal { '.repeat(fragments)}name${' }'.repeat(fragments)} } }`;
}

describe('query limits', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(() => t.close());

  it('refuses a query deeper than the limit with BAD_USER_INPUT', async () => {
    expect((await t.ok(deepQuery(3))).viewer.name).toBe('admin');
    const refused = await t.gql(deepQuery(QUERY_LIMITS.maxDepth));
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0].message).toMatch(/depth limit/i);
  });

  it('refuses more aliases than the limit, and allows as many as the limit', async () => {
    const aliases = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `a${i}: viewer { name }`).join(' ')} }`;
    expect(Object.keys(await t.ok(aliases(QUERY_LIMITS.maxAliases)))).toHaveLength(QUERY_LIMITS.maxAliases);
    const refused = await t.gql(aliases(QUERY_LIMITS.maxAliases + 1));
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0].message).toMatch(/aliases limit/i);
  });

  it('refuses a query costing more than the limit; the CLI’s largest queries pass', async () => {
    const refused = await t.gql(
      '{ secrets(first: 10000) { nodes { id name scope schema keys version owner { name } } } }',
    );
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0].message).toMatch(/cost limit/i);
    // `sgw secret list` and `sgw audit tail`, as the CLI sends them.
    await t.ok(`query($scope: SecretScope, $name: String, $after: String) {
      secrets(scope: $scope, name: $name, first: 1000, after: $after) {
        nodes { id name scope schema keys version owner { name } createdAt updatedAt origin } pageInfo { hasNextPage endCursor }
      }
    }`);
    await t.ok(`query($filter: AuditFilter, $after: String) {
      auditEvents(filter: $filter, first: 1000, after: $after) { nodes { id at actor action outcome target } pageInfo { hasNextPage endCursor } }
    }`);
  });

  it('refuses a document of more tokens than the limit before building it', async () => {
    const refused = await t.gql(`{ viewer { ${'name '.repeat(QUERY_LIMITS.maxTokens)}} }`);
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0].message).toMatch(/token limit/i);
  });

  it('refuses too many directives', async () => {
    const refused = await t.gql(
      `{ viewer { name ${'@include(if: true) '.repeat(QUERY_LIMITS.maxDirectives + 1)}} }`,
    );
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
  });

  it('answers a document nested past what the parser can recurse with BAD_USER_INPUT', async () => {
    const refused = await t.gql(`{ viewer(x: ${'['.repeat(1_900)}) { name } }`);
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
  });

  it('hides field suggestions', async () => {
    const refused = await t.gql('{ viewer { nmae } }');
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0].message).not.toMatch(/Did you mean/);
  });
});

describe('request body size', () => {
  const MAX = 64 * 1024;
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ env: { SGW_MAX_BODY_BYTES: String(MAX) } });
  });
  afterAll(() => t.close());

  const post = (body: string, headers: Record<string, string> = {}) =>
    t.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminToken}`, ...headers },
      body,
    });
  const padded = (bytes: number) =>
    JSON.stringify({ query: '{ viewer { name } }', variables: { pad: 'x'.repeat(bytes) } });

  it('answers 413 with a BAD_USER_INPUT error for a streamed body over the limit', async () => {
    const response = await post(padded(MAX));
    expect(response.status).toBe(413);
    const body = await response.json();
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('answers 413 at once when Content-Length is over the limit', async () => {
    const body = padded(MAX);
    const response = await post(body, { 'content-length': String(Buffer.byteLength(body)) });
    expect(response.status).toBe(413);
  });

  it('answers a body of an unsupported content type with 415 and a BAD_USER_INPUT error', async () => {
    const response = await post('{"query":"{ viewer { name } }"}', { 'content-type': 'text/plain' });
    expect(response.status).toBe(415);
    expect((await response.json()).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('serves a body just under the limit', async () => {
    const response = await post(padded(MAX - 200));
    expect(response.status).toBe(200);
    expect((await response.json()).data.viewer.name).toBe('admin');
  });

  it('over HTTP, refuses a huge chunked upload without reading it all, and keeps serving', async () => {
    const server = await t.listen();
    const url = new URL(`${server.url}/graphql`);
    const rssBefore = process.memoryUsage().rss;
    let sent = 0;
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.request(
        url,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminToken}` },
        },
        (response) => {
          let body = '';
          response.on('data', (chunk) => {
            body += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        },
      );
      request.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const write = () => {
        while (sent < 64 * 1024 * 1024) {
          sent += chunk.length;
          if (!request.write(chunk)) {
            request.once('drain', write);
            return;
          }
        }
        request.end();
      };
      write();
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    // The gateway stopped reading: the client could not push the 64 MiB, nor did memory grow by it.
    expect(sent).toBeLessThan(64 * 1024 * 1024);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(32 * 1024 * 1024);
    const ok = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminToken}` },
      body: JSON.stringify({ query: '{ viewer { name } }' }),
    });
    expect((await ok.json()).data.viewer.name).toBe('admin');
  });
});

describe('value read rate limit', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ env: { SGW_VALUE_READS_PER_SECOND: '1', SGW_VALUE_READS_BURST: '3' } });
    await t.ok(`mutation {
      a: createSecret(name: "rl-a", values: {k: "1"}) { id }
      b: createSecret(name: "rl-b", values: {k: "2"}) { id }
      c: createSecret(name: "rl-c", values: {k: "3"}) { id }
    }`);
  });
  afterAll(() => t.close());

  const READ = 'query($n: String!) { secret(name: $n) { values } }';

  it('answers RATE_LIMITED with retryAfterMs after the burst, and reads again after waiting', async () => {
    const writer = await t.tokenFor('rl-writer', 'WRITER');
    for (const name of ['rl-a', 'rl-b', 'rl-c']) await t.ok(READ, { n: name }, writer);
    const refused = await t.gql(READ, { n: 'rl-a' }, writer);
    expect(codeOf(refused)).toBe('RATE_LIMITED');
    const retryAfterMs = refused.errors?.[0].extensions?.retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(1000);
    // Names and keys are not values: still readable.
    expect((await t.ok('{ secrets { nodes { name keys } } }', undefined, writer)).secrets.nodes).toHaveLength(
      3,
    );
    await new Promise((r) => setTimeout(r, retryAfterMs + 10));
    expect((await t.ok(READ, { n: 'rl-a' }, writer)).secret.values).toEqual({ k: '1' });
  });

  it('counts one read per secret in a list, per principal', async () => {
    const reader = await t.tokenFor('rl-lister', 'WRITER');
    const other = await t.tokenFor('rl-other', 'WRITER');
    const all = await t.gql('{ secrets { nodes { name values } } }', undefined, reader);
    expect(all.errors).toBeUndefined();
    expect(codeOf(await t.gql(READ, { n: 'rl-a' }, reader))).toBe('RATE_LIMITED');
    expect((await t.ok(READ, { n: 'rl-a' }, other)).secret.values).toEqual({ k: '1' });
  });

  it('limits managed secret values and resolved configurations too', async () => {
    const token = await t.tokenFor('rl-managed', 'WRITER');
    await t.ok(`mutation {
      registerComponent(type: SECRETS_MANAGER, name: "rl-sm", flavor: "local", configuration: {}) { component { id } }
      store: registerComponent(type: ARTIFACT_STORE, name: "rl-as", flavor: "local", configuration: {path: "{{rl-a.k}}"}) { component { id } }
      registerStack(name: "rl-stack", components: ["rl-sm", "rl-as"]) { id }
    }`);
    await t.ok('mutation { registerManagedSecret(name: "m", stack: "rl-stack", values: {k: "v"}) { name } }');
    const managed = 'query { managedSecret(name: "m", stack: "rl-stack") { values } }';
    const resolved = 'query { component(type: ARTIFACT_STORE, name: "rl-as") { resolvedConfiguration } }';
    expect((await t.ok(managed, undefined, token)).managedSecret.values).toEqual({ k: 'v' });
    expect((await t.ok(resolved, undefined, token)).component.resolvedConfiguration).toEqual({ path: '1' });
    expect((await t.ok(managed, undefined, token)).managedSecret.values).toEqual({ k: 'v' });
    expect(codeOf(await t.gql(resolved, undefined, token))).toBe('RATE_LIMITED');
    expect(codeOf(await t.gql(managed, undefined, token))).toBe('RATE_LIMITED');
  });
});

describe('secret values never appear in errors or logs', () => {
  const canary = `canary-${randomBytes(8).toString('hex')}`;
  const logLines: string[] = [];
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({
      logLines,
      env: { SGW_VALUE_READS_PER_SECOND: '1', SGW_VALUE_READS_BURST: '1' },
    });
    await t.ok('mutation($v: JSON!) { createSecret(name: "canary", values: $v) { id } }', {
      v: { token: canary },
    });
    await t.ok(`mutation {
      registerComponent(type: SECRETS_MANAGER, name: "c-sm", flavor: "local", configuration: {}) { component { id } }
      registerStack(name: "c-stack", components: ["c-sm"]) { id }
    }`);
    await t.ok(
      'mutation($v: JSON!) { registerManagedSecret(name: "m", stack: "c-stack", values: $v) { name } }',
      {
        v: { token: canary },
      },
    );
  });
  afterAll(() => t.close());

  it('holds for wrong types, bad literals, refusals, limits and denied reads that carry or touch the value', async () => {
    const reader = await t.tokenFor('c-reader', 'READER');
    const attempts: Array<[string, Record<string, unknown>?, string?]> = [
      // The value where a name, an enum, a number or an ID goes: graphql-js quotes inputs.
      ['mutation($n: String!) { deleteSecret(name: $n) }', { n: { token: canary } }],
      ['mutation($n: String!) { deleteSecret(name: $n) }', { n: [canary] }],
      ['mutation($s: SecretScope) { deleteSecret(name: "x", scope: $s) }', { s: canary }],
      ['mutation($r: Role!) { createToken(principal: "p", role: $r) { id } }', { r: canary }],
      [
        'mutation($v: Int) { updateSecret(name: "canary", values: {}, expectedVersion: $v) { id } }',
        { v: canary },
      ],
      [
        'query($f: AuditFilter) { auditEvents(filter: $f) { nodes { id } } }',
        { f: { actor: { x: canary } } },
      ],
      ['query($f: AuditFilter) { auditEvents(filter: $f) { nodes { id } } }', { f: { since: canary } }],
      [`mutation { deleteSecret(name: {token: "${canary}"}) }`],
      [`mutation { deleteSecret(name: "x", scope: "${canary}") }`],
      [`mutation { createToken(principal: "p", role: ${canary.replace(/-/g, '_')}) { id } }`],
      [`{ viewer "${canary}" }`],
      [`{ viewer { name } } "${canary}`],
      // The value inside values that fail validation, and in a schema's field.
      [
        'mutation($v: JSON!) { createSecret(name: "c2", values: $v) { id } }',
        { v: { token: { nested: canary } } },
      ],
      ['mutation($v: JSON!) { createSecret(name: "c3", values: $v) { id } }', { v: canary }],
      [
        'mutation($v: JSON!) { createSecret(name: "c4", values: $v, schema: "aws") { id } }',
        { v: { x: canary } },
      ],
      ['mutation($v: JSON!) { createSecret(name: "canary", values: $v) { id } }', { v: { token: canary } }],
      [
        'mutation($v: JSON!) { updateSecret(name: "canary", values: $v, expectedVersion: 7) { id } }',
        { v: { token: canary } },
      ],
      [`mutation { createSecret(name: "c5", values: {token: "${canary}\\u0000"}) { id } }`],
      [
        `mutation { registerComponent(type: ARTIFACT_STORE, name: "c-as", flavor: "s3", configuration: {path: 1, key: "${canary}"}) { warnings } }`,
      ],
      // Reads: denied, then spent.
      ['{ secret(name: "canary") { values } }', undefined, reader],
      ['{ managedSecret(name: "m", stack: "c-stack") { values } }', undefined, reader],
      ['{ secret(name: "canary") { values } }'],
      ['{ secret(name: "canary") { values } }'],
      ['{ managedSecrets(stack: "c-stack") { values } }'],
    ];
    let errors = 0;
    for (const [query, variables, token] of attempts) {
      const result = await t.gql(query, variables, token ?? t.adminToken);
      for (const error of result.errors ?? []) {
        errors += 1;
        expect(STABLE_CODES).toContain(error.extensions?.code);
        expect(JSON.stringify(error), query).not.toContain(canary);
      }
    }
    expect(errors).toBeGreaterThanOrEqual(attempts.length - 2);
    expect(logLines.join('\n')).not.toContain(canary);
  });
});
