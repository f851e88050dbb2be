/** The SQL store's kept values of a secret's earlier versions (migration 0011), sealed like `secret_values`. */
export interface SecretValueVersionsTable {
  name: string;
  version: number;
  key_id: string;
  /** base64(iv ‖ tag ‖ AES-256-GCM ciphertext) of the JSON values; AAD = the entry name. */
  values: string;
}
