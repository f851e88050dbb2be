import { BadUserInputError } from '../../errors.js';
import type { ManagedSecretsService, SecretsManager } from '../managed-secrets/managed-secrets-service.js';

/**
 * The source secrets to consider: the given names (deduplicated; BAD_USER_INPUT naming each
 * one absent from the manager) or, with none given, all of the manager's.
 */
export async function sourceNames(
  managedSecrets: Pick<ManagedSecretsService, 'listNames'>,
  manager: SecretsManager,
  names?: string[] | null,
): Promise<string[]> {
  const all = await managedSecrets.listNames(manager);
  if (!names?.length) return all;
  const present = new Set(all);
  const missing = names.filter((n) => !present.has(n));
  if (missing.length) {
    throw new BadUserInputError(
      `Secrets not found in secrets manager "${manager.component.name}": ${missing.join(', ')}`,
      missing.map((n) => ({ path: 'names', message: `no secret named "${n}" in the source` })),
    );
  }
  return [...new Set(names)];
}
