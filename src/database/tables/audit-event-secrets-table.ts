/** Secret names inside an event's `target.secrets` array (filled by a trigger; for `secretName` filters). */
export interface AuditEventSecretsTable {
  secret_name: string;
  event_id: string;
  action: string;
  actor: string;
}
