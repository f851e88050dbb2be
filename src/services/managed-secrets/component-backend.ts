import { createAwsBackend } from '../../backends/aws/aws-backend.js';
import { createAzureBackend } from '../../backends/azure/azure-backend.js';
import type { SecretBackend } from '../../backends/backend.js';
import { createGcpBackend } from '../../backends/gcp/gcp-backend.js';
import { guardBackend } from '../../backends/guard-backend.js';
import { createLocalBackend } from '../../backends/local/local-backend.js';
import { createVaultBackend } from '../../backends/vault/vault-backend.js';
import { BadUserInputError } from '../../errors.js';
import { localSecretsFilePath } from '../../flavors/local-secrets-file.js';
import type { Component } from '../stacks/component.js';

const text = (value: unknown): string | undefined =>
  value === undefined || value === null || value === '' ? undefined : String(value);

/** The back-end a secrets manager component talks to, from its configuration (bounded in time). */
export function backendForComponent(component: Component, dataDir: string, timeoutMs: number): SecretBackend {
  const c = component.configuration;
  switch (component.flavor) {
    case 'local':
      return createLocalBackend({
        file: localSecretsFilePath(dataDir, component.id, text(c.secrets_file)),
      });
    case 'aws':
      return guardBackend(
        createAwsBackend({
          region: String(c.region_name),
          endpoint: text(c.endpoint_url),
          accessKeyId: text(c.aws_access_key_id),
          secretAccessKey: text(c.aws_secret_access_key),
          sessionToken: text(c.aws_session_token),
          timeoutMs,
        }),
        { kind: 'aws', timeoutMs, sensitive: [text(c.aws_secret_access_key), text(c.aws_session_token)] },
      );
    case 'gcp':
      return guardBackend(
        createGcpBackend({
          projectId: String(c.project_id),
          apiEndpoint: text(c.api_endpoint),
          insecure: c.insecure === true,
          credentialsJson: text(c.credentials_json),
          caCert: text(c.ca_cert),
          timeoutMs,
        }),
        { kind: 'gcp', timeoutMs, sensitive: [text(c.credentials_json)] },
      );
    case 'azure':
      return guardBackend(
        createAzureBackend({
          vaultUrl: text(c.vault_url) ?? `https://${String(c.key_vault_name)}.vault.azure.net`,
          tenantId: text(c.tenant_id),
          clientId: text(c.client_id),
          clientSecret: text(c.client_secret),
          authorityHost: text(c.authority_host),
          allowInsecure: c.allow_insecure === true,
          timeoutMs,
        }),
        { kind: 'azure', timeoutMs, sensitive: [text(c.client_secret)] },
      );
    case 'vault':
      return guardBackend(
        createVaultBackend({
          url: String(c.url),
          token: text(c.token),
          appRole:
            text(c.role_id) || text(c.secret_id)
              ? {
                  roleId: text(c.role_id) ?? '',
                  secretId: text(c.secret_id) ?? '',
                  mount: text(c.approle_mount),
                }
              : undefined,
          mountPoint: text(c.mount_point),
          namespace: text(c.vault_namespace),
          caCert: text(c.ca_cert),
          timeoutMs,
        }),
        { kind: 'vault', timeoutMs, sensitive: [text(c.token), text(c.secret_id)] },
      );
    default:
      throw new BadUserInputError(`Secrets manager flavor "${component.flavor}" has no back-end`, [
        { path: 'flavor', message: `unknown secrets manager flavor "${component.flavor}"` },
      ]);
  }
}
