import { request } from 'node:http';
import { createClient } from 'graphql-ws';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { generateApiToken } from '../../src/auth/api-token.js';
import { AUDIT_TEXT_MAX } from '../../src/services/audit/audit-target-bounds.js';
import type { TestDatabase } from '../helpers/test-database.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/**
 * Issue #15, point 6: anonymous audit flooding. Every bad token wrote one chained audit row,
 * with no throttling; a 500 KB operation name was stored; CORS reflected any origin with
 * credentials. Attacks from the outside, through a real HTTP listener (the client address is the
 * socket's; loopback 127.0.0.x addresses stand for different clients).
 */

interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** One HTTP request to the gateway from the local address `from`. */
function httpFrom(
  url: string,
  from: string,
  init: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/graphql`,
      { method: init.method ?? 'POST', localAddress: from, headers: init.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text ? JSON.parse(text) : null,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/** A GraphQL POST from `from` with a bearer token. */
function graphqlFrom(url: string, from: string, token: string, body: Record<string, unknown>) {
  return httpFrom(url, from, {
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
}

const codeOf = (answer: HttpAnswer) => answer.body?.errors?.[0]?.extensions?.code ?? 'OK';

async function anonymousRows(t: TestGateway) {
  const result = await sql<{ id: string; action: string; target: Record<string, any> }>`
    select id, action, target from audit_events where actor = 'anonymous' order by id`.execute(
    t.gateway.database.db,
  );
  return result.rows;
}

async function until<T>(probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const embedded: TestDatabase = { url: undefined, drop: async () => {} };
const modes: Array<[string, { database?: TestDatabase; env?: Record<string, string> }]> = [
  ...(process.env.DATABASE_URL && process.env.REDIS_URL
    ? [['Postgres + Redis', {}] as [string, object]]
    : []),
  ['embedded', { database: embedded, env: { REDIS_URL: '' } }],
];

describe.each(modes)('anonymous callers on %s', (_mode, options) => {
  let t: TestGateway;
  let url: string;
  const LIMIT = 10;
  const WINDOW_SECONDS = 10;
  beforeAll(async () => {
    t = await startTestGateway({
      ...options,
      env: {
        ...options.env,
        SGW_AUTH_FAILURES_PER_WINDOW: String(LIMIT),
        SGW_AUTH_FAILURE_WINDOW_SECONDS: String(WINDOW_SECONDS),
        SGW_CORS_ORIGINS: 'https://app.example',
      },
    });
    url = (await t.listen()).url;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('200 bad tokens: RATE_LIMITED past the limit, two audit rows (first failure + auth.failed count), others unaffected', async () => {
    const before = (await anonymousRows(t)).length;
    const codes: string[] = [];
    for (let i = 0; i < 200; i += 1) {
      const answer = await graphqlFrom(url, '127.0.0.1', generateApiToken(), { query: '{ viewer { id } }' });
      codes.push(`${answer.status} ${codeOf(answer)}`);
      if (i === 199) expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(codes.slice(0, LIMIT)).toEqual(Array(LIMIT).fill('401 UNAUTHENTICATED'));
    expect(codes.slice(LIMIT)).toEqual(Array(200 - LIMIT).fill('429 RATE_LIMITED'));

    // Another client is not held up, nor a good token from the throttled address (a hostile page
    // cannot lock a developer's CLI out); bad tokens from it stay refused.
    const other = await graphqlFrom(url, '127.0.0.2', t.adminToken, { query: '{ viewer { name } }' });
    expect(other.body).toEqual({ data: { viewer: { name: 'admin' } } });
    const good = await graphqlFrom(url, '127.0.0.1', t.adminToken, { query: '{ viewer { name } }' });
    expect(good.body).toEqual({ data: { viewer: { name: 'admin' } } });
    const bad = await graphqlFrom(url, '127.0.0.1', generateApiToken(), { query: '{ viewer { name } }' });
    expect(codeOf(bad)).toBe('RATE_LIMITED');

    const rows = (await anonymousRows(t)).slice(before);
    expect(rows.map((row) => [row.action, row.target.address])).toEqual([['auth.authenticate', '127.0.0.1']]);

    // The window closes: one summary with the count, and the address may authenticate again.
    const summary = await until(
      async () => {
        const all = (await anonymousRows(t)).slice(before);
        return all.find((row) => row.action === 'auth.failed');
      },
      (WINDOW_SECONDS * 2 + 3) * 1000,
    );
    expect(summary.target).toMatchObject({
      kind: 'client',
      address: '127.0.0.1',
      count: 201,
      rateLimited: 191,
    });
    const again = await graphqlFrom(url, '127.0.0.1', t.adminToken, { query: '{ viewer { name } }' });
    expect(again.body).toEqual({ data: { viewer: { name: 'admin' } } });
    expect((await anonymousRows(t)).length - before).toBe(2);
  }, 60_000);

  it('over graphql-ws, bad tokens from one address are throttled the same way', async () => {
    const before = (await anonymousRows(t)).length;
    class WebSocketFrom extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { localAddress: '127.0.0.3' });
      }
    }
    const client = createClient({
      url: `${url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocketFrom,
      connectionParams: { authorization: `Bearer ${generateApiToken()}` },
      retryAttempts: 0,
    });
    try {
      const codes: string[] = [];
      for (let i = 0; i < 40; i += 1) {
        const result = await new Promise<any>((resolve, reject) => {
          client.subscribe(
            { query: 'subscription { auditEvents { id } }' },
            {
              next: resolve,
              error: reject,
              complete: () => resolve(undefined),
            },
          );
        });
        codes.push(result?.errors?.[0]?.extensions?.code);
      }
      expect(codes.slice(0, LIMIT)).toEqual(Array(LIMIT).fill('UNAUTHENTICATED'));
      expect(codes.slice(LIMIT)).toEqual(Array(40 - LIMIT).fill('RATE_LIMITED'));
    } finally {
      await client.dispose();
    }
    const rows = (await anonymousRows(t)).slice(before).filter((row) => row.target.address === '127.0.0.3');
    expect(rows.map((row) => row.action)).toEqual(['auth.authenticate']);
  }, 30_000);

  it('a forged X-Forwarded-For does not buy a fresh address (no proxy is trusted by default)', async () => {
    const codes: string[] = [];
    for (let i = 0; i < LIMIT + 5; i += 1) {
      const answer = await httpFrom(url, '127.0.0.6', {
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${generateApiToken()}`,
          'x-forwarded-for': `198.51.100.${i}`,
        },
        body: JSON.stringify({ query: '{ viewer { id } }' }),
      });
      codes.push(codeOf(answer));
    }
    expect(codes.slice(LIMIT)).toEqual(Array(5).fill('RATE_LIMITED'));
    const addresses = (await anonymousRows(t)).map((row) => row.target.address);
    expect(addresses).toContain('127.0.0.6');
    expect(addresses.filter((address) => String(address).startsWith('198.51.100.'))).toEqual([]);
  });

  it('a 500 KB operation name is cut to AUDIT_TEXT_MAX characters in the audit target', async () => {
    const before = (await anonymousRows(t)).length;
    const name = `Flood${'A'.repeat(500_000)}`;
    const answer = await graphqlFrom(url, '127.0.0.4', generateApiToken(), {
      query: `query ${name} { viewer { id } }`,
      operationName: name,
    });
    expect(codeOf(answer)).toBe('UNAUTHENTICATED');
    const [row] = (await anonymousRows(t)).slice(before);
    expect(row.target.address).toBe('127.0.0.4');
    expect(row.target.operation.length).toBeLessThanOrEqual(AUDIT_TEXT_MAX);
    expect(row.target.operation.startsWith('FloodAAAA')).toBe(true);
  });

  it('CORS: no Access-Control-Allow-Origin for other origins; the allowed origin and its preflight work', async () => {
    const evil = await httpFrom(url, '127.0.0.5', {
      headers: {
        'content-type': 'application/json',
        origin: 'https://evil.example',
        authorization: `Bearer ${t.adminToken}`,
      },
      body: JSON.stringify({ query: '{ viewer { name } }' }),
    });
    expect(evil.body).toEqual({ data: { viewer: { name: 'admin' } } });
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    expect(evil.headers['access-control-allow-credentials']).toBeUndefined();
    const evilPreflight = await httpFrom(url, '127.0.0.5', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(evilPreflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(evilPreflight.headers['access-control-allow-headers']).toBeUndefined();

    const preflight = await httpFrom(url, '127.0.0.5', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(String(preflight.headers['access-control-allow-headers'])).toContain('authorization');
    const allowed = await httpFrom(url, '127.0.0.5', {
      headers: {
        'content-type': 'application/json',
        origin: 'https://app.example',
        authorization: `Bearer ${t.adminToken}`,
      },
      body: JSON.stringify({ query: '{ viewer { name } }' }),
    });
    expect(allowed.body).toEqual({ data: { viewer: { name: 'admin' } } });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(String(allowed.headers.vary)).toContain('Origin');
  });
});

describe('CORS with SGW_CORS_ORIGINS unset (embedded default)', () => {
  it('sends no Access-Control-Allow-Origin to any origin', async () => {
    const t = await startTestGateway({ database: embedded, env: { REDIS_URL: '' } });
    try {
      const { url } = await t.listen();
      const answer = await httpFrom(url, '127.0.0.1', {
        headers: {
          'content-type': 'application/json',
          origin: 'https://evil.example',
          authorization: `Bearer ${t.adminToken}`,
        },
        body: JSON.stringify({ query: '{ viewer { name } }' }),
      });
      expect(answer.body).toEqual({ data: { viewer: { name: 'admin' } } });
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
      expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
    } finally {
      await t.close();
    }
  }, 60_000);
});
