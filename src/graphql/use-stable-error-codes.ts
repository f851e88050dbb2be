import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

function asBadUserInput(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code: 'BAD_USER_INPUT', http: { status: 400 } },
  });
}

/** Parse and validation failures carry the API's `BAD_USER_INPUT` code, like every bad request. */
export function useStableErrorCodes(): Plugin {
  return {
    onParse() {
      return ({ result, replaceParseResult }) => {
        if (result instanceof Error && result.name === 'GraphQLError') {
          replaceParseResult(asBadUserInput(result as GraphQLError));
        }
      };
    },
    onValidate() {
      return ({ result, setResult }) => {
        if (result.length) setResult(result.map((error) => asBadUserInput(error as GraphQLError)));
      };
    },
  };
}
