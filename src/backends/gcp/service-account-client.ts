import { JWT } from 'google-auth-library';
import type { EndpointPolicy } from '../../security/endpoint-policy.js';
import { checkResolvedHost } from '../../security/guarded-connections.js';
import { GOOGLE_TOKEN_URI, type ServiceAccountKey } from './service-account-key.js';

/** The scope Secret Manager needs. */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

const portOf = (url: URL) => Number(url.port) || (url.protocol === 'http:' ? 80 : 443);

/**
 * google-auth-library's JWT client for a service-account key: OAuth 2.0 jwt-bearer sign-in (an
 * assertion signed with the key, exchanged for an access token it caches and renews ahead of
 * expiry), never the self-signed-JWT shortcut.
 *
 * google-auth-library 11 always posts the assertion to Google's endpoint with that endpoint as
 * `aud`; Google's Python and Java libraries use the key's `token_uri` instead, and so does this
 * client: the audience claim and the request's URL follow the key. For keys Google issues both
 * are Google's endpoint, as before. With `endpoints`, another token endpoint's resolved address
 * is checked before each sign-in.
 */
export function serviceAccountClient(key: ServiceAccountKey, endpoints?: EndpointPolicy): JWT {
  const client = new JWT({
    email: key.clientEmail,
    key: key.privateKey,
    keyId: key.privateKeyId,
    scopes: [CLOUD_PLATFORM_SCOPE],
    additionalClaims: { aud: key.tokenUri },
  });
  // With scopes and this off, getRequestHeaders signs in at the token endpoint (no self-signed JWT).
  client.useJWTAccessWithScope = false;
  if (key.tokenUri !== GOOGLE_TOKEN_URI) {
    client.transporter.interceptors.request.add({
      resolved: async (request) => {
        if (request.url.href === GOOGLE_TOKEN_URI) request.url = new URL(key.tokenUri);
        // google-auth-library connects itself: resolved and checked just before (see checkResolvedHost).
        if (endpoints) await checkResolvedHost(endpoints, request.url.hostname, portOf(request.url));
        return request;
      },
    });
  }
  return client;
}
