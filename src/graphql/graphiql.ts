import type { GraphiQLOptions, Plugin } from 'graphql-yoga';

/** The first query shown, with where the token goes. */
const DEFAULT_QUERY = `# 1. Put your token in Headers below.
# 2. Run this query: Ctrl-Enter.
# 3. Load the schema docs: Shift-Ctrl-R.
{
  viewer {
    name
    role
  }
}
`;

/** GraphiQL as the gateway serves it on `GET /graphql` to browsers. */
export const GRAPHIQL_OPTIONS: GraphiQLOptions = {
  title: 'Secrets Gateway',
  endpoint: '/graphql',
  defaultQuery: DEFAULT_QUERY,
  // What the header editor shows at first (and in a new tab): where the user pastes a token.
  headers: JSON.stringify({ authorization: 'Bearer sgw_<your token>' }, null, 2),
  isHeadersEditorEnabled: true,
  defaultEditorToolsVisibility: 'headers',
  // A bearer token is a credential: keep it out of the browser's localStorage.
  shouldPersistHeaders: false,
  // Yoga's own SSE (`Accept: text/event-stream`), with the header editor's headers.
  subscriptionsProtocol: 'SSE',
};

/**
 * Renders GraphiQL from `@graphql-yoga/render-graphiql`: its JavaScript, CSS, fonts, Monaco
 * workers and favicon are inline (data: and blob: URLs), so the page fetches nothing but
 * `/graphql` itself. The 9 MB bundle is loaded on the first browser visit, not at start, and
 * the page is rendered once per gateway (the options never change).
 */
export function createGraphiQLRenderer(): (options: GraphiQLOptions) => Promise<Uint8Array<ArrayBuffer>> {
  let page: Promise<Uint8Array<ArrayBuffer>> | undefined;
  return (options) => {
    page ??= import('@graphql-yoga/render-graphiql').then(({ renderGraphiQL }) =>
      new TextEncoder().encode(renderGraphiQL(options)),
    );
    return page;
  };
}

const GRAPHIQL_OFF_PAGE = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>Secrets Gateway</title></head>
  <body>
    <h1>Secrets Gateway</h1>
    <p>GraphiQL is turned off on this gateway. To turn it on, start the gateway with
      <code>SGW_GRAPHIQL=true</code> (it is on by default without <code>DATABASE_URL</code>).</p>
    <p>The GraphQL API answers <code>POST /graphql</code> with
      <code>Authorization: Bearer sgw_…</code>.</p>
  </body>
</html>
`;

/**
 * With GraphiQL off, answers a browser's `GET /graphql` (`Accept: text/html`, the request
 * GraphiQL would have answered) with 404 and a page saying how to turn it on, instead of
 * yoga's bare 406. Other GETs (SSE subscriptions, `?query=` with JSON) are untouched.
 */
export function useGraphiQLOff(graphqlEndpoint: string): Plugin {
  return {
    onRequest({ request, url, fetchAPI, endResponse }) {
      if (request.method !== 'GET' || url.pathname.replace(/\/$/, '') !== graphqlEndpoint) return;
      if (!request.headers.get('accept')?.includes('text/html')) return;
      endResponse(
        new fetchAPI.Response(GRAPHIQL_OFF_PAGE, {
          status: 404,
          headers: { 'content-type': 'text/html; charset=utf-8' },
        }),
      );
    },
  };
}
