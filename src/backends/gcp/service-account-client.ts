import { JWT } from 'google-auth-library';
import { GOOGLE_TOKEN_URI, type ServiceAccountKey } from './service-account-key.js';

/** The scope Secret Manager needs. */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/**
 * google-auth-library's JWT client for a service-account key: OAuth 2.0 jwt-bearer sign-in (an
 * assertion signed with the key, exchanged for an access token it caches and renews ahead of
 * expiry), never the self-signed-JWT shortcut.
 *
 * google-auth-library 11 always posts the assertion to Google's endpoint with that endpoint as
 * `aud`; Google's Python and Java libraries use the key's `token_uri` instead, and so does this
 * client: the audience claim and the request's URL follow the key. For keys Google issues both
 * are Google's endpoint, as before.
 */
export function serviceAccountClient(key: ServiceAccountKey): JWT {
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
        return request;
      },
    });
  }
  return client;
}
