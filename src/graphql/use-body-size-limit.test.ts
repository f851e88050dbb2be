import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useBodySizeLimit } from './use-body-size-limit.js';

const LIMIT = 100;

const yoga = createYoga({
  schema: createSchema({
    typeDefs: 'type Query { echo(text: String): String }',
    resolvers: { Query: { echo: (_root: unknown, { text }: { text: string }) => text } },
  }),
  logging: false,
  maxRequestBodySize: false, // only the plugin limits the body
  plugins: [useBodySizeLimit(LIMIT)],
});

const SHELL = JSON.stringify({ query: '{ echo(text: "") }' }).length;
const padding = (size: number) => 'x'.repeat(size - SHELL);

/** A JSON body of exactly `size` bytes asking `echo` to return its padding. */
function bodyOf(size: number): string {
  const body = JSON.stringify({ query: `{ echo(text: "${padding(size)}") }` });
  expect(body.length).toBe(size);
  return body;
}

/** The body as a stream of 10-byte chunks, with no Content-Length (a chunked upload). */
function streamed(body: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(body);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + 10));
      offset += 10;
    },
  });
}

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  yoga.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    duplex: 'half',
  } as RequestInit);

async function expectTooLarge(response: Response) {
  expect(response.status).toBe(413);
  expect(response.headers.get('connection')).toBe('close');
  expect(await response.json()).toEqual({
    errors: [
      { message: `The request body is larger than ${LIMIT} bytes`, extensions: { code: 'BAD_USER_INPUT' } },
    ],
  });
}

describe('useBodySizeLimit', () => {
  it('refuses a declared Content-Length over the limit with 413', async () => {
    const body = bodyOf(LIMIT + 1);
    await expectTooLarge(await post(body, { 'content-length': String(body.length) }));
  });

  it('passes a declared body of exactly the limit', async () => {
    const body = bodyOf(LIMIT);
    const response = await post(body, { 'content-length': String(body.length) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { echo: padding(LIMIT) } });
  });

  it('refuses a streamed body once it passes the limit', async () => {
    await expectTooLarge(await post(streamed(bodyOf(LIMIT + 1))));
  });

  it('stops reading an oversize stream at the limit instead of reading it whole', async () => {
    let pulled = 0;
    const huge = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= LIMIT * 100) return controller.close();
        pulled += 10;
        controller.enqueue(new Uint8Array(10).fill(32));
      },
    });
    await expectTooLarge(await post(huge));
    expect(pulled).toBeLessThan(LIMIT * 3);
  });

  it('passes a streamed body of exactly the limit, with its content intact', async () => {
    const body = bodyOf(LIMIT);
    const response = await post(streamed(body));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { echo: padding(LIMIT) } });
  });

  it('leaves GET requests alone', async () => {
    const response = await yoga.fetch(
      `http://yoga/graphql?query=${encodeURIComponent('{ echo(text: "hi") }')}`,
      {
        headers: { accept: 'application/json' },
      },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { echo: 'hi' } });
  });
});
