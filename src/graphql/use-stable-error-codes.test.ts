import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useStableErrorCodes } from './use-stable-error-codes.js';

const yoga = createYoga({
  schema: createSchema({
    typeDefs: 'type Query { hello: String, double(n: Int): Int }',
    resolvers: { Query: { hello: () => 'world', double: (_root: unknown, { n }: { n: number }) => n * 2 } },
  }),
  logging: false,
  plugins: [useStableErrorCodes()],
});

/** POSTs a query; `accept` asks for the GraphQL-over-HTTP response type, whose errors carry their status. */
const send = (query: string) =>
  yoga.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query }),
  });

/** A 400 with errors only, each BAD_USER_INPUT; returns their messages. */
async function badUserInput(response: Response): Promise<string[]> {
  expect(response.status).toBe(400);
  const body = await response.json();
  expect(body.data).toBeUndefined();
  for (const error of body.errors) expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT' });
  return body.errors.map((error: { message: string }) => error.message);
}

describe('useStableErrorCodes', () => {
  it('gives a syntax error BAD_USER_INPUT (not GRAPHQL_PARSE_FAILED) with its location', async () => {
    const response = await send('{ hello');
    const body = await response.clone().json();
    expect(body.errors[0].locations).toEqual([{ line: 1, column: 8 }]);
    expect(await badUserInput(response)).toEqual(['Syntax Error: Expected Name, found <EOF>.']);
  });

  it('gives validation errors BAD_USER_INPUT (not GRAPHQL_VALIDATION_FAILED)', async () => {
    expect(await badUserInput(await send('{ nope hello { x } }'))).toEqual([
      'Cannot query field "nope" on type "Query".',
      'Field "hello" must not have a selection since type "String" has no subfields.',
    ]);
  });

  it('never quotes the input value graphql-js puts in a validation message', async () => {
    const response = await send('{ double(n: "sgw_secret_value") }');
    expect(await response.clone().text()).not.toContain('sgw_secret_value');
    expect(await badUserInput(response)).toEqual(['Int cannot represent non-integer value.']);
  });

  it('answers a document nested past what the parser can recurse with BAD_USER_INPUT, not a 500', async () => {
    const response = await send(`{ double(n: ${'['.repeat(20_000)}) }`);
    expect(await badUserInput(response)).toEqual(['Syntax Error: the document is nested too deeply.']);
  });

  it("gives yoga's bare 415 for an unsupported content type the API's error shape", async () => {
    const response = await yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"query":"{ hello }"}',
    });
    expect(response.status).toBe(415);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual({
      errors: [
        {
          message: 'Unsupported Content-Type: send application/json (or a GET query string)',
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ],
    });
  });

  it('leaves a valid operation alone', async () => {
    const response = await send('{ hello double(n: 21) }');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { hello: 'world', double: 42 } });
  });
});
