import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { RateLimitedError, UnauthenticatedError } from '../errors.js';
import type { AuthFailureThrottle } from '../services/rate-limit/auth-failure-throttle.js';
import type { GraphQLContext } from './context.js';
import { maskError } from './errors.js';

/** RATE_LIMITED as HTTP 429 with Retry-After (seconds), for a client over its failure limit. */
function rateLimitedError(retryAfterMs: number): Error {
  const error = maskError(
    new RateLimitedError(
      `Too many failed authentications from this address; try again in ${Math.ceil(retryAfterMs / 1000)} s`,
      retryAfterMs,
    ),
  ) as GraphQLError;
  const headers = { 'Retry-After': String(Math.ceil(retryAfterMs / 1000)) };
  return new GraphQLError(error.message, {
    extensions: { ...error.extensions, http: { status: 429, headers } },
  });
}

/**
 * Refuses every operation without a valid token: UNAUTHENTICATED, or RATE_LIMITED once the
 * client address has failed too often (`authFailures`, which also audits in aggregate).
 */
export function useAuthentication(authFailures: Pick<AuthFailureThrottle, 'failed'>): Plugin<GraphQLContext> {
  const refuse = async (context: GraphQLContext, operationName: string | null | undefined) => {
    const answer = await authFailures.failed(context.clientAddress, operationName);
    const error = answer.rateLimited
      ? rateLimitedError(answer.retryAfterMs)
      : maskError(new UnauthenticatedError());
    return { errors: [error] };
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue as GraphQLContext;
      if (context.principal) return;
      return refuse(context, args.operationName).then((result) => setResultAndStopExecution(result)) as never;
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const context = args.contextValue as GraphQLContext;
      if (context.principal) return;
      return refuse(context, args.operationName).then((result) => setResultAndStopExecution(result)) as never;
    },
  };
}
