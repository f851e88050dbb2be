import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Principal } from '../../auth/principal.js';
import type { SecretValues } from '../../backends/backend.js';
import type { Database } from '../../database/database.js';
import { AlreadyExistsError, BadUserInputError, type InputIssue } from '../../errors.js';
import { secretValuesInput } from '../../schemas/secret-values-input.js';
import type { RecordAudit } from '../audit/audit-service.js';
import { mergeChanges } from '../merge-changes.js';
import { type Secret, type SecretScope, secretAuditTarget } from './secret.js';
import type { WrittenSecretVersion } from './secret-history.js';
import {
  checkInput,
  createSecretInputSchema,
  inputIssues,
  renameSecretInputSchema,
  updateSecretInputSchema,
} from './secret-inputs.js';
import { writeVersion } from './secret-version-write.js';
import * as repo from './secrets-repository.js';
import type { CreateSecretInput, SecretsServiceDeps, UpdateSecretInput } from './secrets-service.js';
import { retryingCollected } from './store-write-journal.js';
import type { ValidatedSecret } from './stored-secret-writes.js';

/** What the writes use. */
export type SecretWriteDeps = Pick<
  SecretsServiceDeps,
  'store' | 'schemas' | 'audit' | 'authorize' | 'stored'
>;

/** Values checked against the secret schema `type`; problems (an unknown schema too) go to `issues`. */
function normalizedValues(
  deps: SecretWriteDeps,
  type: string,
  raw: Record<string, unknown>,
  issues: InputIssue[],
): SecretValues {
  try {
    return deps.schemas.normalize(deps.schemas.get(type), raw, issues);
  } catch (error) {
    if (!(error instanceof BadUserInputError)) throw error;
    issues.push(...error.issues);
    return {};
  }
}

/** Creates a secret owned by the principal. FORBIDDEN; BAD_USER_INPUT listing every problem; ALREADY_EXISTS. */
export async function createSecret(
  deps: SecretWriteDeps,
  principal: Principal,
  input: CreateSecretInput,
): Promise<Secret> {
  const scope = input.scope ?? 'WORKSPACE';
  await deps.authorize(principal, 'secret.write', {
    action: 'secret.create',
    target: { kind: 'secret', name: input.name, scope },
  });
  const issues = inputIssues(createSecretInputSchema, { name: input.name, scope });
  const raw = secretValuesInput(input.values, issues, false);
  const schema = input.schema ?? 'arbitrary';
  const values = normalizedValues(deps, schema, raw, issues);
  if (issues.length) throw new BadUserInputError('Invalid secret', issues);
  return createValidated(deps, principal, {
    name: input.name,
    scope,
    schema,
    values,
    origin: input.origin ?? null,
  });
}

/**
 * Creates a checked secret in its own audited transaction, its remote entry journaled first; an
 * entry written before a failure is discarded at once (after a crash, by the orphan collector).
 */
async function createValidated(
  deps: SecretWriteDeps,
  principal: Principal,
  secret: ValidatedSecret,
): Promise<Secret> {
  const id = randomUUID();
  // A failure collects the intent at once: the entry of a row that did not commit is deleted.
  const create = () =>
    deps.stored.journaled([id], 'create', (intents) =>
      deps.audit.audited(async (trx, record) => {
        const [created] = await deps.stored.createManyIn(
          trx,
          record,
          principal,
          [{ ...secret, id }],
          intents,
        );
        return created;
      }),
    );
  return retryingCollected(create);
}

/** Merges (or with `replace`, replaces) a secret's values. FORBIDDEN, BAD_USER_INPUT, NOT_FOUND, CONFLICT. */
export async function updateSecret(
  deps: SecretWriteDeps,
  principal: Principal,
  input: UpdateSecretInput,
): Promise<Secret> {
  await deps.authorize(principal, 'secret.write', {
    action: 'secret.update',
    target: { kind: 'secret', name: input.name, scope: input.scope },
  });
  const issues = inputIssues(updateSecretInputSchema, { scope: input.scope, newScope: input.newScope });
  const changes = secretValuesInput(input.values, issues, true);
  if (issues.length) throw new BadUserInputError('Invalid secret update', issues);
  return writeVersion(deps, principal, input, (trx, record, secret) =>
    applyUpdate(deps, { trx, record, principal, secret, input, changes }),
  );
}

/** The update of a locked secret inside its transaction: new values, row, entry and event. */
async function applyUpdate(
  deps: SecretWriteDeps,
  u: {
    trx: Transaction<Database>;
    record: RecordAudit;
    principal: Principal;
    secret: Secret;
    input: UpdateSecretInput;
    changes: Record<string, string | null>;
  },
): Promise<WrittenSecretVersion> {
  const { trx, secret, input } = u;
  const current = await deps.stored.storedValues(secret, trx);
  const next: Record<string, unknown> = mergeChanges(input.replace ? {} : current, u.changes);
  for (const key of input.removeKeys ?? []) delete next[key];
  const issues: InputIssue[] = [];
  const values = deps.schemas.normalize(deps.schemas.get(secret.schema), next, issues);
  if (issues.length) throw new BadUserInputError('Invalid secret update', issues);
  const changed = Object.fromEntries(Object.entries(values).filter(([k, v]) => current[k] !== v));
  const removed = Object.keys(current).filter((k) => !(k in values));
  const scope = await newScopeOf(trx, secret, input.newScope);
  const written = await deps.stored.history.write(trx, {
    before: secret,
    changes: { keys: Object.keys(values).sort(), scope },
    values,
    actor: u.principal.name,
    changedKeys: [...Object.keys(changed), ...removed].sort(),
  });
  await u.record({
    actor: u.principal.name,
    action: 'secret.update',
    target: secretAuditTarget(written.secret, {
      changedKeys: Object.keys(changed).sort(),
      removedKeys: removed.sort(),
      ...(scope ? { previousScope: secret.scope } : {}),
    }),
    values: changed,
  });
  return written;
}

/** The scope a secret moves to (undefined: it stays); ALREADY_EXISTS when the name is taken there. */
async function newScopeOf(
  trx: Transaction<Database>,
  secret: Secret,
  newScope: SecretScope | null | undefined,
): Promise<SecretScope | undefined> {
  if (!newScope || newScope === secret.scope) return undefined;
  if (
    await repo.findSecret(trx, { name: secret.name, scope: newScope, ownerId: secret.ownerId }, false, 'any')
  )
    throw new AlreadyExistsError(`A ${newScope} secret named "${secret.name}" already exists`);
  return newScope;
}

/** Renames a secret within its scope. FORBIDDEN, BAD_USER_INPUT, NOT_FOUND, ALREADY_EXISTS. */
export async function renameSecret(
  deps: SecretWriteDeps,
  principal: Principal,
  name: string,
  scope: SecretScope | null | undefined,
  newName: string,
): Promise<Secret> {
  await deps.authorize(principal, 'secret.write', {
    action: 'secret.rename',
    target: { kind: 'secret', name, scope, newName },
  });
  checkInput(renameSecretInputSchema, { scope, newName }, 'Invalid rename');
  return writeVersion(deps, principal, { name, scope }, async (trx, record, secret) => {
    if (
      await repo.findSecret(
        trx,
        { name: newName, scope: secret.scope, ownerId: secret.ownerId },
        false,
        'any',
      )
    ) {
      throw new AlreadyExistsError(`A ${secret.scope} secret named "${newName}" already exists`);
    }
    // A remote store's entry carries the name in its tags (ZenML's layout): a new version rewrites them.
    const values = await deps.stored.storedValues(secret, trx);
    const written = await deps.stored.history.write(trx, {
      before: secret,
      changes: { name: newName },
      values,
      actor: principal.name,
      changedKeys: [],
    });
    await record({
      actor: principal.name,
      action: 'secret.rename',
      target: secretAuditTarget(written.secret, { previousName: name }),
    });
    return written;
  });
}
