import type { Principal } from '../../auth/principal.js';
import type { Db } from '../../database/database.js';
import type { Logger } from '../../logger.js';
import type { GatewayMetrics } from '../../metrics/gateway-metrics.js';
import type { AuditService } from '../audit/audit-service.js';
import type {
  ManagedSecret,
  ManagedSecretsService,
  SecretsManager,
} from '../managed-secrets/managed-secrets-service.js';
import type { StoredSecrets } from '../secrets/stored-secrets.js';
import type { ComponentsService } from '../stacks/components-service.js';
import type { TokensService } from '../tokens/tokens-service.js';
import type { ListingHandoff } from './listing-handoff.js';
import type { Migration, MigrationItem } from './migration.js';
import type { PreparedBatch } from './migration-batch.js';
import type { ProgressFeed } from './migration-progress.js';
import type { WritePacer } from './write-pacer.js';

/** What running a migration job needs: the stores on both sides, audit, progress and limits. */
export interface MigrationRunDeps {
  db: Db;
  log: Logger;
  audit: Pick<AuditService, 'audited'>;
  /** The centralized store the copies go to. */
  storedSecrets: Pick<
    StoredSecrets,
    | 'findManyInScope'
    | 'storedValues'
    | 'storedValuesMany'
    | 'createManyIn'
    | 'replaceIn'
    | 'journaled'
    | 'history'
  >;
  managedSecrets: Pick<ManagedSecretsService, 'managerOfComponent' | 'batchLoader' | 'entriesOf'>;
  components: Pick<ComponentsService, 'componentById'>;
  tokens: Pick<TokensService, 'findPrincipal'>;
  progress: Pick<ProgressFeed, 'publish'>;
  /** Batches of one job run at the same time. */
  parallelism: number;
  leaseMs: number;
  /** Counts item outcomes once they are committed. */
  metrics?: Pick<GatewayMetrics, 'migrationItem'>;
  /** The store's kind (`sql`, `aws` …): its writes are paced when remote. */
  storeKind: string;
  /** SGW_MIGRATION_WRITES_PER_SECOND: undefined for each back-end's quota, 0 unpaced. */
  writesPerSecond?: number;
  /** Start listings made in this process, taken by a job's first run instead of listing again. */
  listings?: Pick<ListingHandoff, 'take'>;
  /** This worker's lease owner (host:pid:random), also named in each item's audit event. */
  owner: string;
}

/** A claimed job with its source opened: the owner, the source manager and the items still to run. */
export interface JobRun {
  /** The job; `done` counts up as items are saved. */
  job: Migration;
  principal: Principal;
  manager: SecretsManager;
  /** Loads many source secrets in one go where the back-end can (absent ones are left out). */
  loadMany: (names: string[]) => Promise<Map<string, ManagedSecret>>;
  /** Pending items not yet taken by a batch loop. */
  queue: MigrationItem[];
  /** Items per transaction: a whole batch where the source reads in batches, else one. */
  batchSize: number;
  /** Commits a prepared batch together with the others ready at the same time (groupCommit). */
  commitGrouped: (prepared: PreparedBatch) => Promise<void>;
  /** Paces this run's writes: deletes on the source manager, copies to a remote store. */
  pacing: { source: WritePacer; store: WritePacer };
}
