import type { ManagerSecretSource } from '../references/reference-lookup.js';
import type { ManagedSecretsService } from './managed-secrets-service.js';

/** Lets reference resolution read secrets from a stack's secrets manager. */
export function managerSecretSource(
  managed: Pick<ManagedSecretsService, 'managerOfStack' | 'load' | 'target'>,
): ManagerSecretSource {
  return {
    async find(_principal, stack, name, withValues) {
      const manager = managed.managerOfStack(stack);
      const secret = await managed.load(manager, name);
      if (!secret) return undefined;
      return {
        keys: secret.keys,
        values: withValues ? secret.values : undefined,
        target: { source: 'secrets_manager', ...managed.target(manager, name) },
      };
    },
  };
}
