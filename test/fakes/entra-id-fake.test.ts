import { ClientSecretCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ENTRA_ID_APP, type EntraIdFake, startEntraIdFake } from './entra-id-fake.ts';

const VAULT_SCOPE = 'https://vault.azure.net/.default';

let entra: EntraIdFake;

beforeAll(async () => {
  entra = await startEntraIdFake();
});
afterAll(() => entra.close());

/** A client-credentials request to the fake's token endpoint: status and JSON body. */
async function tokenRequest(fields: Record<string, string>, tenantId = entra.app.tenantId) {
  const response = await fetch(`${entra.authorityHost}/${tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: VAULT_SCOPE, ...fields }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('Entra ID fake: discovery and the client-credentials grant', () => {
  it('serves the OpenID configuration of a known tenant over HTTPS, and invalid_tenant for others', async () => {
    const { tenantId } = entra.app;
    expect(entra.authorityHost).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const known = await fetch(`${entra.authorityHost}/${tenantId}/v2.0/.well-known/openid-configuration`);
    expect(known.status).toBe(200);
    expect(await known.json()).toMatchObject({
      issuer: `${entra.authorityHost}/${tenantId}/v2.0`,
      token_endpoint: `${entra.authorityHost}/${tenantId}/oauth2/v2.0/token`,
      jwks_uri: expect.any(String),
      authorization_endpoint: expect.any(String),
    });
    const unknown = await fetch(`${entra.authorityHost}/not-a-tenant/v2.0/.well-known/openid-configuration`);
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
  });

  it('issues a token only for the registered tenant, client and secret, with Entra’s error shapes', async () => {
    const { clientId, clientSecret } = DEFAULT_ENTRA_ID_APP;
    const good = await tokenRequest({ client_id: clientId, client_secret: clientSecret });
    expect(good).toMatchObject({
      status: 200,
      body: { token_type: 'Bearer', expires_in: 3600, access_token: expect.stringMatching(/^eyJ/) },
    });
    expect(entra.issued.at(-1)).toMatchObject({ clientId, audience: 'https://vault.azure.net' });

    const wrongSecret = await tokenRequest({ client_id: clientId, client_secret: 'not-the-secret' });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    expect(wrongSecret.body.error_description).toMatch(/^AADSTS7000215: Invalid client secret provided\./);
    expect(JSON.stringify(wrongSecret.body)).not.toContain('not-the-secret');

    const unknownClient = await tokenRequest({ client_id: 'someone-else', client_secret: clientSecret });
    expect(unknownClient).toMatchObject({
      status: 400,
      body: { error: 'unauthorized_client', error_codes: [700016] },
    });
    const otherTenant = await tokenRequest(
      { client_id: clientId, client_secret: clientSecret },
      'other-tenant',
    );
    expect(otherTenant).toMatchObject({ status: 400, body: { error: 'invalid_tenant' } });
    const noDefault = await tokenRequest({
      client_id: clientId,
      client_secret: clientSecret,
      scope: 'openid',
    });
    expect(noDefault).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
    expect(entra.issued.filter((t) => t.token === good.body.access_token)).toHaveLength(1);
  });

  it('signs the real ClientSecretCredential in with the lifetime set, and refuses it a wrong secret', async () => {
    const app = entra.register({ tenantId: entra.app.tenantId });
    entra.tokenLifetimeSeconds = 120;
    try {
      const options = { authorityHost: entra.authorityHost, disableInstanceDiscovery: true };
      const credential = new ClientSecretCredential(app.tenantId, app.clientId, app.clientSecret, options);
      const before = Date.now();
      const token = await credential.getToken(VAULT_SCOPE);
      expect(entra.issued.at(-1)?.token).toBe(token.token);
      expect(token.expiresOnTimestamp - before).toBeGreaterThan(110_000);
      expect(token.expiresOnTimestamp - before).toBeLessThan(130_000);
      const wrong = new ClientSecretCredential(app.tenantId, app.clientId, `${app.clientSecret}x`, options);
      await expect(wrong.getToken(VAULT_SCOPE)).rejects.toThrow(/invalid_client.*AADSTS7000215/);
    } finally {
      entra.tokenLifetimeSeconds = 3600;
    }
  });
});
