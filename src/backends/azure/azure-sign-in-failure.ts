import type { TokenCredential } from '@azure/core-auth';
import { BackendError } from '../../errors.js';
import { scrubBackendMessage } from '../backend-failure.js';

const MAX_REASON = 200;

type ErrorLike = { name?: unknown; message?: unknown; cause?: unknown; errorResponse?: unknown };

/** The error and its causes, at most 10. */
function chainOf(error: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  for (let item = error; typeof item === 'object' && item !== null && chain.length < 10; ) {
    chain.push(item as ErrorLike);
    item = (item as ErrorLike).cause;
  }
  return chain;
}

/** Every message of the chain, with the error descriptions @azure/identity keeps apart. */
function textOf(chain: ErrorLike[]): string {
  return chain
    .flatMap((item) => [
      item.message,
      (item.errorResponse as { errorDescription?: unknown })?.errorDescription,
    ])
    .filter((part): part is string => typeof part === 'string')
    .join('\n');
}

/**
 * Why sign-in failed, in a few words: Entra ID's OAuth error and AADSTS sentence when it answered
 * so, else our words only.
 */
function reasonOf(error: unknown): string {
  const chain = chainOf(error);
  const text = textOf(chain);
  const aadsts = /\b(AADSTS\d+:[^.]*\.)/.exec(text)?.[1];
  if (aadsts) {
    const oauthError = /\b(invalid_\w+|unauthorized_client|unsupported_\w+|access_denied)\b/.exec(text)?.[1];
    return oauthError ? `${oauthError}: ${aadsts}` : aadsts;
  }
  if (chain.some((item) => item.name === 'AggregateAuthenticationError'))
    return 'no Azure credential is available: give tenant_id, client_id and client_secret, or run with AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, a workload identity or a managed identity';
  // Unreachable, refused by the endpoint policy, or an answer that is no Entra ID answer: all
  // read the same (nothing the authority said is repeated; open and closed ports look alike).
  return 'the tenant or its authority could not be reached, or did not answer as Entra ID does; check tenant_id and authority_host';
}

/** The BACKEND_ERROR a failed sign-in becomes: "Azure sign-in failed: …", with no credential in it. */
export function signInFailure(error: unknown, sensitive: Array<string | undefined>): BackendError {
  const reason = scrubBackendMessage(reasonOf(error), sensitive);
  const short = reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 1)}…` : reason;
  return new BackendError(`Azure sign-in failed: ${short}`);
}

/**
 * The credential with its failures reported as signInFailure. Aborts (timeouts) pass unchanged,
 * so the guard still reports them as BACKEND_UNAVAILABLE.
 */
export function reportingSignInFailures(
  credential: TokenCredential,
  sensitive: Array<string | undefined>,
): TokenCredential {
  return {
    async getToken(scopes, options) {
      try {
        return await credential.getToken(scopes, options);
      } catch (error) {
        if (chainOf(error).some((item) => item.name === 'AbortError')) throw error;
        throw signInFailure(error, sensitive);
      }
    },
  };
}
