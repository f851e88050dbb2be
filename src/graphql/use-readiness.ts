import { useReadinessCheck } from 'graphql-yoga';

/**
 * `GET <endpoint>`: 200 `{"status":"ready"}` when `ready()` resolves true, else 503
 * `{"status":"unavailable"}` (also when it throws: the reason is not shown to the caller).
 */
export function useReadiness(endpoint: string, ready: () => Promise<boolean>) {
  return useReadinessCheck({
    endpoint,
    check: async ({ fetchAPI }) => {
      const ok = await ready().catch(() => false);
      return fetchAPI.Response.json({ status: ok ? 'ready' : 'unavailable' }, { status: ok ? 200 : 503 });
    },
  });
}
