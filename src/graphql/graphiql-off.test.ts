import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useGraphiQLOff } from './graphiql.js';

const yoga = createYoga({
  schema: createSchema({
    typeDefs: 'type Query { hello: String }',
    resolvers: { Query: { hello: () => 'world' } },
  }),
  graphiql: false,
  logging: false,
  plugins: [useGraphiQLOff('/graphql')],
});

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('useGraphiQLOff', () => {
  it("answers a browser's GET /graphql with 404 and a page saying how to turn GraphiQL on", async () => {
    for (const path of ['/graphql', '/graphql/']) {
      const response = await yoga.fetch(`http://yoga${path}`, { headers: { accept: BROWSER } });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const page = await response.text();
      expect(page).toContain('GraphiQL is turned off on this gateway');
      expect(page).toContain('SGW_GRAPHIQL=true');
    }
  });

  it('leaves a GET query asking for JSON alone', async () => {
    const response = await yoga.fetch('http://yoga/graphql?query={hello}', {
      headers: { accept: 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { hello: 'world' } });
  });

  it('leaves POST requests alone, whatever they accept', async () => {
    const response = await yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: `application/json, ${BROWSER}` },
      body: JSON.stringify({ query: '{ hello }' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { hello: 'world' } });
  });

  it('leaves other paths alone', async () => {
    const response = await yoga.fetch('http://yoga/graphql-other', { headers: { accept: BROWSER } });
    expect(await response.text()).not.toContain('GraphiQL is turned off');
  });
});
