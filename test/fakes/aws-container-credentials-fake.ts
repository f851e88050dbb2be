/**
 * A local fake of the container credentials endpoint ECS and EKS give a task (what the SDK's
 * default chain asks at AWS_CONTAINER_CREDENTIALS_FULL_URI, sending AWS_CONTAINER_AUTHORIZATION_TOKEN
 * as the Authorization header). Each GET with that token answers new session credentials
 * `{AccessKeyId, SecretAccessKey, Token, Expiration}` that live `lifetimeMs`, handed to `issue`
 * first (e.g. so the AWS fake accepts them). It listens on 127.0.0.1: the SDK takes plain http
 * for a full URI on a loopback address only.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AwsFakeCredentials } from './aws-sigv4.js';
import { closeServer, listen } from './fake-http-server.js';

const PATH = '/v1/credentials';

/** Session credentials the endpoint handed out. */
export type IssuedAwsCredentials = Required<AwsFakeCredentials>;

export interface AwsContainerCredentialsFakeOptions {
  /** How long each issued credential stays good. */
  lifetimeMs: number;
  /** Called with each new credential before it is answered. */
  issue: (credentials: IssuedAwsCredentials) => void;
}

export interface AwsContainerCredentialsFake {
  /** The value for AWS_CONTAINER_CREDENTIALS_FULL_URI. */
  readonly url: string;
  /** The value for AWS_CONTAINER_AUTHORIZATION_TOKEN: requests without it are refused (401). */
  readonly authorizationToken: string;
  /** Credentials handed out, in order. */
  readonly issued: readonly IssuedAwsCredentials[];
  /** How many requests were refused (wrong path or method, missing or wrong Authorization). */
  readonly refused: number;
  close(): Promise<void>;
}

/** Starts the endpoint on 127.0.0.1 (a free port) and resolves once it listens. */
export async function startAwsContainerCredentialsFake(
  options: AwsContainerCredentialsFakeOptions,
): Promise<AwsContainerCredentialsFake> {
  const authorizationToken = `container-token-${randomBytes(8).toString('hex')}`;
  const issued: IssuedAwsCredentials[] = [];
  let refused = 0;

  const server: Server = createServer((request, response) => {
    const status =
      request.method !== 'GET' || request.url !== PATH
        ? 404
        : request.headers.authorization !== authorizationToken
          ? 401
          : 200;
    if (status !== 200) {
      refused += 1;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ Code: status === 401 ? 'AccessDenied' : 'NotFound' }));
      return;
    }
    const credentials: IssuedAwsCredentials = {
      accessKeyId: `ASIACONTAINER${String(issued.length + 1).padStart(4, '0')}`,
      secretAccessKey: randomBytes(20).toString('base64'),
      sessionToken: randomBytes(32).toString('base64'),
      expiration: new Date(Date.now() + options.lifetimeMs),
    };
    options.issue(credentials);
    issued.push(credentials);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        AccessKeyId: credentials.accessKeyId,
        SecretAccessKey: credentials.secretAccessKey,
        Token: credentials.sessionToken,
        Expiration: credentials.expiration.toISOString(),
      }),
    );
  });

  const port = await listen(server, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}${PATH}`,
    authorizationToken,
    issued,
    get refused() {
      return refused;
    },
    close: () => closeServer(server),
  };
}
