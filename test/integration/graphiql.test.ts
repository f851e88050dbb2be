import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/** The Accept header a browser sends when it opens a page. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/** Hosts a page would fetch scripts, styles, fonts or icons from. */
const CDN_HOSTS = /unpkg\.com|jsdelivr|esm\.sh|cdnjs|googleapis|gstatic|skypack|jspm\.io|cdn\./i;

async function openInBrowser(harness: TestGateway, path = '/graphql'): Promise<Response> {
  return harness.gateway.yoga.fetch(`http://gateway.test${path}`, { headers: { accept: BROWSER_ACCEPT } });
}

/** The page without its inline scripts: the markup and the stylesheet. */
function markupAndStyles(html: string): string {
  return html.replace(/<script>[\s\S]*?<\/script>/g, '<script></script>');
}

/** An SSE subscription over GET still streams (GraphiQL does not take that request). */
async function expectSseOverGet(harness: TestGateway): Promise<void> {
  await harness.tokenFor(`sse-${Date.now()}`, 'READER'); // an audit event to replay
  const query = encodeURIComponent('subscription { auditEvents(after: "0") { action } }');
  const response = await harness.gateway.yoga.fetch(`http://gateway.test/graphql?query=${query}`, {
    headers: { accept: 'text/event-stream', authorization: `Bearer ${harness.adminToken}` },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let stream = '';
  while (!stream.includes('token.create')) {
    const { value, done } = await reader.read();
    if (done) break;
    stream += decoder.decode(value, { stream: true });
  }
  expect(stream).toMatch(/event: next\ndata: .*token\.create/);
  await reader.cancel();
}

describe('GraphiQL on (SGW_GRAPHIQL=true)', () => {
  let harness: TestGateway;
  beforeAll(async () => {
    harness = await startTestGateway({ env: { SGW_GRAPHIQL: 'true' } });
  });
  afterAll(async () => harness?.close());

  it('answers a browser on GET /graphql with the GraphiQL page', async () => {
    const response = await openInBrowser(harness);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('<title>Secrets Gateway</title>');
    expect(html).toContain('YogaGraphiQL.renderYogaGraphiQL');
    expect(html).toContain('Bearer sgw_<your token>');
    expect((await openInBrowser(harness, '/graphql/')).status).toBe(200);
  });

  it('loads nothing from another host: scripts, styles, fonts and icon are inline', async () => {
    const html = await (await openInBrowser(harness)).text();
    expect(html).not.toMatch(CDN_HOSTS);
    const page = markupAndStyles(html);
    expect(page).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(page).not.toMatch(/@import/i);
    // Every url(...) of the stylesheet (fonts, images) and the favicon are data: URLs.
    const urls = [...page.matchAll(/url\(\s*['"]?([^'")\s]+)/g)].map((m) => m[1]);
    expect(urls.length).toBeGreaterThan(0);
    expect(urls.filter((url) => !url.startsWith('data:'))).toEqual([]);
    expect(page).toMatch(/<link rel="icon" href="data:/);
    // No absolute URL at all outside the scripts, but XML namespaces (never fetched).
    const absolute = page.match(/https?:\/\/[^\s"'`)<>]+/g) ?? [];
    expect(absolute.filter((url) => !url.startsWith('http://www.w3.org/'))).toEqual([]);
  });

  it('still serves the API: POST, GET with JSON, and SSE subscriptions over GET', async () => {
    expect((await harness.ok('{ viewer { name } }')).viewer.name).toBe('admin');
    const get = await harness.gateway.yoga.fetch('http://gateway.test/graphql?query=%7Bviewer%7Bname%7D%7D', {
      headers: { accept: 'application/json', authorization: `Bearer ${harness.adminToken}` },
    });
    expect(await get.json()).toEqual({ data: { viewer: { name: 'admin' } } });
    await expectSseOverGet(harness);
  });
});

describe('GraphiQL off (SGW_GRAPHIQL=false)', () => {
  let harness: TestGateway;
  beforeAll(async () => {
    harness = await startTestGateway({ env: { SGW_GRAPHIQL: 'false' } });
  });
  afterAll(async () => harness?.close());

  it('answers a browser with 404 and a page saying how to turn GraphiQL on, not 406', async () => {
    const response = await openInBrowser(harness);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('GraphiQL is turned off');
    expect(html).toContain('SGW_GRAPHIQL=true');
    expect(html).not.toContain('YogaGraphiQL');
  });

  it('still serves the API: POST and SSE subscriptions over GET', async () => {
    expect((await harness.ok('{ viewer { name } }')).viewer.name).toBe('admin');
    await expectSseOverGet(harness);
  });
});

describe('SGW_GRAPHIQL default', () => {
  it('is on without DATABASE_URL and off with it; SGW_GRAPHIQL overrides both', () => {
    const postgres = 'postgres://sgw@db/sgw';
    expect(loadConfig({}).graphiql).toBe(true);
    expect(loadConfig({ DATABASE_URL: postgres }).graphiql).toBe(false);
    expect(loadConfig({ DATABASE_URL: postgres, SGW_GRAPHIQL: 'true' }).graphiql).toBe(true);
    expect(loadConfig({ SGW_GRAPHIQL: 'false' }).graphiql).toBe(false);
  });
});
