import type { Plugin } from 'graphql-yoga';

/**
 * `GET /healthz`: 200 `{"status":"ok"}` while the process is up. `GET /readyz`: 200
 * `{"status":"ready"}` when `ready()` resolves true, else 503 `{"status":"unavailable"}` (also
 * when it throws: the reason is not shown to the caller). Matched on the exact path, so
 * `/graphql/healthz` is not a health check.
 */
export function useStatusEndpoints(ready: () => Promise<boolean>): Plugin {
  return {
    onRequest({ url, fetchAPI, endResponse }) {
      if (url.pathname === '/healthz') return endResponse(fetchAPI.Response.json({ status: 'ok' }));
      if (url.pathname !== '/readyz') return;
      return ready()
        .catch(() => false)
        .then((ok) =>
          endResponse(
            fetchAPI.Response.json({ status: ok ? 'ready' : 'unavailable' }, { status: ok ? 200 : 503 }),
          ),
        );
    },
  };
}
