import type { Kysely, Transaction } from 'kysely';
import type { ActiveStacksTable } from './tables/active-stacks-table.js';
import type { AuditCheckpointsTable, AuditVerificationTable } from './tables/audit-checkpoints-table.js';
import type { AuditEventSecretsTable } from './tables/audit-event-secrets-table.js';
import type {
  AuditEventsTable,
  AuditHeadTable,
  AuditPendingTable,
  AuditUnpublishedTable,
} from './tables/audit-events-table.js';
import type { AuditSinkCursorsTable } from './tables/audit-sink-cursors-table.js';
import type { ComponentsTable } from './tables/components-table.js';
import type { MigrationItemsTable } from './tables/migration-items-table.js';
import type { MigrationJobsTable } from './tables/migration-jobs-table.js';
import type { PrincipalsTable } from './tables/principals-table.js';
import type { SecretValueVersionsTable } from './tables/secret-value-versions-table.js';
import type { SecretValuesTable } from './tables/secret-values-table.js';
import type { SecretVersionsTable } from './tables/secret-versions-table.js';
import type { SecretsTable } from './tables/secrets-table.js';
import type { StackComponentsTable } from './tables/stack-components-table.js';
import type { StacksTable } from './tables/stacks-table.js';
import type { StoreIdentityTable } from './tables/store-identity-table.js';
import type { StoreCollectorLeaseTable, StoreWriteIntentsTable } from './tables/store-write-intents-table.js';
import type { TokensTable } from './tables/tokens-table.js';

/** Every table of the gateway's database. */
export interface Database {
  principals: PrincipalsTable;
  tokens: TokensTable;
  components: ComponentsTable;
  stacks: StacksTable;
  stack_components: StackComponentsTable;
  active_stacks: ActiveStacksTable;
  secrets: SecretsTable;
  secret_values: SecretValuesTable;
  secret_versions: SecretVersionsTable;
  secret_value_versions: SecretValueVersionsTable;
  audit_events: AuditEventsTable;
  audit_head: AuditHeadTable;
  audit_pending: AuditPendingTable;
  audit_unpublished: AuditUnpublishedTable;
  audit_sink_cursors: AuditSinkCursorsTable;
  audit_checkpoints: AuditCheckpointsTable;
  audit_verification: AuditVerificationTable;
  audit_event_secrets: AuditEventSecretsTable;
  migration_jobs: MigrationJobsTable;
  migration_items: MigrationItemsTable;
  store_identity: StoreIdentityTable;
  store_write_intents: StoreWriteIntentsTable;
  store_collector_lease: StoreCollectorLeaseTable;
}

export type Db = Kysely<Database>;
/** A database handle or a transaction: repositories accept either. */
export type Executor = Kysely<Database> | Transaction<Database>;
