import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { GraphQLError, ValidationContext } from 'graphql';
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

/** Reports a rejection as a validation error (BAD_USER_INPUT), not as a thrown exception. */
const reportAsValidationError = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
};

/** graphql-armor: depth, alias, cost, token and directive limits; field suggestions hidden. */
export function useQueryLimits(): Plugin {
  return EnvelopArmorPlugin({
    maxDepth: { n: QUERY_LIMITS.maxDepth, ...reportAsValidationError },
    maxAliases: { n: QUERY_LIMITS.maxAliases, ...reportAsValidationError },
    costLimit: { maxCost: QUERY_LIMITS.maxCost, ...reportAsValidationError },
    maxDirectives: { n: QUERY_LIMITS.maxDirectives, ...reportAsValidationError },
    maxTokens: { n: QUERY_LIMITS.maxTokens },
    blockFieldSuggestion: { enabled: true },
  }) as Plugin;
}
