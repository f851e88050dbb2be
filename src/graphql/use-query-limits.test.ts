import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { QUERY_LIMITS, useQueryLimits } from './use-query-limits.js';
import { useStableErrorCodes } from './use-stable-error-codes.js';

const schema = createSchema({
  typeDefs: 'type Query { hello: String, node: Node } type Node { name: String, child: Node }',
  resolvers: {
    Query: { hello: () => 'world', node: () => ({}) },
    Node: { name: () => 'n', child: () => ({}) },
  },
});

function send(query: string, plugins: Plugin[] = [useQueryLimits()]) {
  return createYoga({ schema, plugins, logging: false }).fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query }),
  });
}

/** Refused before execution, with one validation error whose message matches. */
async function expectRefused(response: Response, message: RegExp) {
  expect(response.status).toBe(400);
  const body = await response.json();
  expect(body.data).toBeUndefined();
  expect(body.errors.map((error: { message: string }) => error.message)).toEqual([
    expect.stringMatching(message),
  ]);
}

/** `{ node { child { … name } } }`, `levels` selection sets deep. */
const nested = (levels: number) =>
  `{ node { ${'child { '.repeat(levels - 2)}name${' }'.repeat(levels - 1)} }`;
const aliases = (count: number) => `{ ${Array.from({ length: count }, (_, i) => `a${i}: hello`).join(' ')} }`;
/** `count` spreads of a fragment 7 levels deep: a cheap document whose cost grows fast. */
const costly = (count: number) =>
  `{ node { ${'...F '.repeat(count)}} } fragment F on Node { child { child { child { child { child { child { name } } } } } } }`;

describe('useQueryLimits', () => {
  it(`runs a query ${QUERY_LIMITS.maxDepth} levels deep and refuses one level more`, async () => {
    expect((await send(nested(QUERY_LIMITS.maxDepth))).status).toBe(200);
    await expectRefused(
      await send(nested(QUERY_LIMITS.maxDepth + 1)),
      /Query depth limit of 10 exceeded, found 11/,
    );
  });

  it(`runs ${QUERY_LIMITS.maxAliases} aliases and refuses one more`, async () => {
    const response = await send(aliases(QUERY_LIMITS.maxAliases));
    expect(response.status).toBe(200);
    expect(Object.keys((await response.json()).data)).toHaveLength(QUERY_LIMITS.maxAliases);
    await expectRefused(await send(aliases(QUERY_LIMITS.maxAliases + 1)), /Aliases limit of 100 exceeded/);
  });

  it(`refuses a document whose cost passes ${QUERY_LIMITS.maxCost}`, async () => {
    expect((await send(costly(200))).status).toBe(200);
    await expectRefused(await send(costly(300)), /Query Cost limit of 50000 exceeded/);
  });

  it(`refuses more than ${QUERY_LIMITS.maxDirectives} directives`, async () => {
    const query = `{ ${Array.from({ length: 51 }, (_, i) => `a${i}: hello @skip(if: false)`).join(' ')} }`;
    await expectRefused(await send(query), /Directives limit of 50 exceeded, found 51/);
  });

  it(`refuses a document of more than ${QUERY_LIMITS.maxTokens} tokens while parsing`, async () => {
    // armor's parser throws graphql 16's GraphQLError: useStableErrorCodes, next to it in the
    // gateway, is what answers it as a 400 (alone, yoga masks it as a 500).
    const query = `{ ${'hello '.repeat(QUERY_LIMITS.maxTokens)}}`;
    const response = await send(query, [useQueryLimits(), useStableErrorCodes()]);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      errors: [
        { message: 'Syntax Error: Token limit of 2000 exceeded.', extensions: { code: 'BAD_USER_INPUT' } },
      ],
    });
  });

  it('hides the "Did you mean" hints of unknown fields, keeping the error and its location', async () => {
    const body = await (await send('{ helo node { nam } }')).json();
    expect(body.data).toBeUndefined();
    expect(body.errors).toMatchObject([
      { message: 'Cannot query field "helo" on type "Query".', locations: [{ line: 1, column: 3 }] },
      { message: 'Cannot query field "nam" on type "Node".', locations: [{ line: 1, column: 15 }] },
    ]);
    expect(JSON.stringify(body)).not.toMatch(/Did you mean|"hello"|"name"/);
  });
});
