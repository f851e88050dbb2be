import { z } from 'zod';
import type { Authorize } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import { BadUserInputError, issuesFromZod } from '../../errors.js';
import { sameSecretValues } from '../../schemas/secret-values-input.js';
import type { ManagedSecretsService } from '../managed-secrets/managed-secrets-service.js';
import { SECRET_SCOPES, type SecretScope } from '../secrets/secret.js';
import type { StoredSecrets } from '../secrets/stored-secrets.js';
import { sourceNames } from './migration-source-names.js';

export interface MigrationPlanItem {
  name: string;
  status: 'NEW' | 'IDENTICAL' | 'CONFLICT';
}

/** What to plan: a stack's secrets manager (default: active), some names (default: all), the target scope. */
export interface MigrationPlanArgs {
  stack?: string | null;
  names?: string[] | null;
  targetScope: SecretScope;
}

export interface MigrationPlanDeps {
  authorize: Authorize;
  managedSecrets: Pick<ManagedSecretsService, 'managerOf' | 'listScope' | 'load'>;
  storedSecrets: Pick<StoredSecrets, 'findManyInScope' | 'storedValues'>;
}

/** A target scope, one of SECRET_SCOPES. */
export const targetScopeSchema = z.enum(SECRET_SCOPES, {
  error: `must be one of ${SECRET_SCOPES.join(', ')}`,
});

/**
 * Classifies each source secret against the target scope: NEW, IDENTICAL or CONFLICT. Needs
 * `migration.run` and `secret.values`; BAD_USER_INPUT for a bad scope or an absent name.
 */
export async function planMigration(
  deps: MigrationPlanDeps,
  principal: Principal,
  args: MigrationPlanArgs,
): Promise<MigrationPlanItem[]> {
  const { authorize, managedSecrets, storedSecrets } = deps;
  const target = { kind: 'migration', stack: args.stack };
  await authorize(principal, 'migration.run', { action: 'migration.plan', target });
  await authorize(principal, 'secret.values', { action: 'migration.plan', target });
  const scope = targetScopeSchema.safeParse(args.targetScope);
  if (!scope.success)
    throw new BadUserInputError('Invalid migration plan', issuesFromZod(scope.error.issues, 'targetScope'));
  const manager = await managedSecrets.managerOf(principal, args.stack);
  const names = await sourceNames(managedSecrets, manager, args.names);
  const found = await storedSecrets.findManyInScope(principal, names, args.targetScope);
  const out: MigrationPlanItem[] = [];
  for (const name of names) {
    const existing = found.get(name);
    if (!existing) {
      out.push({ name, status: 'NEW' });
      continue;
    }
    const source = await managedSecrets.load(manager, name);
    const stored = await storedSecrets.storedValues(existing);
    out.push({
      name,
      status: source && sameSecretValues(source.values, stored) ? 'IDENTICAL' : 'CONFLICT',
    });
  }
  return out;
}
