import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../auth/principal.js';
import type { AuditEntry } from '../services/audit/audit-event.js';
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

/** A yoga whose caller is alice when the request has an Authorization header, else nobody. */
function yogaWith(record: (entry: AuditEntry) => Promise<void>) {
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    logging: false,
    context: ({ request }) =>
      ({ principal: request.headers.has('authorization') ? alice : null }) as GraphQLContext,
    plugins: [useAuthentication({ record })],
  });
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
        target: { kind: 'request', operation: 'Who' },
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
});
