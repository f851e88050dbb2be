import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../auth/principal.js';
import type { AuditEntry } from '../services/audit/audit-event.js';
import { AUDIT_TEXT_MAX } from '../services/audit/audit-target-bounds.js';
import { createAuthFailureThrottle } from '../services/rate-limit/auth-failure-throttle.js';
import type { GraphQLContext } from './context.js';
import { useAuthentication } from './use-authentication.js';

const alice: Principal = { id: 'p1', name: 'alice', role: 'READER' };

const schema = createSchema<Record<string, unknown> & GraphQLContext>({
  typeDefs: /* GraphQL */ `
    type Query { whoami: String }
    type Subscription { tick: String }
  `,
  resolvers: {
    Query: { whoami: (_root, _args, ctx) => ctx.principal?.name ?? null },
    Subscription: {
      tick: {
        subscribe: async function* () {
          yield { tick: 'tock' };
        },
      },
    },
  },
});

/**
 * A yoga whose caller is alice when the request has an Authorization header, else nobody; the
 * client address is the `x-test-client` header (in-process requests have no socket).
 */
function yogaWith(record: (entry: AuditEntry) => Promise<void>, maxFailures = 20) {
  const throttle = createAuthFailureThrottle({ record, maxFailures, windowMs: 60_000 });
  const yoga = createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    logging: false,
    context: ({ request }) =>
      ({
        principal: request.headers.has('authorization') ? alice : null,
        clientAddress: request.headers.get('x-test-client') ?? '192.0.2.1',
      }) as GraphQLContext,
    plugins: [useAuthentication(throttle)],
  });
  return Object.assign(yoga, { closeThrottle: throttle.close });
}

function recorder() {
  const entries: AuditEntry[] = [];
  return { entries, record: async (entry: AuditEntry) => void entries.push(entry) };
}

const post = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

describe('useAuthentication', () => {
  it('refuses an operation without a principal with 401 UNAUTHENTICATED, recording a DENIED event', async () => {
    const { entries, record } = recorder();
    const response = await yogaWith(record).fetch(
      'http://yoga/graphql',
      post({ query: 'query Who { whoami }', operationName: 'Who' }),
    );
    expect(response.status).toBe(401);
    const body = await response.json();
    expect(body.data).toBeUndefined();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(body.errors[0].message).toMatch(/valid API token is required/);
    expect(entries).toEqual([
      {
        actor: 'anonymous',
        action: 'auth.authenticate',
        outcome: 'DENIED',
        target: { kind: 'request', operation: 'Who', address: '192.0.2.1' },
      },
    ]);
  });

  it('lets an authenticated operation run, recording nothing', async () => {
    const { entries, record } = recorder();
    const response = await yogaWith(record).fetch(
      'http://yoga/graphql',
      post({ query: '{ whoami }' }, { authorization: 'Bearer x' }),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { whoami: 'alice' } });
    expect(entries).toEqual([]);
  });

  it('still answers UNAUTHENTICATED when the audit record fails', async () => {
    const response = await yogaWith(() => Promise.reject(new Error('db down'))).fetch(
      'http://yoga/graphql',
      post({ query: '{ whoami }' }),
    );
    expect(response.status).toBe(401);
    expect((await response.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('refuses an unauthenticated subscription too, with no event streamed', async () => {
    const { entries, record } = recorder();
    const response = await yogaWith(record).fetch('http://yoga/graphql', {
      ...post({ query: 'subscription { tick }' }),
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    });
    const text = await response.text();
    expect(text).toContain('UNAUTHENTICATED');
    expect(text).not.toContain('tock');
    expect(entries.map((entry) => [entry.action, entry.outcome, entry.target.operation])).toEqual([
      ['auth.authenticate', 'DENIED', null],
    ]);
  });

  it('answers RATE_LIMITED (429, Retry-After) past the limit of an address, and records one event and a summary, not one per attempt', async () => {
    const { entries, record } = recorder();
    const yoga = yogaWith(record, 5);
    const codes: string[] = [];
    for (let i = 0; i < 30; i += 1) {
      const response = await yoga.fetch('http://yoga/graphql', post({ query: '{ whoami }' }));
      const body = await response.json();
      codes.push(`${response.status} ${body.errors[0].extensions.code}`);
      if (i === 29) expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(codes.slice(0, 5)).toEqual(Array(5).fill('401 UNAUTHENTICATED'));
    expect(codes.slice(5)).toEqual(Array(25).fill('429 RATE_LIMITED'));
    const other = await yoga.fetch(
      'http://yoga/graphql',
      post({ query: '{ whoami }' }, { 'x-test-client': '192.0.2.2' }),
    );
    expect(other.status).toBe(401);
    expect(entries).toHaveLength(2); // the first failure of each address
    await yoga.closeThrottle();
    const summary = entries.find((entry) => entry.action === 'auth.failed');
    expect(summary?.target).toMatchObject({
      kind: 'client',
      address: '192.0.2.1',
      count: 30,
      rateLimited: 25,
    });
    expect(entries).toHaveLength(3); // 192.0.2.2 failed once: its first event says it all
  });

  it('cuts a huge operation name to AUDIT_TEXT_MAX characters in the audit target', async () => {
    const { entries, record } = recorder();
    const name = `Op${'x'.repeat(500_000)}`;
    await yogaWith(record).fetch(
      'http://yoga/graphql',
      post({ query: `query ${name} { whoami }`, operationName: name }),
    );
    const operation = entries[0].target.operation as string;
    expect(operation.length).toBeLessThanOrEqual(AUDIT_TEXT_MAX);
    expect(name.startsWith(operation.slice(0, -1))).toBe(true);
  });
});
