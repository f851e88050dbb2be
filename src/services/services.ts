import type { SecretSchemaRegistry } from '../schemas/secret-schemas.js';
import type { AuditService } from './audit/audit-service.js';
import type { AuditSinksService } from './audit/sinks/audit-sinks-service.js';
import type { SecretChangeFeed } from './changes/secret-change-feed.js';
import type { KeyRotationService } from './keys/key-rotation-service.js';
import type { ManagedSecretsService } from './managed-secrets/managed-secrets-service.js';
import type { MigrationService } from './migration/migration-service.js';
import type { ValueReadLimiter } from './rate-limit/value-read-limiter.js';
import type { ReferencesService } from './references/references-service.js';
import type { SecretsService } from './secrets/secrets-service.js';
import type { ComponentsService } from './stacks/components-service.js';
import type { StacksService } from './stacks/stacks-service.js';
import type { SubscriptionRegistry } from './subscriptions/subscription-registry.js';
import type { TokensService } from './tokens/tokens-service.js';

/** Every service, as wired by the composition root. */
export interface Services {
  audit: AuditService;
  /** Where each configured audit sink stands (lag, last error). */
  auditSinks: AuditSinksService;
  tokens: TokensService;
  stacks: StacksService;
  components: ComponentsService;
  secrets: SecretsService;
  references: ReferencesService;
  /** `secretChanges`: the secrets' change feed over the audit feed. */
  secretChanges: SecretChangeFeed;
  keys: KeyRotationService;
  schemas: SecretSchemaRegistry;
  managedSecrets: ManagedSecretsService;
  migrations: MigrationService;
  /** Per-principal rate of secret value reads, taken where values are resolved. */
  valueReads: ValueReadLimiter;
  /** Open subscriptions on this replica: capped, and ended when their token or role changes. */
  subscriptions: SubscriptionRegistry;
}
