import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const CANARY_NAME = 'canary-name-7f3a';
const CANARY_VALUE = 'canary-value-b81e5d';
const READER = 'reader-principal-c4d2';
const METRICS_TOKEN = 'metrics-token-93ab1f';
const START = `mutation($names: [String!]) {
  startSecretsMigration(stack: "local-src", names: $names, onConflict: SKIP) { id }
}`;

/** One sample of the Prometheus text: a metric name, its labels and value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples of a metric whose labels include `labels` (undefined: none). */
function sampleSum(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const matching = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value),
  );
  return matching.length ? matching.reduce((sum, s) => sum + s.value, 0) : undefined;
}

async function getMetrics(url: string, authorization?: string): Promise<Response> {
  return fetch(`${url}/metrics`, { headers: authorization ? { authorization } : {} });
}

async function waitFinished(t: TestGateway, id: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { migration } = await t.ok('query($id: ID!) { migration(id: $id) { status } }', { id });
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(migration.status)) return migration.status;
    if (Date.now() > deadline) throw new Error(`migration still ${migration.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One failing operation per code: RATE_LIMITED, NOT_FOUND, FORBIDDEN, UNAUTHENTICATED, BAD_USER_INPUT. */
async function failingOperations(t: TestGateway, readerToken: string): Promise<void> {
  // The canary read took one of the admin's two value reads: `a` takes the other, `b` is refused.
  const limited = await t.gql(`{ secret(name: "${CANARY_NAME}") { a: values b: values } }`);
  expect(limited.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  const missing = await t.gql(`mutation { renameSecret(name: "${CANARY_NAME}-gone", newName: "x") { id } }`);
  expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  const forbidden = await t.gql(`{ secret(name: "${CANARY_NAME}") { values } }`, undefined, readerToken);
  expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  const anonymous = await t.gql('{ viewer { name } }', undefined, null);
  expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  const syntax = await t.gql('{ secret(name: ');
  expect(syntax.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
}

/** A migration from a local secrets manager: one secret copied, one conflict skipped. */
async function migrateFromLocalManager(t: TestGateway): Promise<void> {
  await t.ok(`mutation {
    registerComponent(type: SECRETS_MANAGER, name: "local-src", flavor: "local", configuration: {}) { component { id } }
    registerStack(name: "local-src", components: ["local-src"]) { id }
  }`);
  for (const [name, value] of [
    ['fresh', 'from-source'],
    ['clash', 'from-source'],
  ]) {
    await t.ok(
      'mutation($n: String!, $v: JSON!) { registerManagedSecret(name: $n, values: $v, stack: "local-src") { name } }',
      { n: name, v: { v: value } },
    );
  }
  await t.ok('mutation { createSecret(name: "clash", values: {v: "in-store"}) { id } }');
  const id = (await t.ok(START, { names: ['fresh', 'clash'] })).startSecretsMigration.id;
  expect(await waitFinished(t, id)).toBe('SUCCEEDED');
}

/** A secrets manager that does not answer (nothing listens on port 9): BACKEND_UNAVAILABLE. */
async function listUnreachableManager(t: TestGateway): Promise<void> {
  await t.ok(`mutation {
    registerComponent(type: SECRETS_MANAGER, name: "aws-down", flavor: "aws", configuration: {
      region_name: "us-east-1", endpoint_url: "http://127.0.0.1:9",
      aws_access_key_id: "AKIDEXAMPLE", aws_secret_access_key: "${CANARY_VALUE}"
    }) { component { id } }
    registerStack(name: "aws-down", components: ["aws-down"]) { id }
  }`);
  const down = await t.gql('{ managedSecrets(stack: "aws-down") { name } }');
  expect(down.errors?.[0]?.extensions?.code).toBe('BACKEND_UNAVAILABLE');
}

describe('GET /metrics after a few operations', () => {
  let t: TestGateway;
  let url: string;
  let readerToken: string;
  let adminName: string;
  let text: string;
  let samples: Sample[];

  beforeAll(async () => {
    t = await startTestGateway({
      env: {
        SGW_METRICS_TOKEN: METRICS_TOKEN,
        // Two value reads, then RATE_LIMITED (the rate refills once in 100 s).
        SGW_VALUE_READS_PER_SECOND: '0.01',
        SGW_VALUE_READS_BURST: '2',
        SGW_ALLOWED_ENDPOINTS: '127.0.0.1',
      },
    });
    url = (await t.listen()).url;
    adminName = (await t.ok('{ viewer { name } }')).viewer.name;
    readerToken = await t.tokenFor(READER, 'READER');

    await t.ok('mutation($n: String!, $v: JSON!) { createSecret(name: $n, values: $v) { id } }', {
      n: CANARY_NAME,
      v: { password: CANARY_VALUE },
    });
    // Its client-chosen operation name must not become a label.
    await t.ok(`query CanaryOp7f3a { secret(name: "${CANARY_NAME}") { values } }`);
    await t.ok(
      'query { ...Both } fragment Both on Query { viewer { name } secrets(first: 1) { pageInfo { hasNextPage } } }',
    );
    await failingOperations(t, readerToken);
    await migrateFromLocalManager(t);
    await listUnreachableManager(t);

    const response = await getMetrics(url, `Bearer ${METRICS_TOKEN}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    text = await response.text();
    samples = parseSamples(text);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('names every metric sgw_… and includes the process metrics', () => {
    expect(samples.length).toBeGreaterThan(20);
    expect(samples.filter((s) => !s.name.startsWith('sgw_'))).toEqual([]);
    expect(sampleSum(samples, 'sgw_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sampleSum(samples, 'sgw_nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('times operations by type and root fields', () => {
    const count = (operation_type: string, root_fields: string) =>
      sampleSum(samples, 'sgw_graphql_request_duration_seconds_count', { operation_type, root_fields });
    expect(count('mutation', 'createSecret')).toBe(2);
    // The canary read, the rate-limited read and the READER's forbidden read.
    expect(count('query', 'secret')).toBe(3);
    expect(count('query', 'secrets,viewer')).toBe(1);
    expect(count('mutation', 'renameSecret')).toBe(1);
    expect(count('mutation', 'registerComponent,registerStack')).toBe(2);
    const sum = sampleSum(samples, 'sgw_graphql_request_duration_seconds_sum', {
      operation_type: 'mutation',
      root_fields: 'createSecret',
    });
    expect(sum).toBeGreaterThan(0);
    const slowest = samples.find(
      (s) =>
        s.name === 'sgw_graphql_request_duration_seconds_bucket' &&
        s.labels.root_fields === 'createSecret' &&
        s.labels.le === '+Inf',
    );
    expect(slowest?.value).toBe(2);
  });

  it('counts errors by their stable code', () => {
    const errors = (code: string) => sampleSum(samples, 'sgw_graphql_errors_total', { code });
    expect(errors('RATE_LIMITED')).toBe(1);
    expect(errors('NOT_FOUND')).toBe(1);
    expect(errors('FORBIDDEN')).toBe(1);
    expect(errors('UNAUTHENTICATED')).toBe(1);
    expect(errors('BAD_USER_INPUT')).toBe(1);
    expect(errors('BACKEND_UNAVAILABLE')).toBe(1);
    expect(errors('INTERNAL_SERVER_ERROR')).toBeUndefined();
    expect(sampleSum(samples, 'sgw_value_reads_rate_limited_total')).toBe(1);
  });

  it('counts migration items by outcome', () => {
    const items = (status: string) => sampleSum(samples, 'sgw_migration_items_total', { status });
    expect(items('MIGRATED')).toBe(1);
    expect(items('SKIPPED')).toBe(1);
    expect(items('FAILED')).toBeUndefined();
  });

  it('times back-end calls per flavor and operation', () => {
    const calls = (flavor: string, operation?: string) =>
      sampleSum(samples, 'sgw_backend_call_duration_seconds_count', {
        flavor,
        ...(operation ? { operation } : {}),
      });
    expect(calls('sql')).toBeGreaterThanOrEqual(4);
    expect(calls('local', 'create')).toBe(2);
    expect(calls('local')).toBeGreaterThan(2);
    expect(calls('aws', 'list')).toBe(1);
    const failures = (flavor: string) => sampleSum(samples, 'sgw_backend_call_failures_total', { flavor });
    expect(failures('aws')).toBe(1);
    expect(
      sampleSum(samples, 'sgw_backend_call_failures_total', {
        operation: 'list',
        code: 'BACKEND_UNAVAILABLE',
      }),
    ).toBe(1);
    expect(failures('sql')).toBeUndefined();
    expect(failures('local')).toBeUndefined();
  });

  it('reads the audit chain head and backlog on scrape', async () => {
    const last = await t.ok('{ auditEvents(first: 1, newestFirst: true) { nodes { id } } }');
    const lastId = Number(last.auditEvents.nodes[0].id);
    expect(lastId).toBeGreaterThan(10);
    const now = parseSamples(await (await getMetrics(url, `Bearer ${METRICS_TOKEN}`)).text());
    expect(sampleSum(now, 'sgw_audit_chain_head_id')).toBe(lastId);
    expect(sampleSum(now, 'sgw_audit_events_pending')).toBe(0);
    expect(sampleSum(now, 'sgw_audit_events_unpublished')).toBeGreaterThanOrEqual(0);
  });

  it('is not counted as a GraphQL request', async () => {
    const total = (s: Sample[]) => sampleSum(s, 'sgw_graphql_request_duration_seconds_count');
    const first = parseSamples(await (await getMetrics(url, `Bearer ${METRICS_TOKEN}`)).text());
    const second = parseSamples(await (await getMetrics(url, `Bearer ${METRICS_TOKEN}`)).text());
    expect(total(first)).toBeGreaterThan(10);
    expect(total(second)).toBe(total(first));
  });

  it('holds no secret name or value, token, principal name or operation name', () => {
    for (const text_ of [CANARY_NAME, CANARY_VALUE, 'CanaryOp7f3a', READER, adminName]) {
      expect(text).not.toContain(text_);
    }
    for (const token of [t.adminToken, readerToken, METRICS_TOKEN]) expect(text).not.toContain(token);
    expect(text).not.toMatch(/sgw_[A-Za-z0-9_-]{43}/);
  });
});

describe('GET /metrics access', () => {
  let t: TestGateway;
  let url: string;
  afterAll(async () => {
    await t?.close();
  });

  it('with SGW_METRICS_TOKEN needs that bearer token: none, a wrong one or a GraphQL token is 401', async () => {
    t = await startTestGateway({ env: { SGW_METRICS_TOKEN: METRICS_TOKEN } });
    url = (await t.listen()).url;
    for (const authorization of [
      undefined,
      `Bearer ${METRICS_TOKEN}x`,
      `Bearer ${t.adminToken}`,
      METRICS_TOKEN,
    ]) {
      const response = await getMetrics(url, authorization);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await response.text()).not.toContain('sgw_');
    }
    const allowed = await getMetrics(url, `bearer ${METRICS_TOKEN}`);
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('# TYPE sgw_graphql_request_duration_seconds histogram');
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('without SGW_METRICS_TOKEN is open (and needs no GraphQL token)', async () => {
    const open = await startTestGateway();
    try {
      const response = await getMetrics((await open.listen()).url);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('# TYPE sgw_audit_chain_head_id gauge');
    } finally {
      await open.close();
    }
  });
});
