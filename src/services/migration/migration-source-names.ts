import type { SecretMetadata } from '../../backends/backend.js';
import { BadUserInputError } from '../../errors.js';
import type { ManagedSecretsService, SecretsManager } from '../managed-secrets/managed-secrets-service.js';

/** The source secrets to consider and the scope listing they were found in (`listed`: entry metadata). */
export interface SourceListing {
  names: string[];
  listed: Map<string, SecretMetadata>;
}

/**
 * The source secrets to consider: the given names (deduplicated; BAD_USER_INPUT naming each
 * one absent from the manager) or, with none given, all of the manager's; from one listing.
 */
export async function sourceListing(
  managedSecrets: Pick<ManagedSecretsService, 'listScope'>,
  manager: SecretsManager,
  names?: string[] | null,
): Promise<SourceListing> {
  const { names: all, listed } = await managedSecrets.listScope(manager);
  if (!names?.length) return { names: all, listed };
  const present = new Set(all);
  const missing = names.filter((n) => !present.has(n));
  if (missing.length) {
    throw new BadUserInputError(
      `Secrets not found in secrets manager "${manager.component.name}": ${missing.join(', ')}`,
      missing.map((n) => ({ path: 'names', message: `no secret named "${n}" in the source` })),
    );
  }
  return { names: [...new Set(names)], listed };
}

/** The source secrets to consider (sourceListing), names only. */
export async function sourceNames(
  managedSecrets: Pick<ManagedSecretsService, 'listScope'>,
  manager: SecretsManager,
  names?: string[] | null,
): Promise<string[]> {
  return (await sourceListing(managedSecrets, manager, names)).names;
}
