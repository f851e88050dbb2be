/**
 * The HTTPS server of the GCP fake's token endpoint: `POST /token` with a form body, answered by
 * FakeGoogleSignIn. Served with the test certificate, as token_uri must be https.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import { closeServer, listen } from './fake-http-server.js';
import type { FakeGoogleSignIn, TokenResponse } from './gcp-fake-oauth.js';
import type { TestCertificate } from './test-tls.js';

const MAX_BODY_BYTES = 64 * 1024;

/** A running token endpoint. */
export interface TokenEndpoint {
  /** `https://host:port/token`: the token_uri of the keys the fake makes. */
  url: string;
  close(): Promise<void>;
}

async function formOf(request: IncomingMessage): Promise<URLSearchParams | undefined> {
  if (!String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded'))
    return undefined;
  let body = '';
  for await (const chunk of request) {
    body += chunk;
    if (body.length > MAX_BODY_BYTES) return undefined;
  }
  return new URLSearchParams(body);
}

async function answer(signIn: FakeGoogleSignIn, request: IncomingMessage, response: ServerResponse) {
  let result: TokenResponse;
  if (request.method !== 'POST' || request.url !== '/token') {
    result = { status: 404, body: { error: 'not_found' } };
  } else {
    const form = await formOf(request);
    result = form
      ? signIn.exchange(form)
      : { status: 400, body: { error: 'invalid_request', error_description: 'Expected a form body.' } };
  }
  response.writeHead(result.status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(result.body));
}

/** Starts the token endpoint for `signIn` on `host:port` (0: a free port) and points its tokenUri at it. */
export async function startTokenEndpoint(
  signIn: FakeGoogleSignIn,
  certificate: TestCertificate,
  host: string,
  port = 0,
): Promise<TokenEndpoint> {
  const server = https.createServer({ cert: certificate.cert, key: certificate.key }, (request, response) => {
    answer(signIn, request, response).catch(() => {
      response.writeHead(500).end();
    });
  });
  const bound = await listen(server, port, host);
  const url = `https://${host}:${bound}/token`;
  signIn.tokenUri = url;
  return { url, close: () => closeServer(server) };
}
