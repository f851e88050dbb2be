import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { bearerToken } from '../auth/api-token.js';
import { AppError, BackendUnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { AuthFailureThrottle } from '../services/rate-limit/auth-failure-throttle.js';
import type { Services } from '../services/services.js';
import { createClientAddress, type ServerContextWithRequest } from './client-address.js';
import type { GraphQLContext } from './context.js';
import { corsPolicy, useVaryOnOrigin } from './cors-policy.js';
import { isUnavailableError, maskError, toPublicError } from './errors.js';
import { createGraphiQLRenderer, GRAPHIQL_OPTIONS, useGraphiQLOff } from './graphiql.js';
import { schema } from './schema.js';
import { useArgumentLimits } from './use-argument-limits.js';
import { useAuthentication } from './use-authentication.js';
import { useBodySizeLimit } from './use-body-size-limit.js';
import { useGraphQLMetrics } from './use-graphql-metrics.js';
import { useQueryLimits } from './use-query-limits.js';
import { useResponseWarnings } from './use-response-warnings.js';
import { useStableErrorCodes } from './use-stable-error-codes.js';
import { useStatusEndpoints } from './use-status-endpoints.js';
import { useSubscriptionGuard } from './use-subscription-guard.js';

export type GatewayYoga = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

export interface GatewayYogaOptions {
  /** Largest request body, in bytes (HTTP 413 above). */
  maxBodyBytes: number;
  /** Records operations and errors (`GET /metrics`). */
  metrics?: Pick<GatewayMetrics, 'graphqlRequest' | 'graphqlError'>;
  /** Serve GraphiQL to browsers on `GET /graphql` (else a page saying how to turn it on). */
  graphiql?: boolean;
  /** Whether the stores this gateway needs answer (`GET /readyz`: 200, else 503). */
  ready?: () => Promise<boolean>;
  /** Failed authentication per client address: throttled (RATE_LIMITED) and audited in aggregate. */
  authFailures: Pick<AuthFailureThrottle, 'failed'>;
  /** `SGW_CORS_ORIGINS`: browser origins allowed to call the API; none by default. */
  corsOrigins?: string[];
  /** `SGW_TRUSTED_PROXIES`: proxies whose X-Forwarded-For names the client. */
  trustedProxies?: string[];
}

/** The `Authorization` header, or graphql-ws `connectionParams.authorization`. */
function authorizationOf(request?: Request, connectionParams?: Record<string, unknown>): string | undefined {
  return (
    request?.headers?.get?.('authorization') ??
    (typeof connectionParams?.authorization === 'string' ? connectionParams.authorization : undefined) ??
    (typeof connectionParams?.Authorization === 'string' ? connectionParams.Authorization : undefined)
  );
}

/**
 * The context of an operation: the caller (from the bearer token) and its client address. A
 * valid token is served whatever its address has failed before (a page cannot lock a developer
 * out); a bad one past its address's failure limit is answered RATE_LIMITED by the plugin.
 */
function contextFactory(services: Services, options: GatewayYogaOptions) {
  const clientAddressOf = createClientAddress(options.trustedProxies ?? []);
  return async (
    initial: ServerContextWithRequest & { request?: Request; connectionParams?: Record<string, unknown> },
  ): Promise<GraphQLContext> => {
    const clientAddress = clientAddressOf(initial);
    const header = authorizationOf(initial.request, initial.connectionParams);
    try {
      const session = await services.tokens.authenticate(bearerToken(header));
      return { principal: session?.principal ?? null, tokenId: session?.tokenId, services, clientAddress };
    } catch (error) {
      if (isUnavailableError(error))
        throw new BackendUnavailableError('The database is unavailable; try again');
      throw error;
    }
  };
}

/**
 * The GraphQL HTTP handler: auth from the bearer token, masked errors, SSE subscriptions,
 * body size and query limits, and GraphiQL (every asset served inline) when turned on.
 */
export function createGatewayYoga(services: Services, log: Logger, options: GatewayYogaOptions): GatewayYoga {
  const graphqlEndpoint = '/graphql';
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint,
    landingPage: false,
    graphiql: options.graphiql ? GRAPHIQL_OPTIONS : false,
    renderGraphiQL: createGraphiQLRenderer(),
    // useBodySizeLimit enforces SGW_MAX_BODY_BYTES; yoga's own limit would pipe every body
    // through a TransformStream (a third of the per-request stream work in a profile).
    maxRequestBodySize: false,
    maskedErrors: { maskError },
    logging: {
      debug: () => {},
      info: () => {},
      warn: (...args: unknown[]) => log.warn(String(args[0] instanceof Error ? args[0].message : args[0])),
      error: (...args: unknown[]) => {
        const error = args[0];
        const original =
          error instanceof Error && 'originalError' in error ? (error.originalError ?? error) : error;
        if (original instanceof AppError) return; // expected failures are answered, not logged
        if (toPublicError(error).extensions.code === 'BAD_USER_INPUT') return; // a malformed request
        log.error('request failed', {
          error: original instanceof Error ? original.message : String(original),
        });
      },
    },
    context: contextFactory(services, options),
    cors: corsPolicy(options.corsOrigins ?? []),
    plugins: [
      useStatusEndpoints(options.ready ?? (async () => true)),
      // First of the GraphQL plugins, so it times the whole operation and sees what later ones answer.
      ...(options.metrics ? [useGraphQLMetrics(options.metrics)] : []),
      useBodySizeLimit(options.maxBodyBytes),
      useQueryLimits(),
      useStableErrorCodes(),
      useAuthentication(options.authFailures),
      // After authentication: an anonymous caller is told UNAUTHENTICATED whatever it sent.
      useArgumentLimits(),
      useResponseWarnings(),
      ...(options.corsOrigins?.length ? [useVaryOnOrigin()] : []),
      // Last of the operation plugins: it wraps the subscribe function the others leave.
      useSubscriptionGuard(services.subscriptions),
      ...(options.graphiql ? [] : [useGraphiQLOff(graphqlEndpoint)]),
    ],
  });
}
