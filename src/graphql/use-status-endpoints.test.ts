import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useStatusEndpoints } from './use-status-endpoints.js';

const schema = createSchema({ typeDefs: 'type Query { hello: String }', resolvers: {} });

function yogaWith(ready: () => Promise<boolean>) {
  return createYoga({ schema, plugins: [useStatusEndpoints(ready)] });
}

describe('useStatusEndpoints', () => {
  it('answers /readyz 200 ready while the stores answer', async () => {
    const response = await yogaWith(async () => true).fetch('http://gateway/readyz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready' });
  });

  it('answers /readyz 503 when a store does not answer, and when the check throws (reason not shown)', async () => {
    const down = await yogaWith(async () => false).fetch('http://gateway/readyz');
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'unavailable' });
    const failing = await yogaWith(async () => {
      throw new Error('connect ECONNREFUSED 10.0.0.7:5432');
    }).fetch('http://gateway/readyz');
    expect(failing.status).toBe(503);
    expect(await failing.text()).not.toContain('10.0.0.7');
  });

  it('answers /healthz 200 ok without asking the stores, and leaves GraphQL untouched', async () => {
    let asked = 0;
    const yoga = yogaWith(async () => {
      asked += 1;
      return false;
    });
    const health = await yoga.fetch('http://gateway/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const graphql = await yoga.fetch('http://gateway/graphql?query={__typename}');
    expect(await graphql.json()).toEqual({ data: { __typename: 'Query' } });
    expect(asked).toBe(0);
  });

  it('matches the exact paths only', async () => {
    const yoga = yogaWith(async () => true);
    expect((await yoga.fetch('http://gateway/graphql/healthz')).status).toBe(404);
    expect((await yoga.fetch('http://gateway/x/readyz')).status).toBe(404);
  });
});
