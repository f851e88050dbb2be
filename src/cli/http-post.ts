import type { IncomingMessage } from 'node:http';

/** A response of {@link httpPost}: its status, content type and body (read once). */
export interface HttpResponse {
  status: number;
  contentType: string;
  /** The body as it arrives (an event stream). */
  body: AsyncIterable<Buffer>;
  /** The whole body as text. */
  text(): Promise<string>;
}

/** The gateway sent nothing for `ms` milliseconds. */
export class HttpTimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms / 1000} s`);
  }
}

/**
 * POSTs one body with node:http(s). The CLI uses this rather than the global `fetch`: loading
 * undici costs about a fifth of a short command's run time (`sgw secret get` is one request).
 */
export async function httpPost(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { signal?: AbortSignal; idleTimeoutMs?: number } = {},
): Promise<HttpResponse> {
  const { request } = url.startsWith('https:') ? await import('node:https') : await import('node:http');
  const message = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, signal: options.signal }, resolve);
    req.once('error', reject);
    // No byte for that long (connecting, waiting for the answer, reading it): give up.
    if (options.idleTimeoutMs)
      req.setTimeout(options.idleTimeoutMs, () => req.destroy(new HttpTimeoutError(options.idleTimeoutMs!)));
    req.end(body);
  });
  return {
    status: message.statusCode ?? 0,
    contentType: String(message.headers['content-type'] ?? ''),
    body: message,
    async text() {
      const chunks: Buffer[] = [];
      for await (const chunk of message) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
