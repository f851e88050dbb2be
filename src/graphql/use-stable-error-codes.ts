import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { badUserInputResponse, withoutInputValues } from './errors.js';

function asBadUserInput(error: GraphQLError): GraphQLError {
  // Validation results skip maskError: drop the input values graphql-js quotes here too.
  return new GraphQLError(withoutInputValues(error.message), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code: 'BAD_USER_INPUT', http: { status: 400 } },
  });
}

/**
 * Parse and validation failures, and bodies of an unsupported content type, carry the API's
 * `BAD_USER_INPUT` code, like every bad request, and never quote the input values.
 */
export function useStableErrorCodes(): Plugin {
  return {
    onParse() {
      return ({ result, replaceParseResult }) => {
        if (result instanceof Error && result.name === 'GraphQLError') {
          replaceParseResult(asBadUserInput(result as GraphQLError));
        } else if (result instanceof RangeError) {
          // The parser recurses per nesting level: a deep enough document overflows the stack.
          replaceParseResult(
            asBadUserInput(new GraphQLError('Syntax Error: the document is nested too deeply.')),
          );
        }
      };
    },
    onResponse({ response, setResponse, fetchAPI }) {
      // yoga answers a body it has no parser for with a bare 415: give it the API's error shape.
      if (response.status !== 415) return;
      setResponse(
        badUserInputResponse(
          fetchAPI,
          415,
          'Unsupported Content-Type: send application/json (or a GET query string)',
        ),
      );
    },
    onValidate() {
      return ({ result, setResult }) => {
        if (result.length) setResult(result.map((error) => asBadUserInput(error as GraphQLError)));
      };
    },
  };
}
