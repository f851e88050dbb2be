import type { EndpointPolicy } from '../../../security/endpoint-policy.js';
import { guardedAgents } from '../../../security/guarded-connections.js';
import { toAuditMessage } from '../audit-event.js';
import { type AuditSink, SinkFailure } from './audit-sink.js';
import { retryDelay } from './retry-backoff.js';
import { sleep } from './sink-wait.js';
import { postWebhook } from './webhook-request.js';
import { SIGNATURE_HEADER, webhookSignature } from './webhook-signature.js';

/** Events per POST. */
const WEBHOOK_BATCH = 100;

export interface WebhookSinkOptions {
  url: string;
  secret: string;
  /** SGW_ALLOWED_ENDPOINTS: checked here on the URL's host, and on every connection's address. */
  policy: EndpointPolicy;
  /** Longest wait for one answer. */
  timeoutMs: number;
  /** Longest wait between two attempts (the backoff's cap). */
  retryMaxMs: number;
}

/** Thrown at start-up when SGW_AUDIT_WEBHOOK_URL points where the endpoint policy refuses. */
export class WebhookUrlRefused extends Error {}

/** The URL, once its host passes the endpoint policy (else WebhookUrlRefused naming the host only). */
function checkedUrl(options: WebhookSinkOptions): URL {
  const url = new URL(options.url);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  const problem = options.policy.hostProblem(host, port);
  if (problem) throw new WebhookUrlRefused(`SGW_AUDIT_WEBHOOK_URL ${problem}`);
  return url;
}

/**
 * The webhook sink (`SGW_AUDIT_WEBHOOK_URL`): each batch is one POST of
 * `{"events":[AuditEvent…]}` (id order) signed with `X-SGW-Signature: sha256=<hex HMAC>` over
 * the raw body, retried with capped, jittered exponential backoff until the receiver answers
 * 2xx; the next batch goes only after that (in order, at least once: receivers dedupe by id).
 * Connections go only where SGW_ALLOWED_ENDPOINTS allows, checked on the resolved address.
 */
export function createWebhookSink(options: WebhookSinkOptions): AuditSink {
  const url = checkedUrl(options);
  const agents = guardedAgents(options.policy);
  const target = { url, agents, timeoutMs: options.timeoutMs };

  return {
    name: 'webhook',
    batchSize: WEBHOOK_BATCH,
    async deliver(events, control) {
      const body = JSON.stringify({ events: events.map(toAuditMessage) });
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'secrets-gateway-audit-sink',
        [SIGNATURE_HEADER]: webhookSignature(options.secret, body),
      };
      for (let attempt = 1; ; attempt += 1) {
        if (control.signal.aborted) throw new SinkFailure('delivery abandoned');
        try {
          await postWebhook(target, body, headers, control.signal);
          return;
        } catch (error) {
          if (control.signal.aborted) throw new SinkFailure('delivery abandoned');
          control.failed((error as SinkFailure).message);
          await sleep(retryDelay(attempt, options.retryMaxMs), control.signal);
        }
      }
    },
    async close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
