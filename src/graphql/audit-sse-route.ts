import type { IncomingMessage, ServerResponse } from 'node:http';
import { locatedError } from 'graphql';
import { bearerToken } from '../auth/api-token.js';
import { roleAllows } from '../auth/roles.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { AuditEvent } from '../services/audit/audit-event.js';
import type { Services } from '../services/services.js';
import type { SubscriptionSlot } from '../services/subscriptions/subscription-registry.js';
import type { Session } from '../services/tokens/tokens-service.js';
import { type AuditSseOperation, auditSseOperation, eventResultOf } from './audit-sse-request.js';
import { createSseStreams, nextMessage, type SseStreams } from './sse-streams.js';

export interface AuditSseRouteDeps {
  /** Everything the lean path does not take (yoga), given the request with its body already read. */
  fallback(req: IncomingMessage, res: ServerResponse): void;
  services: Pick<Services, 'audit' | 'tokens' | 'subscriptions'>;
  endpoint: string;
  maxBodyBytes: number;
  metrics?: Pick<GatewayMetrics, 'graphqlRequest' | 'graphqlError'>;
}

const CURSOR = /^\d{1,18}$/;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The operation's events as SSE messages: rendered once per event for every identical follower. */
function renderer(op: AuditSseOperation): (event: AuditEvent) => Uint8Array {
  const resultOf = eventResultOf(op);
  return (event) => Buffer.from(nextMessage(resultOf(event)));
}

async function sessionOf(deps: AuditSseRouteDeps, req: IncomingMessage): Promise<Session | undefined> {
  try {
    return await deps.services.tokens.authenticate(bearerToken(req.headers.authorization));
  } catch {
    return undefined; // yoga answers it (BACKEND_UNAVAILABLE)
  }
}

interface Admitted {
  op: AuditSseOperation;
  session: Session;
  slot: SubscriptionSlot;
}

/**
 * The subscription, its caller and its slot when the lean path takes the request whole: a
 * plain, valid `auditEvents` subscription within the limits, from an authenticated caller who
 * may read the log, with a well-formed cursor and a free slot. Else undefined, with no side
 * effect yet (the slot is the last step), and yoga answers.
 */
async function admit(
  deps: AuditSseRouteDeps,
  req: IncomingMessage,
  body: Buffer,
): Promise<Admitted | undefined> {
  const json = parseJson(body);
  const op = json && auditSseOperation(json);
  if (!op || (op.after !== null && !CURSOR.test(op.after))) return undefined;
  const session = await sessionOf(deps, req);
  if (!session || !roleAllows(session.principal.role, 'audit.read')) return undefined;
  try {
    return { op, session, slot: deps.services.subscriptions.open(session, undefined) };
  } catch {
    return undefined; // RATE_LIMITED, answered by yoga
  }
}

async function serve(
  deps: AuditSseRouteDeps,
  streams: SseStreams,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const started = performance.now();
  const body = await readBody(req);
  const admitted = await admit(deps, req, body);
  if (!admitted) {
    (req as IncomingMessage & { body?: Buffer }).body = body;
    return deps.fallback(req, res);
  }
  const { op, session, slot } = admitted;
  if (res.destroyed || req.socket.destroyed) return slot.release(); // the client left meanwhile
  const stream = streams.start(res, slot.release);
  slot.ended.then((reason) => stream.finish(reason));
  const labels = { operationType: 'subscription', rootFields: 'auditEvents' };
  deps.metrics?.graphqlRequest(labels, (performance.now() - started) / 1000);
  const sink = {
    send: (chunk: Uint8Array) => void res.write(chunk),
    fail: (error: unknown) => stream.finish(error),
  };
  try {
    const args = { filter: op.filter, after: op.after, key: op.key, render: renderer(op), sink };
    stream.attach(await deps.services.audit.followFor(session.principal, args));
  } catch (error) {
    // As graphql-js reports an error of a subscribe resolver: located at the field.
    stream.finish(locatedError(error, [op.field], [op.field.alias?.value ?? op.field.name.value]));
  }
}

/**
 * The lean SSE path of the `auditEvents` subscription: yoga's answer, byte for byte, without its
 * per-connection web streams, timers and per-subscriber execution; events come from the shared
 * fan-out (`followFor`). A request it does not take whole goes to yoga untouched.
 */
export function createAuditSseRoute(deps: AuditSseRouteDeps) {
  const streams = createSseStreams(deps.metrics);
  return {
    /** Whether a request may be an `auditEvents` subscription over SSE (then `serve` it). */
    wants(req: IncomingMessage): boolean {
      const accept = req.headers.accept ?? '';
      const length = Number(req.headers['content-length'] ?? 0);
      return (
        req.method === 'POST' &&
        req.url === deps.endpoint &&
        accept.includes('text/event-stream') &&
        !accept.includes('multipart/mixed') &&
        req.headers.origin === undefined &&
        (req.headers['content-type'] ?? '').includes('application/json') &&
        length > 0 &&
        length <= deps.maxBodyBytes
      );
    },
    serve: (req: IncomingMessage, res: ServerResponse) =>
      serve(deps, streams, req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      }),
    /** Streams open on this path. */
    size: streams.size,
  };
}

export type AuditSseRoute = ReturnType<typeof createAuditSseRoute>;
