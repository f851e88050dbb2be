import { GraphQLError } from 'graphql';
import { DecryptionError } from '../crypto/keyring.js';
import { AppError } from '../errors.js';

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
]);

/** Whether an error means the database (or another service) could not be reached. */
export function isUnavailableError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  return /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed/i.test(
    error.message,
  );
}

/** A GraphQLError from any copy of graphql-js (duck-typed: CJS and ESM copies differ). */
function isGraphQLErrorLike(error: unknown): error is GraphQLError {
  return error instanceof Error && error.name === 'GraphQLError';
}

/** The public error for any failure: stable `extensions.code`, no stack, no internals. */
export function toPublicError(error: unknown): { message: string; extensions: Record<string, unknown> } {
  const original = isGraphQLErrorLike(error) && error.originalError ? error.originalError : error;
  if (original instanceof AppError) {
    return { message: original.message, extensions: { ...original.extensions, code: original.code } };
  }
  if (isGraphQLErrorLike(original)) {
    const code = original.extensions?.code;
    if (!original.path)
      return {
        message: original.message,
        extensions: { code: typeof code === 'string' ? code : 'BAD_USER_INPUT' },
      };
  }
  if (isUnavailableError(original)) {
    return {
      message: 'A back-end service (database) is unavailable; try again',
      extensions: { code: 'BACKEND_UNAVAILABLE' },
    };
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
