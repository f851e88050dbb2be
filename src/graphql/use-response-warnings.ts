import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from './context.js';

const warningsOf = new WeakMap<object, string[]>();

/** Adds warnings to the operation's response (`extensions.warnings`), e.g. from a mutation that succeeded. */
export function addResponseWarnings(ctx: GraphQLContext, warnings: string[]): void {
  if (warnings.length === 0) return;
  const list = warningsOf.get(ctx) ?? [];
  list.push(...warnings);
  warningsOf.set(ctx, list);
}

function isExecutionResult(value: unknown): value is ExecutionResult {
  return typeof value === 'object' && value !== null && !(Symbol.asyncIterator in value);
}

/** Puts the warnings resolvers added (`addResponseWarnings`) into the result's `extensions.warnings`. */
export function useResponseWarnings(): Plugin<GraphQLContext> {
  return {
    onExecute({ args }) {
      return {
        onExecuteDone({ result, setResult }) {
          const warnings = warningsOf.get(args.contextValue as object);
          if (!warnings?.length || !isExecutionResult(result)) return;
          setResult({ ...result, extensions: { ...result.extensions, warnings } });
        },
      };
    },
  };
}
