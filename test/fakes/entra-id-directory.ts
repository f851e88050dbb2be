/**
 * Microsoft Entra ID as the Azure Key Vault fake needs it, checked as Entra ID checks it: app
 * registrations (tenant, client id, client secrets), the OAuth 2.0 client-credentials grant of the
 * v2.0 token endpoint with its AADSTS error shapes, access tokens with a set lifetime, and the
 * check a resource (Key Vault) makes of a bearer token: issued here, unexpired, for its audience.
 * Tokens are JWT-shaped (so they look like Entra's) but not signed: the fake looks them up.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { JsonReply } from './fake-http-server.js';

/** A service principal: what `tenant_id`, `client_id` and `client_secret` take. */
export interface EntraIdApp {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

/** The app the fakes register unless told otherwise (printed by `npm run emulators`). */
export const DEFAULT_ENTRA_ID_APP: EntraIdApp = {
  tenantId: 'a0d5e1c2-0000-4000-8000-000000000001',
  clientId: 'b1e6f2d3-0000-4000-8000-000000000002',
  clientSecret: 'sgw8Q~FakeClientSecret.0123456789abcdefghij',
};

/** One access token the token endpoint issued. */
export interface IssuedAzureToken {
  token: string;
  tenantId: string;
  clientId: string;
  /** The resource the token is for: the scope without `/.default` (`https://vault.azure.net`). */
  audience: string;
  /** Epoch milliseconds after which a resource refuses it. */
  expiresAt: number;
}

const DEFAULT_SUFFIX = '/.default';

/** Entra ID's error body: `error`, `error_description` starting with the AADSTS code, `error_codes`, ids. */
export function entraError(status: number, error: string, code: number, description: string): JsonReply {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}

/** The tenant-not-found answer, for discovery and token requests alike. */
export const tenantNotFound = (tenantId: string) =>
  entraError(
    400,
    'invalid_tenant',
    90002,
    `Tenant '${tenantId}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
  );

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** App registrations, the client-credentials grant and the bearer-token check; state is public for tests. */
export class EntraIdDirectory {
  /** Client secrets of each app, by tenant id then client id. */
  readonly apps = new Map<string, Map<string, string[]>>();
  /** Every access token issued, oldest first. */
  readonly issued: IssuedAzureToken[] = [];

  constructor(
    /** Lifetime of the tokens issued next (the `expires_in` answered), in seconds. */
    public tokenLifetimeSeconds = 3600,
  ) {}

  /** Registers an app (or adds a client secret to it); unset parts are made up. */
  register(app: Partial<EntraIdApp> = {}): EntraIdApp {
    const registered: EntraIdApp = {
      tenantId: app.tenantId ?? randomUUID(),
      clientId: app.clientId ?? randomUUID(),
      clientSecret:
        app.clientSecret ?? `${randomBytes(3).toString('hex')}8Q~${randomBytes(27).toString('base64url')}`,
    };
    const tenant = this.apps.get(registered.tenantId) ?? new Map<string, string[]>();
    tenant.set(registered.clientId, [...(tenant.get(registered.clientId) ?? []), registered.clientSecret]);
    this.apps.set(registered.tenantId, tenant);
    return registered;
  }

  hasTenant(tenantId: string): boolean {
    return this.apps.has(tenantId);
  }

  /** Answers `POST /{tenant}/oauth2/v2.0/token` (the form fields of the body). */
  exchange(tenantId: string, form: URLSearchParams, now = Date.now()): JsonReply {
    const tenant = this.apps.get(tenantId);
    if (!tenant) return tenantNotFound(tenantId);
    const grantType = form.get('grant_type') ?? '';
    if (grantType !== 'client_credentials')
      return entraError(
        400,
        'unsupported_grant_type',
        70003,
        `The app requested an unsupported grant type '${grantType}'.`,
      );
    const clientId = form.get('client_id') ?? '';
    const secrets = tenant.get(clientId);
    if (!secrets)
      return entraError(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      );
    const secret = form.get('client_secret');
    if (!secret)
      return entraError(
        401,
        'invalid_client',
        7000216,
        "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
      );
    if (!secrets.includes(secret))
      return entraError(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      );
    const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
    const resource = scopes.find((scope) => scope.endsWith(DEFAULT_SUFFIX));
    if (!resource)
      return entraError(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scopes.join(' ')} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    return {
      status: 200,
      body: this.issue(tenantId, clientId, resource.slice(0, -DEFAULT_SUFFIX.length), now),
    };
  }

  private issue(tenantId: string, clientId: string, audience: string, now: number): Record<string, unknown> {
    const expiresAt = now + this.tokenLifetimeSeconds * 1000;
    const claims = { aud: audience, tid: tenantId, appid: clientId, exp: Math.floor(expiresAt / 1000) };
    const token = `${base64url({ typ: 'JWT', alg: 'none' })}.${base64url(claims)}.${randomBytes(32).toString('base64url')}`;
    this.issued.push({ token, tenantId, clientId, audience, expiresAt });
    return {
      token_type: 'Bearer',
      expires_in: this.tokenLifetimeSeconds,
      ext_expires_in: this.tokenLifetimeSeconds,
      access_token: token,
    };
  }

  /**
   * Why a resource of `tenantId` refuses the `Authorization` header (`missing`, `unknown`,
   * `expired`, `audience`, `tenant`), or undefined when it names an unexpired bearer token issued
   * here for `audience` in that tenant.
   */
  refusal(authorization: string | undefined, audience: string, tenantId: string, now = Date.now()) {
    const token = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) return 'missing';
    const issued = this.issued.find((t) => t.token === token);
    if (!issued) return 'unknown';
    if (issued.expiresAt <= now) return 'expired';
    if (issued.audience !== audience) return 'audience';
    if (issued.tenantId !== tenantId) return 'tenant';
    return undefined;
  }
}
