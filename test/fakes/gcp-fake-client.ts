/** Real Secret Manager clients for tests of the GCP fake. */
import { createRequire } from 'node:module';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import type { grpc as GaxGrpc } from 'google-gax';

// google-gax is CommonJS; requiring it gives the very grpc module the client uses, so the
// credentials built with it pass the client's `instanceof` checks.
const require = createRequire(import.meta.url);
export const { grpc } = require('google-gax') as { grpc: typeof GaxGrpc };

/** Options for each call: bounded, and no retries, so a refused call fails at once. */
export const CALL_OPTIONS = { timeout: 5_000, maxRetries: 0 };

/** A real client of the fake listening on 127.0.0.1:`port`, connecting with `sslCreds`. */
export function fakeClient(port: number, sslCreds: GaxGrpc.ChannelCredentials): SecretManagerServiceClient {
  return new SecretManagerServiceClient({
    apiEndpoint: '127.0.0.1',
    port,
    sslCreds,
    universeDomain: 'googleapis.com',
  });
}
