import type { FlavorOptions } from '../backend-options.js';
import type { AzureBackendOptions } from './azure-backend.js';

/** The `azure` back-end's options but its timeout. */
export type AzureOptions = Omit<AzureBackendOptions, 'timeoutMs'>;

/**
 * The `azure` flavor's options: vault_url, else key_vault_name (`https://<name>.vault.azure.net`);
 * a service principal (tenant_id, client_id, client_secret; the store also reads their `azure_`
 * spellings): all three or none (the default Azure credential); authority_host, allow_insecure.
 */
export const azureOptions: FlavorOptions<AzureOptions> = {
  parse(read) {
    const vaultUrl = read.text('vault_url') ?? `https://${read.required('key_vault_name')}.vault.azure.net`;
    read.together(['tenant_id', 'client_id', 'client_secret'], 'the default Azure credential');
    return {
      vaultUrl,
      tenantId: read.text('tenant_id'),
      clientId: read.text('client_id'),
      clientSecret: read.text('client_secret'),
      authorityHost: read.text('authority_host'),
      allowInsecure: read.flag('allow_insecure'),
    };
  },
  sensitiveFields: ['client_secret'],
  storeNames: {
    tenant_id: ['tenant_id', 'azure_tenant_id'],
    client_id: ['client_id', 'azure_client_id'],
    client_secret: ['client_secret', 'azure_client_secret'],
  },
};
