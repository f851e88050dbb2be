import { GraphQLError } from 'graphql';
import { DecryptionError } from '../crypto/keyring.js';
import { databaseUnavailable, isUnavailableError } from '../database/database-errors.js';
import { AppError, ERROR_CODES, type ErrorCode } from '../errors.js';

// The one mapping of connection failures (Postgres, Redis) lives with the database.
export { isUnavailableError } from '../database/database-errors.js';

/**
 * Whether the database refused a value the request carried: SQLSTATE class 22 (data exception:
 * a NUL character, a lone surrogate, a number out of range) or 54 (program limit: a value too
 * large for an index, JSON nested too deep).
 */
export function isRefusedValueError(error: unknown): boolean {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^(22|54)[0-9A-Z]{3}$/.test(code);
}

/** A GraphQLError from any copy of graphql-js (duck-typed: CJS and ESM copies differ). */
function isGraphQLErrorLike(error: unknown): error is GraphQLError {
  return error instanceof Error && error.name === 'GraphQLError';
}

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code);
}

/**
 * A request error's message without the input values graphql-js quotes in it (a secret the
 * caller put in the wrong place must not come back, nor reach the logs): names and types stay.
 */
export function withoutInputValues(message: string, cause?: unknown): string {
  const variable = /^Variable "\$[^"]*" got invalid value/.exec(message);
  if (variable) {
    const reason = cause instanceof Error ? withoutInputValues(cause.message) : 'see its type';
    return `${variable[0]}; ${reason}`;
  }
  return message
    .replace(/(cannot represent[^:]*?): [\s\S]*$/, '$1.')
    .replace(/(Expected value of type "[^"]*"), found [\s\S]*$/, '$1.')
    .replace(/Value "[\s\S]*" (does not exist in "[^"]*" enum\.)/, 'Value $1')
    .replace(/((?:Block)?String) "[\s\S]*"\.$/, '$1.');
}

/** The public error for any failure: stable `extensions.code`, no stack, no internals. */
export function toPublicError(error: unknown): { message: string; extensions: Record<string, unknown> } {
  const original = isGraphQLErrorLike(error) && error.originalError ? error.originalError : error;
  if (original instanceof AppError) {
    return { message: original.message, extensions: { ...original.extensions, code: original.code } };
  }
  if (isGraphQLErrorLike(error) && !error.path && (original === error || isGraphQLErrorLike(original))) {
    // The request itself is wrong (body, syntax, validation, variables): the caller's mistake.
    const code = error.extensions?.code;
    return {
      message: withoutInputValues(error.message, error.originalError),
      extensions: { code: isErrorCode(code) ? code : 'BAD_USER_INPUT' },
    };
  }
  if (isRefusedValueError(original)) {
    // The database's message quotes the value: say what is wrong without it.
    return {
      message:
        'A value in the request cannot be stored: it holds a NUL character or invalid Unicode, or is too large or too deeply nested',
      extensions: { code: 'BAD_USER_INPUT' },
    };
  }
  if (isUnavailableError(original)) {
    const unavailable = databaseUnavailable();
    return { message: unavailable.message, extensions: { code: unavailable.code } };
  }
  if (original instanceof DecryptionError)
    return { message: original.message, extensions: { code: 'BACKEND_ERROR' } };
  return { message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/** graphql-yoga `maskError`: every error leaves through here. */
export function maskError(error: unknown): Error {
  const { message, extensions } = toPublicError(error);
  const source = isGraphQLErrorLike(error) ? error : undefined;
  const status = extensions.code === 'UNAUTHENTICATED' ? 401 : undefined;
  return new GraphQLError(message, {
    nodes: source?.nodes,
    source: source?.source,
    positions: source?.positions,
    path: source?.path,
    extensions: status ? { ...extensions, http: { status } } : extensions,
  });
}

/** An HTTP answer, in the API's error shape with code BAD_USER_INPUT, to a request refused before GraphQL runs. */
export function badUserInputResponse(
  fetchAPI: { Response: typeof Response },
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  const body = { errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] };
  return new fetchAPI.Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}
