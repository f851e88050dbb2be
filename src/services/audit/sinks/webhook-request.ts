import http from 'node:http';
import https from 'node:https';
import { EndpointRefusedError, type GuardedAgents } from '../../../security/guarded-connections.js';
import { SinkFailure } from './audit-sink.js';

/** Where and how a webhook batch is sent. */
export interface WebhookTarget {
  url: URL;
  /** Agents that connect only where SGW_ALLOWED_ENDPOINTS allows (checked per connection). */
  agents: GuardedAgents;
  /** Longest wait for the receiver's answer (status line), from the start of the request. */
  timeoutMs: number;
}

/** Why a request failed, in the sink's own words: nothing the receiver or the URL says. */
function failureOf(error: unknown, timeoutMs: number, signal: AbortSignal): SinkFailure {
  if (signal.aborted) return new SinkFailure('delivery abandoned');
  if (error instanceof SinkFailure) return error;
  if (error instanceof EndpointRefusedError) return new SinkFailure(error.message);
  if ((error as Error).name === 'TimeoutError')
    return new SinkFailure(`the webhook did not answer within ${timeoutMs} ms`);
  const code = (error as NodeJS.ErrnoException).code;
  return new SinkFailure(`could not reach the webhook (${code ?? 'connection failed'})`);
}

/**
 * POSTs `body` with `headers` and resolves on a 2xx answer; rejects with a SinkFailure otherwise
 * (another status, no connection, a refused address, no answer in time, or `signal` aborted).
 * Redirects are not followed. The answer's body is drained and ignored.
 */
export function postWebhook(
  target: WebhookTarget,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<void> {
  const secure = target.url.protocol === 'https:';
  const deadline = AbortSignal.timeout(target.timeoutMs);
  const either = AbortSignal.any([signal, deadline]);
  return new Promise<void>((resolve, reject) => {
    const request = (secure ? https : http).request(
      target.url,
      {
        method: 'POST',
        agent: secure ? target.agents.https : target.agents.http,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        signal: either,
      },
      (response) => {
        response.resume();
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else reject(new SinkFailure(`the webhook answered HTTP ${status}`));
      },
    );
    request.on('error', (error) =>
      reject(failureOf(deadline.aborted ? deadline.reason : error, target.timeoutMs, signal)),
    );
    request.end(body);
  });
}
