import type { Principal } from '../../auth/principal.js';
import type { SecretScope } from './secret.js';
import { type Secret, secretFromRow } from './secret.js';
import { decodeSecretCursor, encodeSecretCursor } from './secret-cursor.js';
import { checkInput, DEFAULT_PAGE, getSecretInputSchema, listSecretsInputSchema } from './secret-inputs.js';
import * as repo from './secrets-repository.js';
import type { SecretPage, SecretsServiceDeps } from './secrets-service.js';

/** What the metadata queries use. */
export type SecretQueryDeps = Pick<SecretsServiceDeps, 'db' | 'authorize' | 'stored'>;

/** Arguments of `listSecrets`. */
export interface ListSecretsArgs {
  name?: string | null;
  scope?: SecretScope | null;
  first?: number | null;
  after?: string | null;
}

/** The secret's metadata (no values); undefined when absent or not visible. FORBIDDEN, BAD_USER_INPUT. */
export async function getSecret(
  deps: SecretQueryDeps,
  principal: Principal,
  name: string,
  scope?: SecretScope | null,
): Promise<Secret | undefined> {
  await deps.authorize(principal, 'secret.read', {
    action: 'secret.get',
    target: { kind: 'secret', name, scope },
  });
  checkInput(getSecretInputSchema, { scope, name }, 'Invalid secret lookup');
  return deps.stored.findVisible(principal, name, scope);
}

/** A page of the secrets visible to the principal, by name then id. FORBIDDEN, BAD_USER_INPUT. */
export async function listSecrets(
  deps: SecretQueryDeps,
  principal: Principal,
  args: ListSecretsArgs,
): Promise<SecretPage> {
  await deps.authorize(principal, 'secret.read', { action: 'secret.list', target: { kind: 'secret' } });
  checkInput(listSecretsInputSchema, { scope: args.scope, first: args.first }, 'Invalid secret listing');
  const first = args.first ?? DEFAULT_PAGE;
  await deps.stored.adoptStoreEntries();
  const rows = await repo.listSecrets(deps.db, {
    viewerId: principal.id,
    seesAllUsers: principal.role === 'ADMIN',
    name: args.name,
    scope: args.scope,
    after: args.after ? decodeSecretCursor(args.after) : null,
    limit: first + 1,
  });
  const secrets = rows.slice(0, first).map(secretFromRow);
  return {
    secrets,
    hasNextPage: rows.length > first,
    endCursor: secrets.length ? encodeSecretCursor(secrets[secrets.length - 1]) : null,
  };
}
