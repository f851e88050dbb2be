import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken, hashApiToken, tokenHashesEqual } from '../auth/api-token.js';
import type { GatewayMetrics } from './gateway-metrics.js';

/** Whether an Authorization header carries `Bearer <token>` (compared in constant time). */
export function carriesBearer(header: string | undefined, token: string): boolean {
  const given = bearerToken(header);
  return given !== undefined && tokenHashesEqual(hashApiToken(given), hashApiToken(token));
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(text);
}

/**
 * `GET /metrics`: every metric in Prometheus text format. With a token (SGW_METRICS_TOKEN) the
 * request needs `Authorization: Bearer <token>`, else 401; other methods than GET/HEAD are 405.
 */
export function serveMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  metrics: Pick<GatewayMetrics, 'scrape' | 'contentType'>,
  token: string | undefined,
): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(res, 405, 'Method Not Allowed\n', { allow: 'GET, HEAD' });
    return;
  }
  if (token !== undefined && !carriesBearer(req.headers.authorization, token)) {
    sendText(res, 401, 'Unauthorized: Authorization: Bearer <SGW_METRICS_TOKEN> is required\n', {
      'www-authenticate': 'Bearer realm="metrics"',
    });
    return;
  }
  metrics.scrape().then(
    (text) => {
      res.writeHead(200, { 'content-type': metrics.contentType });
      res.end(req.method === 'HEAD' ? undefined : text);
    },
    () => sendText(res, 500, 'Metrics could not be collected\n'),
  );
}
