import { createRequire } from 'node:module';
import type { grpc as GaxGrpc } from 'google-gax';

// google-gax is CommonJS; requiring it gives the very grpc module the client uses, so the
// credentials built here pass its `instanceof` checks.
const require = createRequire(import.meta.url);
const { grpc } = require('google-gax') as { grpc: typeof GaxGrpc };

/** A google-auth-library client (or GoogleAuth) that gives the headers of a signed-in call. */
export interface RequestHeaderSource {
  getRequestHeaders(url?: string): Promise<Headers>;
}

/** Every message of a failed sign-in starts so: how signInProblem tells ours from the service's. */
const SIGN_IN = 'sign-in ';
/** What grpc-js puts before the message of a failed call-credentials plugin. */
const PLUGIN_FAILED = 'Getting metadata from plugin failed with error: ';
const OAUTH_ERROR = /^[a-z_]{1,64}$/;

interface FailedSignIn {
  code?: unknown;
  name?: unknown;
  response?: { status?: number; data?: { error?: unknown } };
}

/**
 * A failed sign-in as a gRPC status with a message in our words (never the assertion, key,
 * token or anything the endpoint answered): refused by the token endpoint (an HTTP 4xx:
 * UNAUTHENTICATED, with its OAuth error code), else UNAVAILABLE: down, unreachable, refused by
 * the endpoint policy, or an answer that is no token response all read the same, so a token_uri
 * can't tell open ports from closed ones.
 */
function signInFailure(error: unknown): Error & { code: number } {
  const failed = (typeof error === 'object' && error !== null ? error : {}) as FailedSignIn;
  const status = failed.response?.status;
  if (status !== undefined && status >= 400 && status < 500) {
    const oauthError = failed.response?.data?.error;
    const reason = typeof oauthError === 'string' && OAUTH_ERROR.test(oauthError) ? ` (${oauthError})` : '';
    return Object.assign(new Error(`${SIGN_IN}refused by the token endpoint${reason}`), {
      code: grpc.status.UNAUTHENTICATED,
    });
  }
  return Object.assign(new Error(`${SIGN_IN}failed: the token endpoint did not answer`), {
    code: grpc.status.UNAVAILABLE,
  });
}

/**
 * Call credentials that sign every call in with `auth` (`authorization: Bearer …`, the token
 * cached and renewed by google-auth-library). The plain object of headers is what grpc-js reads;
 * google-auth-library 10+ gives a Headers object, which google-gax converts the same way.
 */
export function googleCallCredentials(auth: RequestHeaderSource) {
  return grpc.credentials.createFromMetadataGenerator(({ service_url }, callback) => {
    auth.getRequestHeaders(service_url).then(
      (headers) => {
        const metadata = new grpc.Metadata();
        headers.forEach((value, key) => {
          metadata.add(key, value);
        });
        callback(null, metadata);
      },
      (error: unknown) => callback(signInFailure(error)),
    );
  });
}

/** TLS to the service (trusting `caCert` when given, else gRPC's default roots), each call signed in with `auth`. */
export function signedInChannel(auth: RequestHeaderSource, caCert?: string) {
  return grpc.credentials.combineChannelCredentials(
    grpc.credentials.createSsl(caCert ? Buffer.from(caCert) : null),
    googleCallCredentials(auth),
  );
}

/** Plain-text gRPC without any credentials (local emulators). */
export function insecureChannel() {
  return grpc.credentials.createInsecure();
}

/**
 * Our words for a call refused for its credentials (gRPC UNAUTHENTICATED), or undefined for any
 * other error: the sign-in's own message, or that Secret Manager refused the access token. The
 * service's text is not passed on.
 */
export function signInProblem(error: unknown): string | undefined {
  const failed = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    details?: unknown;
  };
  if (failed.code !== grpc.status.UNAUTHENTICATED) return undefined;
  const details = typeof failed.details === 'string' ? failed.details : '';
  const ours = details.startsWith(PLUGIN_FAILED) ? details.slice(PLUGIN_FAILED.length) : '';
  if (ours.startsWith(SIGN_IN)) return ours;
  return 'Secret Manager refused the access token (UNAUTHENTICATED)';
}
