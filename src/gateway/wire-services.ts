import type { Authorize } from '../auth/authorize.js';
import type { CentralStore } from '../backends/central-store.js';
import { SecretSchemaRegistry } from '../schemas/secret-schemas.js';
import { endpointPolicyOf } from '../security/endpoint-policy.js';
import type { AuditService } from '../services/audit/audit-service.js';
import { configuredSinkNames } from '../services/audit/sinks/audit-sinks.js';
import { createAuditSinksService } from '../services/audit/sinks/audit-sinks-service.js';
import { createSecretChangeFeed } from '../services/changes/secret-change-feed.js';
import { createKeyRotationService } from '../services/keys/key-rotation-service.js';
import {
  createManagedSecretsService,
  type ManagedSecretsService,
} from '../services/managed-secrets/managed-secrets-service.js';
import { managerSecretSource } from '../services/managed-secrets/manager-secret-source.js';
import { createListingHandoff } from '../services/migration/listing-handoff.js';
import { createProgressFeed } from '../services/migration/migration-progress.js';
import { createMigrationService } from '../services/migration/migration-service.js';
import { createMigrationWorker, type MigrationWorker } from '../services/migration/migration-worker.js';
import { createValueReadLimiter } from '../services/rate-limit/value-read-limiter.js';
import { createReferencesService } from '../services/references/references-service.js';
import { createSecretPurger, type SecretPurger } from '../services/secrets/secret-purger.js';
import { createSecretsService } from '../services/secrets/secrets-service.js';
import { createOrphanCollector, type OrphanCollector } from '../services/secrets/store-orphan-collector.js';
import { createStoredSecrets, type StoredSecrets } from '../services/secrets/stored-secrets.js';
import type { Services } from '../services/services.js';
import { type ComponentsService, createComponentsService } from '../services/stacks/components-service.js';
import { createStacksService } from '../services/stacks/stacks-service.js';
import type { SubscriptionRegistry } from '../services/subscriptions/subscription-registry.js';
import type { TokensService } from '../services/tokens/tokens-service.js';
import type { Infrastructure } from './infrastructure.js';

/** What the domain services are built on: the infrastructure, the store, audit and tokens. */
export interface ServiceFoundation {
  infra: Infrastructure;
  store: CentralStore;
  /** Reseals the SQL store's entries under the active key (absent for a remote store). */
  resealStore: (() => Promise<number>) | undefined;
  audit: AuditService;
  authorize: Authorize;
  tokens: TokensService;
  /** The subscriptions open on this replica (capped; ended on revocation). */
  subscriptions: SubscriptionRegistry;
}

/**
 * Builds every domain service in dependency order, with no cycle: stacks → stored secrets →
 * secrets → managed secrets → references → components (reference check) → key rotation →
 * migration (worker first, the service kicks it); the change feed over audit and references.
 */
export function wireServices(base: ServiceFoundation): {
  services: Services;
  worker: MigrationWorker;
  /** Background passes, one replica at a time: the store's orphan collector, the purger of expired deleted secrets. */
  collectors: Array<Pick<OrphanCollector & SecretPurger, 'start' | 'stop'>>;
} {
  const { infra, store, audit, authorize, tokens } = base;
  const { db, config, keys, metrics } = infra;
  const schemas = new SecretSchemaRegistry();
  const endpoints = endpointPolicyOf(config);
  const stacks = createStacksService({ db, keyring: keys.keyring, audit, authorize });
  const storedSecrets = createStoredSecrets({
    db,
    store,
    versionsKept: config.secretVersionsKept,
    onAdoptionError: (error) =>
      infra.log.warn('adopting ZenML store entries failed', { error: (error as Error)?.name ?? 'Error' }),
  });
  const secrets = createSecretsService({
    ...{ db, store, schemas, audit, authorize, stored: storedSecrets },
    recoveryDays: config.secretRecoveryDays,
  });
  const managedSecrets = createManagedSecretsService({
    stacks,
    audit,
    authorize,
    schemas,
    dataDir: config.dataDir,
    timeoutMs: config.backendTimeoutMs,
    endpoints,
    metrics,
  });
  const references = createReferencesService({
    ...{ db, keyring: keys.keyring, secrets: storedSecrets, stacks, audit, authorize },
    ...{ validationLevel: config.secretValidationLevel, managerSecrets: managerSecretSource(managedSecrets) },
  });
  const components = createComponentsService({
    db,
    keyring: keys.keyring,
    audit,
    authorize,
    checkReferences: references.check,
    endpoints,
  });
  const keyRotation = createKeyRotationService({
    audit,
    authorize,
    components,
    resealStore: base.resealStore,
    activeKeyId: keys.keyring.activeKeyId,
  });
  const { migrations, worker } = wireMigration(base, { storedSecrets, managedSecrets, components });
  const valueReads = createValueReadLimiter({
    readsPerSecond: config.valueReadsPerSecond,
    burst: config.valueReadsBurst,
    metrics,
  });
  const changeFeedDeps = { authorize, subscribe: audit.subscribe, usesOf: references.usesOf };
  const secretChanges = createSecretChangeFeed(changeFeedDeps);
  const auditSinks = createAuditSinksService({ db, authorize, names: configuredSinkNames(config) });
  const services: Services = {
    ...{ audit, auditSinks, tokens, stacks, components, secrets, references, keys: keyRotation, schemas },
    ...{ managedSecrets, migrations, valueReads, subscriptions: base.subscriptions, secretChanges },
  };
  const collector = createOrphanCollector({
    ...{ db, store, log: infra.log },
    graceMs: config.storeCollectGraceMs,
    intervalMs: config.storeCollectIntervalMs,
  });
  const purger = createSecretPurger({
    ...{ db, store, audit, stored: storedSecrets, log: infra.log },
    intervalMs: config.secretPurgeIntervalMs,
  });
  return { services, worker, collectors: [collector, purger] };
}

/** The migration worker, then the service that queues jobs and kicks it. */
function wireMigration(
  base: ServiceFoundation,
  parts: {
    storedSecrets: StoredSecrets;
    managedSecrets: ManagedSecretsService;
    components: ComponentsService;
  },
) {
  const { infra, audit, authorize, tokens } = base;
  const { db, log, bus, channels, config, metrics } = infra;
  const progress = createProgressFeed({ bus, channels });
  const listings = createListingHandoff();
  const worker = createMigrationWorker({
    ...{ db, log, audit, tokens, progress, metrics, listings },
    ...parts,
    parallelism: config.migrationParallelism,
    leaseMs: config.migrationLeaseMs,
    storeKind: base.store.kind,
    writesPerSecond: config.migrationWritesPerSecond,
  });
  const migrations = createMigrationService({
    ...{ db, audit, authorize, progress },
    managedSecrets: parts.managedSecrets,
    storedSecrets: parts.storedSecrets,
    listings,
    onQueued: worker.kick,
  });
  return { migrations, worker };
}
