import type { CloudFakes } from './cloud-fakes.js';

/** The store kinds backed by a cloud fake (everything with versions). */
export type RemoteStoreKindUnderTest = 'aws' | 'gcp' | 'azure' | 'hashicorp';
export const REMOTE_STORE_KINDS: RemoteStoreKindUnderTest[] = ['aws', 'gcp', 'azure', 'hashicorp'];

/** SGW_SECRETS_STORE and its SGW_SECRETS_STORE_<OPTION> variables for a store on one of the fakes. */
export function remoteStoreEnv(fakes: CloudFakes, kind: RemoteStoreKindUnderTest): Record<string, string> {
  const options = ((): Record<string, string> => {
    switch (kind) {
      case 'aws':
        return {
          region_name: 'us-east-1',
          endpoint_url: fakes.aws.url,
          aws_access_key_id: fakes.aws.credentials.accessKeyId,
          aws_secret_access_key: fakes.aws.credentials.secretAccessKey,
        };
      case 'gcp':
        return { project_id: 'test-project', api_endpoint: fakes.gcp.endpoint, insecure: 'true' };
      case 'azure':
        return { vault_url: fakes.azure.url, allow_insecure: 'true', ...fakes.azure.signInFields };
      case 'hashicorp':
        return { vault_addr: fakes.vault.url, vault_token: fakes.vault.token };
    }
  })();
  const env: Record<string, string> = { SGW_SECRETS_STORE: kind };
  for (const [name, value] of Object.entries(options)) env[`SGW_SECRETS_STORE_${name.toUpperCase()}`] = value;
  return env;
}
