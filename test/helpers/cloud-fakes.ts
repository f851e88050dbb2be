import { type AwsSecretsManagerFake, startAwsSecretsManagerFake } from '../fakes/aws-secrets-manager-fake.js';
import { type AzureKeyVaultFake, startAzureKeyVaultFake } from '../fakes/azure-key-vault-fake.js';
import { type GcpSecretManagerFake, startGcpSecretManagerFake } from '../fakes/gcp-secret-manager-fake.js';
import { startVaultKvFake, type VaultKvFake } from '../fakes/vault-kv-fake.js';

export type ManagerFlavor = 'local' | 'aws' | 'gcp' | 'azure' | 'vault';
export const MANAGER_FLAVORS: ManagerFlavor[] = ['local', 'aws', 'gcp', 'azure', 'vault'];
export const CLOUD_FLAVORS: ManagerFlavor[] = ['aws', 'gcp', 'azure', 'vault'];

export interface CloudFakes {
  aws: AwsSecretsManagerFake;
  gcp: GcpSecretManagerFake;
  azure: AzureKeyVaultFake;
  vault: VaultKvFake;
  /** A secrets manager configuration pointing at this flavor's fake. */
  managerConfig(
    flavor: ManagerFlavor,
    scope?: { scope?: string; namespace?: string },
  ): Record<string, unknown>;
  /** Writes a global-scope secret straight into a fake, in ZenML's format. */
  seedGlobal(flavor: ManagerFlavor, name: string, values: Record<string, string>, schema?: string): void;
  close(): Promise<void>;
}

/** The four cloud fakes on random local ports. */
export async function startCloudFakes(options: { delayMs?: number } = {}): Promise<CloudFakes> {
  const [aws, gcp, azure, vault] = await Promise.all([
    startAwsSecretsManagerFake(options),
    startGcpSecretManagerFake(options),
    startAzureKeyVaultFake(options),
    startVaultKvFake(options),
  ]);
  return {
    aws,
    gcp,
    azure,
    vault,
    managerConfig(flavor, scope = {}) {
      const common = {
        ...(scope.scope ? { scope: scope.scope } : {}),
        ...(scope.namespace ? { namespace: scope.namespace } : {}),
      };
      switch (flavor) {
        case 'aws':
          return {
            region_name: 'us-east-1',
            endpoint_url: aws.url,
            aws_access_key_id: aws.credentials.accessKeyId,
            aws_secret_access_key: aws.credentials.secretAccessKey,
            ...common,
          };
        case 'gcp':
          return { project_id: 'test-project', api_endpoint: gcp.endpoint, insecure: true, ...common };
        case 'azure':
          return {
            key_vault_name: 'test-vault',
            vault_url: azure.url,
            allow_insecure: true,
            ...azure.signInFields,
            ...common,
          };
        case 'vault':
          return { url: vault.url, token: vault.token, ...common };
        default:
          return { ...common };
      }
    },
    seedGlobal(flavor, name, values, schema = 'arbitrary') {
      const content = { ...values, zenml_schema_name: schema };
      const payload = JSON.stringify(content);
      const tags = { zenml_scope: 'global', zenml_secret_name: name, zenml_secret_schema: schema };
      if (flavor === 'aws') {
        aws.put(`zenml/global/${name}`, payload, {
          tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        });
      } else if (flavor === 'gcp') {
        gcp.put(`projects/test-project/secrets/zenml-global-${name}`, { labels: tags, versions: [payload] });
      } else if (flavor === 'azure') {
        azure.put(`zenml-global-${name}`, payload, { tags });
      } else if (flavor === 'vault') {
        vault.put('secret', `zenml/global/${name}`, content);
      } else {
        throw new Error(`seedGlobal: ${flavor} is not a cloud flavor`);
      }
    },
    async close() {
      await Promise.all([aws.close(), gcp.close(), azure.close(), vault.close()]);
    },
  };
}
