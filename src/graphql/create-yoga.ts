import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { bearerToken } from '../auth/api-token.js';
import { AppError, BackendUnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { Services } from '../services/services.js';
import type { GraphQLContext } from './context.js';
import { isUnavailableError, maskError, toPublicError } from './errors.js';
import { createGraphiQLRenderer, GRAPHIQL_OPTIONS, useGraphiQLOff } from './graphiql.js';
import { schema } from './schema.js';
import { useAuthentication } from './use-authentication.js';
import { useBodySizeLimit } from './use-body-size-limit.js';
import { useGraphQLMetrics } from './use-graphql-metrics.js';
import { useQueryLimits } from './use-query-limits.js';
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
    context: async ({
      request,
      connectionParams,
    }: {
      request?: Request;
      connectionParams?: Record<string, unknown>;
    }) => {
      const header =
        request?.headers?.get?.('authorization') ??
        (typeof connectionParams?.authorization === 'string' ? connectionParams.authorization : undefined) ??
        (typeof connectionParams?.Authorization === 'string' ? connectionParams.Authorization : undefined);
      try {
        const session = await services.tokens.authenticate(bearerToken(header));
        return { principal: session?.principal ?? null, tokenId: session?.tokenId, services };
      } catch (error) {
        if (isUnavailableError(error))
          throw new BackendUnavailableError('The database is unavailable; try again');
        throw error;
      }
    },
    plugins: [
      useStatusEndpoints(options.ready ?? (async () => true)),
      // First of the GraphQL plugins, so it times the whole operation and sees what later ones answer.
      ...(options.metrics ? [useGraphQLMetrics(options.metrics)] : []),
      useBodySizeLimit(options.maxBodyBytes),
      useQueryLimits(),
      useStableErrorCodes(),
      useAuthentication(services.audit),
      // Last of the operation plugins: it wraps the subscribe function the others leave.
      useSubscriptionGuard(services.subscriptions),
      ...(options.graphiql ? [] : [useGraphiQLOff(graphqlEndpoint)]),
    ],
  });
}
