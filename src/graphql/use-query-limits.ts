import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Limits of one GraphQL document. The largest legitimate operations (the CLI's and the test
 * suite's) reach depth 5, 100 aliases (100 secrets read at once), cost 40,625 (`sgw secret
 * list`: `secrets(first: 1000)` with every field) and 1,202 tokens.
 */
export const QUERY_LIMITS = {
  /** Nested selections (fragments count as a level). */
  maxDepth: 10,
  /** Aliased fields in one operation. */
  maxAliases: 100,
  /** graphql-armor's cost: 1 a scalar, 2 an object, ×1.5 a level, ×`first:` of a literal page size. */
  maxCost: 50_000,
  /** Lexical tokens of the document (checked while parsing; also bounds nesting, so the stack). */
  maxTokens: 2_000,
  /** Directives in one operation. */
  maxDirectives: 50,
} as const;

/**
 * Reports a rejection as a validation error (BAD_USER_INPUT), not as a thrown exception.
 * graphql-armor 3 carries its own graphql 16 types (it runs on graphql 17 unchanged: the
 * validation context and errors it touches are the same shape), hence the cast.
 */
const reportAsValidationError = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
} as unknown as { propagateOnRejection: boolean };

/**
 * Validation errors without graphql-js's "Did you mean …?" hints, which would let a caller map
 * the schema field by field. (graphql-armor's own suggestion blocker checks its bundled graphql
 * 16's error class, so it no longer matches graphql 17's errors.)
 */
function useHiddenSuggestions(): Plugin {
  return {
    onValidate:
      () =>
      ({ valid, result, setResult }) => {
        if (valid) return;
        setResult(
          result.map((error) =>
            /Did you mean/.test(error.message)
              ? new GraphQLError(error.message.replace(/\s*Did you mean .+\?/g, '').trim(), {
                  nodes: error.nodes,
                  source: error.source,
                  positions: error.positions,
                  path: error.path,
                  extensions: error.extensions,
                })
              : error,
          ),
        );
      },
  };
}

/** graphql-armor: depth, alias, cost, token and directive limits; field suggestions hidden. */
export function useQueryLimits(): Plugin {
  const armor = EnvelopArmorPlugin({
    maxDepth: { n: QUERY_LIMITS.maxDepth, ...reportAsValidationError },
    maxAliases: { n: QUERY_LIMITS.maxAliases, ...reportAsValidationError },
    costLimit: { maxCost: QUERY_LIMITS.maxCost, ...reportAsValidationError },
    maxDirectives: { n: QUERY_LIMITS.maxDirectives, ...reportAsValidationError },
    maxTokens: { n: QUERY_LIMITS.maxTokens },
    blockFieldSuggestion: { enabled: false },
  }) as Plugin;
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(armor);
      addPlugin(useHiddenSuggestions());
    },
  };
}
