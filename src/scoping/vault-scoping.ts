import { createPathScoping } from './path-scoping.js';

/**
 * HashiCorp Vault KV v2 (ZenML `integrations/vault/secrets_manager/vault_secrets_manager.py`,
 * `flavors/vault_secrets_manager_flavor.py`): path `zenml/<scope>[/<uuid or ns>]/<name>` under
 * the mount (bare name at the mount root for none), data = content + `zenml_schema_name`, no
 * metadata. Listing is the scope's directory; entries with a `/` left (sub-directories) are
 * not secrets of the scope.
 */
export const vaultScoping = createPathScoping({
  flavor: 'vault',
  where: 'Vault secrets manager',
  nameRule: {
    // `.` and `..` would be path segments that leave the scope's folder.
    pattern: /^(?!\.{1,2}$)[a-zA-Z0-9_+=.@-]+$/,
    description:
      'Vault secret names and namespaces may contain only letters, digits and the characters _+=.@- ([a-zA-Z0-9_+=.@-]+; / separates scopes), and may not be "." or ".."',
  },
  writesMetadata: false,
});
