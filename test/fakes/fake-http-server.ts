import type { IncomingMessage, Server } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestCertificate } from './test-tls.js';

const MAX_FORM_BYTES = 64 * 1024;

/** A JSON answer: HTTP status and body. */
export interface JsonReply {
  status: number;
  body: Record<string, unknown>;
}

/** Listens on `port` (0: a free one) and resolves with the port taken. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops listening, drops keep-alive sockets and pending delays, so it returns promptly. */
export function closeServer(server: Server, timers: Set<NodeJS.Timeout> = new Set()): Promise<void> {
  for (const timer of timers) clearTimeout(timer);
  timers.clear();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A request's `application/x-www-form-urlencoded` body; undefined for another type or over 64 KiB. */
export async function formBody(request: IncomingMessage): Promise<URLSearchParams | undefined> {
  if (!String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded'))
    return undefined;
  let body = '';
  for await (const chunk of request) {
    body += chunk;
    if (body.length > MAX_FORM_BYTES) return undefined;
  }
  return new URLSearchParams(body);
}

/**
 * An HTTPS server with the test certificate that answers every request with the JSON reply
 * `answer` resolves to (500 when it throws): start it with `listen`, stop it with `closeServer`.
 */
export function jsonHttpsServer(
  certificate: TestCertificate,
  answer: (request: IncomingMessage) => Promise<JsonReply>,
): https.Server {
  return https.createServer({ cert: certificate.cert, key: certificate.key }, (request, response) => {
    answer(request)
      .then((reply) => {
        response.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8' });
        response.end(JSON.stringify(reply.body));
      })
      .catch(() => {
        response.writeHead(500).end();
      });
  });
}
