import { BackendError, BadUserInputError } from '../../errors.js';

/** The sign-in fields of the `aws` flavor and store (backend option names). */
export interface AwsSignIn {
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
}

/** Credentials the SDK signs with as they are (no refresh). */
export interface StaticAwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Static credentials when an access key is given (with its secret, and a session token for
 * temporary credentials); undefined to let the SDK resolve them through its default chain
 * (environment, AWS_PROFILE, web identity, container and instance metadata). Throws
 * BadUserInputError for a key id without its secret, the reverse, or a session token alone.
 */
export function staticAwsCredentials(signIn: AwsSignIn): StaticAwsCredentials | undefined {
  const { accessKeyId, secretAccessKey, sessionToken } = signIn;
  if (!accessKeyId && !secretAccessKey) {
    if (!sessionToken) return undefined;
    throw new BadUserInputError('aws_session_token needs aws_access_key_id and aws_secret_access_key', [
      { path: 'aws_access_key_id', message: 'required with aws_session_token' },
      { path: 'aws_secret_access_key', message: 'required with aws_session_token' },
    ]);
  }
  if (!accessKeyId || !secretAccessKey) {
    const missing = accessKeyId ? 'aws_secret_access_key' : 'aws_access_key_id';
    throw new BadUserInputError(
      'aws_access_key_id and aws_secret_access_key go together: give both, or neither to use the default credential chain',
      [
        {
          path: missing,
          message: `required with ${accessKeyId ? 'aws_access_key_id' : 'aws_secret_access_key'}`,
        },
      ],
    );
  }
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

const UNRECOGNISED =
  'AWS does not recognise the access key id or its session token; check aws_access_key_id and aws_session_token';
const BAD_SIGNATURE =
  'AWS refused the request signature; check aws_secret_access_key (and the gateway clock)';
const EXPIRED =
  'the AWS session credentials have expired; give new aws_access_key_id, aws_secret_access_key and aws_session_token';
const NONE_FOUND =
  'no AWS credentials found; give aws_access_key_id and aws_secret_access_key, or set up the default chain (environment, AWS_PROFILE, web identity, container or instance role)';

/** What each AWS sign-in failure means, in the gateway's words (keyed by error name). */
const SIGN_IN_FAILURES: Record<string, string> = {
  UnrecognizedClientException: UNRECOGNISED,
  InvalidClientTokenId: UNRECOGNISED,
  InvalidSignatureException: BAD_SIGNATURE,
  SignatureDoesNotMatch: BAD_SIGNATURE,
  ExpiredTokenException: EXPIRED,
  ExpiredToken: EXPIRED,
  CredentialsProviderError: NONE_FOUND,
};

/**
 * A BACKEND_ERROR that says why AWS refused to sign the gateway in, or undefined for any other
 * error. The message is ours alone: nothing of AWS's answer (or of a credential) is passed on.
 */
export function awsSignInFailure(error: unknown): BackendError | undefined {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  if (typeof name !== 'string' || !Object.hasOwn(SIGN_IN_FAILURES, name)) return undefined;
  return new BackendError(`aws back-end error (${name}): ${SIGN_IN_FAILURES[name]}`);
}
