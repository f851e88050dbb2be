import type { FlavorOptions } from '../backend-options.js';
import type { VaultBackendOptions } from './vault-backend.js';

/** The `vault` back-end's options but its timeout. */
export type VaultOptions = Omit<VaultBackendOptions, 'timeoutMs'>;

/**
 * The `vault` flavor's options (the `hashicorp` store's): url (store: `vault_addr`), a token
 * (store: `vault_token`) or AppRole role_id + secret_id (+ approle_mount), exactly one of them;
 * mount_point, vault_namespace (store: also `namespace`), ca_cert.
 */
export const vaultOptions: FlavorOptions<VaultOptions> = {
  parse(read) {
    const url = read.required('url');
    read.together(['role_id', 'secret_id']);
    read.eitherOr(['token'], ['role_id', 'secret_id']);
    const roleId = read.text('role_id');
    const secretId = read.text('secret_id');
    return {
      url,
      token: read.text('token'),
      appRole:
        roleId || secretId
          ? { roleId: roleId ?? '', secretId: secretId ?? '', mount: read.text('approle_mount') }
          : undefined,
      mountPoint: read.text('mount_point'),
      namespace: read.text('vault_namespace'),
      caCert: read.text('ca_cert'),
    };
  },
  sensitiveFields: ['token', 'secret_id'],
  storeNames: {
    url: ['vault_addr', 'url'],
    token: ['vault_token', 'token'],
    vault_namespace: ['vault_namespace', 'namespace'],
  },
};
