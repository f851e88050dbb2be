import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useArgumentLimits } from './use-argument-limits.js';

const calls: string[] = [];
const schema = createSchema({
  typeDefs: `
    input Filter { tags: [String!] }
    type Item { name: String, children(first: Int): [Item!]! }
    type Query { items(first: Int, names: [String!], filter: Filter): [Item!]! }`,
  resolvers: {
    Query: {
      items: (_root: unknown, args: { first?: number }) => {
        calls.push('items');
        return Array.from({ length: Math.min(args.first ?? 1, 3) }, (_, i) => ({
          name: `i${i}`,
          children: [],
        }));
      },
    },
  },
});

async function send(query: string, variables?: Record<string, unknown>) {
  calls.length = 0;
  const response = await createYoga({ schema, plugins: [useArgumentLimits()], logging: false }).fetch(
    'http://yoga/graphql',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    },
  );
  return (await response.json()) as { data?: unknown; errors?: Array<{ extensions: Record<string, any> }> };
}

const many = (n: number) => Array.from({ length: n }, (_, i) => `n${i}`);

describe('useArgumentLimits', () => {
  it('refuses a list variable of 1,001 items, at the top or inside an input object, before any resolver', async () => {
    for (const [query, variables, path] of [
      ['query($n: [String!]) { items(names: $n) { name } }', { n: many(1001) }, 'names'],
      ['query($f: Filter) { items(filter: $f) { name } }', { f: { tags: many(1001) } }, 'filter.tags'],
    ] as const) {
      const result = await send(query, variables);
      expect(result.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        issues: [{ path, message: 'at most 1000 items; got 1001' }],
      });
      expect(calls).toEqual([]);
    }
    expect(
      (await send('query($n: [String!]) { items(names: $n) { name } }', { n: many(1000) })).errors,
    ).toBeUndefined();
    expect(calls).toEqual(['items']);
  });

  it('refuses a page size over 1,000 given as a variable, and weighs it in the cost like a literal', async () => {
    const page = 'query($n: Int) { items(first: $n) { name } }';
    const refused = await send(page, { n: 100_000 });
    expect(refused.errors?.[0].extensions.issues).toEqual([
      { path: 'first', message: 'must be at most 1000' },
    ]);
    expect(calls).toEqual([]);
    // Pages of 1,000 in pages of 1,000: far over the cost limit, as a literal and as a variable.
    const nested = 'query($n: Int) { items(first: $n) { children(first: $n) { name } } }';
    const costly = await send(nested, { n: 1000 });
    expect(costly.errors?.[0].extensions.issues?.[0].message).toMatch(/Query Cost limit of 50000 exceeded/);
    expect(calls).toEqual([]);
    expect((await send(nested, { n: 10 })).errors).toBeUndefined();
    expect((await send(page, { n: 1000 })).errors).toBeUndefined();
  });

  it('one yoga, one cached document: checked on every request with its own variables', async () => {
    const yoga = createYoga({ schema, plugins: [useArgumentLimits()], logging: false });
    const post = async (query: string, variables: Record<string, unknown>) => {
      const response = await yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as { errors?: Array<{ extensions: Record<string, any> }> };
    };
    const names = 'query($n: [String!]) { items(names: $n) { name } }';
    expect((await post(names, { n: many(3) })).errors).toBeUndefined();
    expect((await post(names, { n: many(1001) })).errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const page = 'query($n: Int) { items(first: $n) { name } }';
    expect((await post(page, { n: 3 })).errors).toBeUndefined();
    expect((await post(page, { n: 1001 })).errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    // No page size and no list argument: nothing to look at, answered.
    expect((await post('{ items { name } }', {})).errors).toBeUndefined();
  });
});
