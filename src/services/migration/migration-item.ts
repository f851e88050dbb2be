import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Principal } from '../../auth/principal.js';
import type { SecretValues } from '../../backends/backend.js';
import type { Database } from '../../database/database.js';
import { NotFoundError } from '../../errors.js';
import { sameSecretValues } from '../../schemas/secret-values-input.js';
import type { RecordAudit } from '../audit/audit-service.js';
import type { ManagedSecret, SecretsManager } from '../managed-secrets/managed-secrets-service.js';
import type { Secret } from '../secrets/secret.js';
import type { NewStoredSecret, StoredSecretReplacement } from '../secrets/stored-secret-writes.js';
import type { Migration, MigrationItem, MigrationItemStatus } from './migration.js';
import * as repo from './migration-repository.js';
import type { MigrationRunDeps } from './migration-run.js';

/** An item's decided outcome (`values`: the source's) and the copy to write, if any. */
export interface PlannedItem {
  item: MigrationItem;
  values?: SecretValues;
  create?: NewStoredSecret;
  replace?: { existing: Secret; next: StoredSecretReplacement };
}

/** Outcomes that leave the secret in the store: their sources are deleted when the job asks. */
export const COPIED: ReadonlySet<MigrationItemStatus> = new Set([
  'MIGRATED',
  'RENAMED',
  'OVERWRITTEN',
  'IDENTICAL',
]);

/** Thrown inside a batch's transaction when a copy read back differs from its source. */
export class VerificationError extends Error {}

/** Plans each item of a batch in turn (see planItem). */
export async function planItems(
  deps: Pick<MigrationRunDeps, 'storedSecrets'>,
  trx: Transaction<Database>,
  run: { job: Migration; manager: SecretsManager },
  batch: MigrationItem[],
  found: {
    sources: Map<string, ManagedSecret>;
    existing: Map<string, Secret>;
    /** Ids chosen beforehand for the copies to create (journaled); others get a new one. */
    createIds?: Map<string, string>;
  },
): Promise<PlannedItem[]> {
  const planned: PlannedItem[] = [];
  for (const item of batch) {
    const source = found.sources.get(item.name);
    const id = found.createIds?.get(item.targetName) ?? randomUUID();
    planned.push(
      await planItem(deps, trx, run, { pending: item, id }, source, found.existing.get(item.targetName)),
    );
  }
  return planned;
}

/**
 * Decides one item inside the batch's transaction: its outcome, and the copy to write
 * (`create` or `replace`), if any. A conflict under FAIL is the item's outcome, not an error.
 */
async function planItem(
  deps: Pick<MigrationRunDeps, 'storedSecrets'>,
  trx: Transaction<Database>,
  run: { job: Migration; manager: SecretsManager },
  item: { pending: MigrationItem; id: string },
  source: ManagedSecret | undefined,
  existing: Secret | undefined,
): Promise<PlannedItem> {
  const { job } = run;
  const { pending } = item;
  const migrated: MigrationItemStatus = pending.targetName !== pending.name ? 'RENAMED' : 'MIGRATED';
  const ours = existing?.origin?.migrationId === job.id;
  // A copied item's source deletion, when asked: pending until done, done if already gone.
  const outcome = (status: MigrationItemStatus, error: string | null = null, values = source?.values) => ({
    item: {
      ...pending,
      status,
      error,
      sourceDeleted: job.deleteSource && COPIED.has(status) ? !source : null,
    },
    values,
  });
  if (!source) {
    // Copied by an earlier attempt and the source since deleted — but only when the copy is
    // really in the store — or gone before it was copied.
    const copy = ours && existing ? await valuesIfStored(deps, existing, trx) : undefined;
    if (copy) return outcome(migrated, null, copy);
    return outcome(
      'FAILED',
      ours
        ? 'the source secret no longer exists and its copy is not in the store'
        : 'the source secret no longer exists',
    );
  }
  const next = { schema: source.schema, values: source.values, origin: originOf(run, pending.name) };
  if (!existing) {
    const create = { ...next, id: item.id, name: pending.targetName, scope: job.targetScope };
    return { ...outcome(migrated), create };
  }
  if (sameSecretValues(await deps.storedSecrets.storedValues(existing, trx), source.values))
    return outcome(ours ? migrated : 'IDENTICAL');
  if (ours || job.onConflict === 'OVERWRITE')
    return { ...outcome(ours ? migrated : 'OVERWRITTEN'), replace: { existing, next } };
  if (job.onConflict === 'SKIP') return outcome('SKIPPED');
  return outcome(
    'FAILED',
    `a ${job.targetScope} secret named "${pending.targetName}" exists with other values`,
  );
}

/** A secret's stored values, or undefined when its store entry is missing. */
async function valuesIfStored(
  deps: Pick<MigrationRunDeps, 'storedSecrets'>,
  secret: Secret,
  trx: Transaction<Database>,
): Promise<SecretValues | undefined> {
  try {
    return await deps.storedSecrets.storedValues(secret, trx);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/** The `origin` of a copy: this job and where the source secret came from. */
function originOf(run: { job: Migration; manager: SecretsManager }, secretName: string) {
  const { job, manager } = run;
  return {
    migrationId: job.id,
    stack: job.stackName,
    component: manager.component.name,
    componentId: manager.component.id,
    flavor: manager.component.flavor,
    scope: manager.ctx.scope,
    ...(manager.ctx.namespace ? { namespace: manager.ctx.namespace } : {}),
    secretName,
  };
}

/** Back-end versions an overwrite pushed out of a secret's history (destroyed after the commit). */
export interface PrunedVersions {
  secretId: string;
  storeVersions: string[];
}

/**
 * Writes a batch's planned copies (new secrets in one insert per table; on a remote store the
 * caller journaled their entries beforehand), reads them all back from the store
 * and compares with their sources; throws VerificationError on a difference. Returns what the
 * overwrites pruned, for the caller to destroy once committed.
 */
export async function writeAndVerify(
  deps: Pick<MigrationRunDeps, 'storedSecrets'>,
  trx: Transaction<Database>,
  record: RecordAudit,
  ctx: { principal: Principal },
  planned: PlannedItem[],
): Promise<PrunedVersions[]> {
  const { storedSecrets } = deps;
  const creates = planned.flatMap((p) => (p.create ? [p.create] : []));
  const written = await storedSecrets.createManyIn(trx, record, ctx.principal, creates);
  const pruned: PrunedVersions[] = [];
  for (const p of planned) {
    if (!p.replace) continue;
    const replaced = await storedSecrets.replaceIn(
      trx,
      record,
      ctx.principal,
      p.replace.existing,
      p.replace.next,
    );
    written.push(replaced.secret);
    pruned.push({ secretId: replaced.secret.id, storeVersions: replaced.pruned });
  }
  const readBack = await storedSecrets.storedValuesMany(written, trx);
  const sourceOf = new Map(planned.map((p) => [p.item.targetName, p.values ?? {}]));
  for (const secret of written) {
    if (!sameSecretValues(readBack.get(secret.id) ?? {}, sourceOf.get(secret.name) ?? {}))
      throw new VerificationError('the copy read back from the store differs from the source');
  }
  return pruned;
}

/** Records items' outcomes (still-pending ones only) and one `migration.progress` event per item in `trx`. */
export async function saveItems(
  trx: Transaction<Database>,
  record: RecordAudit,
  ctx: { job: Migration; owner: string },
  outcomes: PlannedItem[],
): Promise<MigrationItem[]> {
  const { job, owner } = ctx;
  await repo.saveItems(
    trx,
    job.id,
    outcomes.map((o) => o.item),
  );
  for (const { item, values } of outcomes) {
    await record({
      actor: `migration:${job.id}`,
      action: 'migration.progress',
      outcome: item.status === 'FAILED' ? 'ERROR' : 'SUCCESS',
      target: {
        kind: 'migration',
        migrationId: job.id,
        worker: owner,
        name: item.name,
        targetName: item.targetName,
        status: item.status,
        error: item.error,
      },
      values: item.status === 'FAILED' ? undefined : values,
    });
  }
  return outcomes.map((o) => o.item);
}
