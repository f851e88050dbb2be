import type { Transaction } from 'kysely';
import type { Principal } from '../../auth/principal.js';
import type { SecretValues } from '../../backends/backend.js';
import type { CentralStore } from '../../backends/central-store.js';
import type { Database } from '../../database/database.js';
import { AlreadyExistsError, ConflictError } from '../../errors.js';
import type { RecordAudit } from '../audit/audit-service.js';
import { type Secret, type SecretScope, secretAuditTarget, secretFromRow } from './secret.js';
import type { SecretHistory, WrittenSecretVersion } from './secret-history.js';
import * as repo from './secrets-repository.js';
import { claimIntents, closeIntents, type WriteIntent } from './store-write-journal.js';
import { createEntries } from './versioned-entries.js';

/** A checked secret to create (migration and createSecret). */
export interface ValidatedSecret {
  name: string;
  scope: SecretScope;
  schema: string;
  values: SecretValues;
  origin: Record<string, unknown> | null;
}

/** Inserts the rows of new secrets owned by `principal`; ALREADY_EXISTS when a name is taken. */
async function insertRows(
  store: CentralStore,
  trx: Transaction<Database>,
  principal: Principal,
  list: NewStoredSecret[],
): Promise<Secret[]> {
  const rows = await repo.insertSecrets(
    trx,
    list.map((s) => ({
      id: s.id,
      name: s.name,
      scope: s.scope,
      ownerId: principal.id,
      schema: s.schema,
      keys: Object.keys(s.values).sort(),
      origin: s.origin,
      store: store.kind,
    })),
  );
  const inserted = new Map(rows.map((row) => [row.id, secretFromRow(row)]));
  const taken = list.find((s) => !inserted.has(s.id));
  if (taken) throw await takenNameError(trx, principal, taken);
  return list.map((s) => inserted.get(s.id) as Secret);
}

/** ALREADY_EXISTS for a taken name, saying so when a deleted secret that can be restored holds it. */
async function takenNameError(
  trx: Transaction<Database>,
  principal: Principal,
  taken: ValidatedSecret,
): Promise<AlreadyExistsError> {
  const deleted = await repo.findSecret(
    trx,
    { name: taken.name, scope: taken.scope, ownerId: principal.id },
    false,
    'deleted',
  );
  return new AlreadyExistsError(
    deleted
      ? `A deleted ${taken.scope} secret named "${taken.name}" can still be restored; restore or purge it first`
      : `A ${taken.scope} secret named "${taken.name}" already exists`,
  );
}

/** A secret to create: validated, with its id chosen beforehand (migration copies). */
export type NewStoredSecret = ValidatedSecret & { id: string };

/** What a secret's values, schema and origin are replaced with (migration OVERWRITE). */
export interface StoredSecretReplacement {
  schema: string;
  values: SecretValues;
  origin: Record<string, unknown> | null;
}

/**
 * Creates validated secrets inside the caller's audited transaction, in one statement per
 * table where the store allows (no authorization). With a remote store the values are written
 * outside the transaction, so the caller journals them first (store-write-journal.ts) and passes
 * its intents here or claims them itself: the commit closes them, a failure or crash leaves them
 * to the journal's repair or the orphan collector.
 */
export async function createManyIn(
  store: CentralStore,
  history: SecretHistory,
  trx: Transaction<Database>,
  record: RecordAudit,
  principal: Principal,
  list: NewStoredSecret[],
  intents: WriteIntent[] = [],
): Promise<Secret[]> {
  if (list.length === 0) return [];
  const inserted = await insertRows(store, trx, principal, list);
  await claimIntents(trx, intents);
  const pins = await createEntries(
    store,
    trx,
    inserted.map((secret, i) => ({
      id: secret.id,
      entry: {
        name: store.entryName(secret.id),
        values: list[i].values,
        metadata: store.entryMetadata(secret),
      },
    })),
  );
  await closeIntents(
    trx,
    intents.map((intent) => intent.id),
  );
  const secrets = inserted.map((secret) => ({
    ...secret,
    storeVersion: pins.get(secret.id) ?? secret.storeVersion,
  }));
  await history.recordCreated(trx, secrets, principal.name);
  for (const [i, secret] of secrets.entries())
    await record({
      actor: principal.name,
      action: 'secret.create',
      target: secretAuditTarget(secret),
      values: list[i].values,
    });
  return secrets;
}

/**
 * Replaces a secret's values, schema and origin (migration OVERWRITE) in the caller's transaction
 * (no authorization), as a new version; the back-end versions that left the history are the
 * caller's to destroy once its transaction has committed (`history.destroyPruned`).
 */
export async function replaceIn(
  history: SecretHistory,
  trx: Transaction<Database>,
  record: RecordAudit,
  principal: Principal,
  secret: Secret,
  next: StoredSecretReplacement,
): Promise<WrittenSecretVersion> {
  // The copy the batch planned from may be stale: the write starts from the row as it is now.
  const locked = await repo.findSecretById(trx, secret.id, true);
  if (!locked || locked.deleted_at)
    throw new ConflictError(
      `Secret "${secret.name}" was deleted while the migration ran; nothing was overwritten`,
    );
  const before = secretFromRow(locked);
  const keys = [...new Set([...Object.keys(next.values), ...before.keys])].sort();
  const written = await history.write(trx, {
    before,
    changes: { keys: Object.keys(next.values).sort(), schema: next.schema, origin: next.origin },
    values: next.values,
    actor: principal.name,
    changedKeys: keys,
  });
  await record({
    actor: principal.name,
    action: 'secret.update',
    target: secretAuditTarget(written.secret, { replaced: true, changedKeys: keys }),
    values: next.values,
  });
  return written;
}
