/**
 * A fake Microsoft Entra ID (the Azure AD v2.0 endpoints) over HTTPS with the test certificate,
 * since MSAL refuses a plain-HTTP authority. It serves what `@azure/identity` (MSAL node) asks
 * for when an authority without instance discovery signs in with a client secret:
 * `GET /{tenant}/v2.0/.well-known/openid-configuration`, then
 * `POST /{tenant}/oauth2/v2.0/token` (client-credentials grant), answered by EntraIdDirectory.
 * Starting it makes this process trust the test certificate; another process needs
 * `NODE_EXTRA_CA_CERTS=<certFile>`.
 */
import type { IncomingMessage } from 'node:http';
import {
  DEFAULT_ENTRA_ID_APP,
  type EntraIdApp,
  EntraIdDirectory,
  entraError,
  type IssuedAzureToken,
  tenantNotFound,
} from './entra-id-directory.js';
import { closeServer, formBody, type JsonReply, jsonHttpsServer, listen } from './fake-http-server.js';
import { trustTestCertificate } from './test-tls.js';

export { DEFAULT_ENTRA_ID_APP, type EntraIdApp, type IssuedAzureToken } from './entra-id-directory.js';

export interface EntraIdFakeOptions {
  port?: number;
  host?: string;
  /** Apps to register (default: DEFAULT_ENTRA_ID_APP). */
  apps?: EntraIdApp[];
  /** Lifetime (`expires_in`) of the tokens issued, in seconds (default 3600). */
  tokenLifetimeSeconds?: number;
}

/** One request the fake received. */
export interface EntraIdCall {
  method: string;
  path: string;
  status: number;
  /** Token requests: the client that asked. */
  clientId?: string;
}

/** A running Entra ID fake. */
export interface EntraIdFake {
  /** `https://host:port`: what `authority_host` (or AZURE_AUTHORITY_HOST) takes. */
  authorityHost: string;
  /** The first registered app: the credentials a client of this fake signs in with. */
  app: EntraIdApp;
  /** PEM file of the certificate served: NODE_EXTRA_CA_CERTS for another process. */
  certFile: string;
  /** Lifetime (`expires_in`) of the access tokens issued next, in seconds; mutable. */
  tokenLifetimeSeconds: number;
  /** Every access token issued, oldest first. */
  issued: IssuedAzureToken[];
  calls: EntraIdCall[];
  /** Registers another app (or another client secret of an app); unset parts are made up. */
  register(app?: Partial<EntraIdApp>): EntraIdApp;
  /** Why a resource of `tenantId` refuses this `Authorization` header, or undefined when its token is good for `audience`. */
  refusal(authorization: string | undefined, audience: string, tenantId: string): string | undefined;
  close(): Promise<void>;
}

function openIdConfiguration(authorityHost: string, tenantId: string): JsonReply {
  const base = `${authorityHost}/${tenantId}`;
  return {
    status: 200,
    body: {
      issuer: `${base}/v2.0`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      jwks_uri: `${authorityHost}/${tenantId}/discovery/v2.0/keys`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
    },
  };
}

/** Routes one request to the discovery document or the token endpoint. */
async function answer(
  directory: EntraIdDirectory,
  authorityHost: string,
  request: IncomingMessage,
  call: EntraIdCall,
): Promise<JsonReply> {
  const [tenantId, ...rest] = call.path.split('/').slice(1).map(decodeURIComponent);
  const route = rest.join('/');
  if (request.method === 'GET' && route === 'v2.0/.well-known/openid-configuration')
    return directory.hasTenant(tenantId)
      ? openIdConfiguration(authorityHost, tenantId)
      : tenantNotFound(tenantId);
  if (request.method === 'POST' && route === 'oauth2/v2.0/token') {
    const form = await formBody(request);
    if (!form)
      return entraError(
        400,
        'invalid_request',
        900144,
        "The request body must contain the following parameter: 'grant_type'.",
      );
    call.clientId = form.get('client_id') ?? undefined;
    return directory.exchange(tenantId, form);
  }
  return { status: 404, body: { error: 'not_found', error_description: `No such endpoint: ${call.path}` } };
}

/** Starts the Entra ID fake on `host:port` (default 127.0.0.1, a free port). */
export async function startEntraIdFake(options: EntraIdFakeOptions = {}): Promise<EntraIdFake> {
  const host = options.host ?? '127.0.0.1';
  const certificate = trustTestCertificate();
  const directory = new EntraIdDirectory(options.tokenLifetimeSeconds);
  const apps = (options.apps ?? [DEFAULT_ENTRA_ID_APP]).map((app) => directory.register(app));
  const calls: EntraIdCall[] = [];
  let authorityHost = '';
  const server = jsonHttpsServer(certificate, async (request) => {
    const call: EntraIdCall = {
      method: request.method ?? 'GET',
      path: new URL(request.url ?? '/', authorityHost).pathname,
      status: 0,
    };
    calls.push(call);
    const result = await answer(directory, authorityHost, request, call);
    call.status = result.status;
    return result;
  });
  const port = await listen(server, options.port ?? 0, host);
  authorityHost = `https://${host}:${port}`;
  return {
    authorityHost,
    app: apps[0],
    certFile: certificate.certFile,
    get tokenLifetimeSeconds() {
      return directory.tokenLifetimeSeconds;
    },
    set tokenLifetimeSeconds(seconds: number) {
      directory.tokenLifetimeSeconds = seconds;
    },
    issued: directory.issued,
    calls,
    register: (app) => directory.register(app),
    refusal: (authorization, audience, tenantId) => directory.refusal(authorization, audience, tenantId),
    close: () => closeServer(server),
  };
}
