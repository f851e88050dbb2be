import { type ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { AppError } from '../errors.js';
import type {
  SubscriptionRegistry,
  SubscriptionSlot,
} from '../services/subscriptions/subscription-registry.js';
import type { GraphQLContext } from './context.js';

type Stream = AsyncIterable<ExecutionResult>;

/** A result carrying one expected error (masked on the way out, as every answer is; not logged). */
function errorResult(error: AppError): ExecutionResult {
  return { errors: [new GraphQLError(error.message, { originalError: error })] };
}

function isAsyncIterable(value: unknown): value is Stream {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * A subscription's results until its slot ends: then one last result with the reason
 * (UNAUTHENTICATED after a revocation, FORBIDDEN after a role change), and the stream completes
 * (SSE: `complete`, graphql-ws: `complete`). `return` frees the slot at once, without waiting
 * for the source's pending `next`.
 */
function guardStream(source: Stream, slot: SubscriptionSlot): AsyncGenerator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  const ended = slot.ended.then((reason) => ({ reason }));
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    slot.release();
    iterator.return?.().catch(() => {});
  };
  const stream: AsyncGenerator<ExecutionResult> = {
    async next() {
      if (done) return { done: true, value: undefined };
      const step = await Promise.race([iterator.next(), ended]);
      if ('reason' in step) {
        finish();
        return { done: false, value: errorResult(step.reason) };
      }
      if (step.done) finish();
      return step;
    },
    async return() {
      finish();
      return { done: true, value: undefined };
    },
    async throw(error: unknown) {
      finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
    async [Symbol.asyncDispose]() {
      finish();
    },
  };
  return stream;
}

/**
 * Every subscription takes a slot in the registry (RATE_LIMITED beyond the caps per WebSocket
 * and per principal) and ends when its token is revoked or its principal's role changes, on
 * both transports.
 */
export function useSubscriptionGuard(registry: Pick<SubscriptionRegistry, 'open'>): Plugin<GraphQLContext> {
  return {
    onSubscribe({ args, subscribeFn, setSubscribeFn }) {
      const context = args.contextValue as GraphQLContext;
      const { principal, tokenId, connection } = context;
      if (!principal || !tokenId) return; // refused by useAuthentication
      setSubscribeFn(async (subscribeArgs) => {
        let slot: SubscriptionSlot;
        try {
          slot = registry.open({ principal, tokenId }, connection);
        } catch (error) {
          if (error instanceof AppError) return errorResult(error);
          throw error;
        }
        try {
          const result = await subscribeFn(subscribeArgs);
          if (isAsyncIterable(result)) return guardStream(result, slot);
          slot.release();
          return result;
        } catch (error) {
          slot.release();
          throw error;
        }
      });
    },
  };
}
