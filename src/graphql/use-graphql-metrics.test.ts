import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { BadUserInputError, NotFoundError } from '../errors.js';
import { createGatewayMetrics } from '../metrics/gateway-metrics.js';
import { maskError } from './errors.js';
import { useGraphQLMetrics } from './use-graphql-metrics.js';

const schema = createSchema({
  typeDefs: /* GraphQL */ `
    type Query { hello: String, missing: String, broken: String, slow: String }
    type Subscription { ticks: Int }
  `,
  resolvers: {
    Query: {
      hello: () => 'world',
      missing: () => Promise.reject(new NotFoundError('No such secret')),
      broken: () => Promise.reject(new Error('internal detail')),
      slow: () => new Promise((resolve) => setTimeout(() => resolve('late'), 50)),
    },
    Subscription: {
      ticks: {
        async *subscribe() {
          yield { ticks: 1 };
          throw new BadUserInputError('stream refused');
        },
      },
    },
  },
});

/** A yoga recording into real gateway metrics; `failContext` makes its context factory throw. */
function setup(failContext = false) {
  const metrics = createGatewayMetrics({
    auditBacklog: async () => ({ headId: 0, pending: 0, unpublished: 0 }),
  });
  const yoga = createYoga({
    schema,
    maskedErrors: { maskError },
    logging: false,
    context: () => {
      if (failContext) throw new NotFoundError('no context');
      return {};
    },
    plugins: [useGraphQLMetrics(metrics)],
  });
  const send = async (query: string, accept = 'application/json') => {
    const response = await yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept },
      body: JSON.stringify({ query }),
    });
    return response.text();
  };
  /** The scraped lines of the GraphQL metrics, without their help and type lines. */
  const scraped = async () =>
    (await metrics.scrape())
      .split('\n')
      .filter((line) => /^sgw_graphql_(errors_total|request_duration_seconds_(count|sum))/.test(line));
  return { send, scraped };
}

describe('useGraphQLMetrics', () => {
  it('times each operation by type and sorted root fields, never by its name', async () => {
    const { send, scraped } = setup();
    await send('query Secret1 { hello }');
    await send('query Secret2 { hello }');
    await send('{ slow ...F } fragment F on Query { hello ... on Query { missing } }');
    const lines = await scraped();
    expect(lines).toContain(
      'sgw_graphql_request_duration_seconds_count{operation_type="query",root_fields="hello"} 2',
    );
    expect(lines).toContain(
      'sgw_graphql_request_duration_seconds_count{operation_type="query",root_fields="hello,missing,slow"} 1',
    );
    const slowSum = lines.find((line) =>
      line.startsWith(
        'sgw_graphql_request_duration_seconds_sum{operation_type="query",root_fields="hello,missing,slow"}',
      ),
    );
    expect(Number(slowSum?.split(' ')[1])).toBeGreaterThanOrEqual(0.04);
    expect(lines.join('\n')).not.toContain('Secret1');
  });

  it('counts each error of a response by its stable code', async () => {
    const { send, scraped } = setup();
    await send('{ missing broken hello }');
    await send('{ hello ');
    await send('{ nope also }');
    expect(await scraped()).toEqual(
      expect.arrayContaining([
        'sgw_graphql_errors_total{code="NOT_FOUND"} 1',
        'sgw_graphql_errors_total{code="INTERNAL_SERVER_ERROR"} 1',
        'sgw_graphql_errors_total{code="BAD_USER_INPUT"} 3',
      ]),
    );
  });

  it('counts a context that fails to build', async () => {
    const { send, scraped } = setup(true);
    expect(await send('{ hello }')).toContain('NOT_FOUND');
    expect(await scraped()).toContain('sgw_graphql_errors_total{code="NOT_FOUND"} 1');
  });

  it('times a subscription and counts the errors its stream yields', async () => {
    const { send, scraped } = setup();
    const stream = await send('subscription { ticks }', 'text/event-stream');
    expect(stream).toContain('stream refused');
    const lines = await scraped();
    expect(lines).toContain(
      'sgw_graphql_request_duration_seconds_count{operation_type="subscription",root_fields="ticks"} 1',
    );
    expect(lines).toContain('sgw_graphql_errors_total{code="BAD_USER_INPUT"} 1');
  });
});
