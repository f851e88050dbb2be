/**
 * The HTTPS server of the GCP fake's token endpoint: `POST /token` with a form body, answered by
 * FakeGoogleSignIn. Served with the test certificate, as token_uri must be https.
 */
import type { IncomingMessage } from 'node:http';
import { closeServer, formBody, type JsonReply, jsonHttpsServer, listen } from './fake-http-server.js';
import type { FakeGoogleSignIn } from './gcp-fake-oauth.js';
import type { TestCertificate } from './test-tls.js';

/** A running token endpoint. */
export interface TokenEndpoint {
  /** `https://host:port/token`: the token_uri of the keys the fake makes. */
  url: string;
  close(): Promise<void>;
}

async function answer(signIn: FakeGoogleSignIn, request: IncomingMessage): Promise<JsonReply> {
  if (request.method !== 'POST' || request.url !== '/token')
    return { status: 404, body: { error: 'not_found' } };
  const form = await formBody(request);
  return form
    ? signIn.exchange(form)
    : { status: 400, body: { error: 'invalid_request', error_description: 'Expected a form body.' } };
}

/** Starts the token endpoint for `signIn` on `host:port` (0: a free port) and points its tokenUri at it. */
export async function startTokenEndpoint(
  signIn: FakeGoogleSignIn,
  certificate: TestCertificate,
  host: string,
  port = 0,
): Promise<TokenEndpoint> {
  const server = jsonHttpsServer(certificate, (request) => answer(signIn, request));
  const bound = await listen(server, port, host);
  const url = `https://${host}:${bound}/token`;
  signIn.tokenUri = url;
  return { url, close: () => closeServer(server) };
}
