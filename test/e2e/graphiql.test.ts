import { existsSync } from 'node:fs';
import { type Browser, chromium, type Locator, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/** Debian's Chromium (`apt-get install -y chromium`); CI installs it. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Replaces the text of a Monaco editor as a user would: select all, then type. Monaco closes
 * brackets and quotes as they are typed; what it added after the cursor is dropped.
 */
async function replaceEditorText(page: Page, editor: Locator, text: string): Promise<void> {
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(text);
  await page.keyboard.press('Shift+ControlOrMeta+End');
  await page.keyboard.press('Delete');
}

/** The text an editor shows (Monaco renders spaces as no-break spaces). */
async function shownText(editor: Locator): Promise<string> {
  return ((await editor.textContent()) ?? '').replace(/\s+/g, ' ');
}

/** Requests that went anywhere but the gateway (data: URLs never leave the page). */
function elsewhere(requests: Request[], origin: string): string[] {
  return requests
    .map((request) => request.url())
    .filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin);
}

describe.skipIf(!existsSync(CHROMIUM))(
  `GraphiQL in a browser (needs ${CHROMIUM}: apt-get install -y chromium)`,
  () => {
    let on: TestGateway;
    let off: TestGateway;
    let onServer: RunningServer;
    let offServer: RunningServer;
    let browser: Browser;
    beforeAll(async () => {
      [on, off] = await Promise.all([
        startTestGateway({ env: { SGW_GRAPHIQL: 'true' } }),
        startTestGateway({ env: { SGW_GRAPHIQL: 'false' } }),
      ]);
      [onServer, offServer] = await Promise.all([on.listen(), off.listen()]);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    });
    afterAll(async () => {
      await browser?.close();
      await Promise.all([on?.close(), off?.close()]);
    });

    it('serves GraphiQL from the gateway alone and runs a query with the token of the header editor', async () => {
      const token = await on.tokenFor('graphiql-admin', 'ADMIN');
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const requests: Request[] = [];
      const pageErrors: string[] = [];
      context.on('request', (request) => requests.push(request));
      const page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      try {
        const response = await page.goto(`${onServer.url}/graphql`);
        expect(response?.status()).toBe(200);
        expect(await page.title()).toBe('Secrets Gateway');

        const headers = page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .monaco-editor');
        // GraphiQL's 9 MB page takes a while to start on a loaded 2-core machine.
        await expect.poll(() => shownText(headers), { timeout: 30_000 }).toContain('Bearer sgw_<your token>');
        await replaceEditorText(page, headers, JSON.stringify({ authorization: `Bearer ${token}` }));
        const query = page.locator('.graphiql-query-editor .monaco-editor');
        await replaceEditorText(page, query, '{ viewer { name } }');
        await page.locator('.graphiql-execute-button').click();
        const result = page.locator('.graphiql-response');
        await expect.poll(() => shownText(result), { timeout: 15_000 }).toContain('"name": "graphiql-admin"');
        if (process.env.SGW_TEST_SCREENSHOT) await page.screenshot({ path: process.env.SGW_TEST_SCREENSHOT });

        const sent = requests.find((r) => r.method() === 'POST' && r.postData()?.includes('viewer'));
        expect(sent?.headers().authorization).toBe(`Bearer ${token}`);

        // With the token in place, the schema loads for the docs explorer.
        await page.getByRole('button', { name: /Re-fetch GraphQL schema/ }).click();
        await page.getByRole('button', { name: /Show Documentation Explorer/ }).click();
        await page
          .locator('.graphiql-doc-explorer')
          .getByText('subscription', { exact: true })
          .waitFor({ timeout: 30_000 });

        // A subscription streams over SSE (yoga's GET with Accept: text/event-stream).
        await replaceEditorText(page, query, 'subscription { auditEvents(after: "0") { action actor } }');
        await page.locator('.graphiql-execute-button').click();
        await expect.poll(() => shownText(result), { timeout: 15_000 }).toContain('"auditEvents": {');
        expect(requests.some((r) => r.method() === 'GET' && r.url().includes('subscription'))).toBe(true);

        expect(elsewhere(requests, onServer.url)).toEqual([]);
        expect(pageErrors).toEqual([]);
      } finally {
        await context.close();
      }
    }, 90_000);

    it('with GraphiQL off, the browser gets a page saying how to turn it on', async () => {
      const context = await browser.newContext();
      const requests: Request[] = [];
      context.on('request', (request) => requests.push(request));
      const page = await context.newPage();
      try {
        const response = await page.goto(`${offServer.url}/graphql`);
        expect(response?.status()).toBe(404);
        expect(await page.locator('body').textContent()).toContain('SGW_GRAPHIQL=true');
        expect(await page.locator('.graphiql-container').count()).toBe(0);
        expect(elsewhere(requests, offServer.url)).toEqual([]);
      } finally {
        await context.close();
      }
    });
  },
);
