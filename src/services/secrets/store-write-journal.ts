import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Database, Db, Executor } from '../../database/database.js';

/**
 * Remote-store writes journaled before they happen (copy-on-write). An intent row is committed
 * on its own before the back-end write, claimed (row-locked) by the writer's transaction and
 * deleted by that transaction's commit; an intent left behind names an entry or version written
 * by a write that never committed, which the orphan collector repairs. A claimed intent is
 * locked, so the collector never touches a write in progress. A delete's intent outlives its
 * commit: closed once the entry is deleted after it.
 */
export interface WriteIntent {
  id: string;
  secretId: string;
  entryName: string;
  /** What the write does to the entry; the collector goes by whether the secret's row exists. */
  kind: 'create' | 'update' | 'delete';
}

/** The writer's intents were collected before it claimed them, or name another secret: start again. */
export class IntentCollectedError extends Error {
  constructor() {
    super('the write intent was collected before the write claimed it');
    this.name = 'IntentCollectedError';
  }
}

/** Commits intents (outside any transaction), before the back-end is written. */
export async function openIntents(db: Db, intents: Array<Omit<WriteIntent, 'id'>>): Promise<WriteIntent[]> {
  const opened = intents.map((intent) => ({ ...intent, id: randomUUID() }));
  if (opened.length === 0) return opened;
  await db
    .insertInto('store_write_intents')
    .values(opened.map((i) => ({ id: i.id, secret_id: i.secretId, entry_name: i.entryName, kind: i.kind })))
    .execute();
  return opened;
}

/** Locks the writer's intents in its transaction; IntentCollectedError when one is gone. */
export async function claimIntents(trx: Transaction<Database>, intents: WriteIntent[]): Promise<void> {
  if (intents.length === 0) return;
  const rows = await trx
    .selectFrom('store_write_intents')
    .select('id')
    .where(
      'id',
      'in',
      intents.map((i) => i.id),
    )
    .forUpdate()
    .execute();
  if (rows.length !== intents.length) throw new IntentCollectedError();
}

/** Deletes intents: in the writer's transaction (its commit closes them), or after a repair. */
export async function closeIntents(db: Executor, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.deleteFrom('store_write_intents').where('id', 'in', ids).execute();
}

/**
 * Opens intents, then runs the write that claims them. When the write fails, `repair` is given
 * its intents (best effort: what it leaves, a collector pass does).
 */
export async function journaled<T>(
  db: Db,
  intents: Array<Omit<WriteIntent, 'id'>>,
  write: (opened: WriteIntent[]) => Promise<T>,
  repair: (opened: WriteIntent[]) => Promise<unknown>,
): Promise<T> {
  const opened = await openIntents(db, intents);
  try {
    return await write(opened);
  } catch (error) {
    await repair(opened).catch(() => undefined);
    throw error;
  }
}

/**
 * Runs a journaled write (its lookup included) again when it found its intents collected or
 * journaled another secret than the one it locked (renamed, deleted or created in between).
 */
export async function retryingCollected<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof IntentCollectedError) || attempt >= attempts) throw error;
    }
  }
}

/** IntentCollectedError unless `intents` journal exactly the locked secret (`journaling`: a remote store). */
export function checkJournaled(journaling: boolean, intents: WriteIntent[], secretId: string): void {
  if (!journaling) return;
  if (intents.length !== 1 || intents[0].secretId !== secretId) throw new IntentCollectedError();
}
