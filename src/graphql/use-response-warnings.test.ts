import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import type { GraphQLContext } from './context.js';
import { addResponseWarnings, useResponseWarnings } from './use-response-warnings.js';

const schema = createSchema<Record<string, unknown> & GraphQLContext>({
  typeDefs: 'type Query { hello: String } type Mutation { warn(times: Int!): Boolean }',
  resolvers: {
    Mutation: {
      warn: (_root: unknown, args: { times: number }, ctx: GraphQLContext) => {
        addResponseWarnings(
          ctx,
          Array.from({ length: args.times }, (_, i) => `warning ${i}`),
        );
        return true;
      },
    },
  },
});
const yoga = createYoga<Record<string, unknown>, GraphQLContext>({
  schema,
  plugins: [useResponseWarnings()],
});

async function post(query: string) {
  const response = await yoga.fetch('http://gateway/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return response.json();
}

describe('useResponseWarnings', () => {
  it("puts every resolver's warnings of the operation in extensions.warnings", async () => {
    expect(await post('mutation { a: warn(times: 1) b: warn(times: 2) }')).toEqual({
      data: { a: true, b: true },
      extensions: { warnings: ['warning 0', 'warning 0', 'warning 1'] },
    });
  });

  it('adds no extensions when there is none, and keeps operations apart', async () => {
    expect(await post('mutation { warn(times: 0) }')).toEqual({ data: { warn: true } });
    expect(await post('{ hello }')).toEqual({ data: { hello: null } });
  });
});
