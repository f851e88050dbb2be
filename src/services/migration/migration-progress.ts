import type { Channels } from '../../events/channels.js';
import type { EventBus } from '../../events/event-bus.js';
import {
  type Migration,
  type MigrationProgress,
  progressFromMessage,
  progressToMessage,
  TERMINAL,
} from './migration.js';

export interface ProgressFeedDeps {
  bus: EventBus;
  channels: Pick<Channels, 'migration'>;
}

/** A job's progress messages on `channels.migration(id)`: published by whoever changes it, watched live. */
export interface ProgressFeed {
  /** Publishes one message; a bus that can't take it is ignored (watchers re-read the stored state). */
  publish(progress: MigrationProgress): Promise<void>;
  /**
   * The stored state first (`readStored`, which may throw NOT_FOUND), then every live message
   * until the job is finished; `done` never goes down and a finished state is never undone.
   */
  watch(id: string, readStored: () => Promise<Migration>): AsyncGenerator<MigrationProgress>;
}

/** Builds the progress feed of migration jobs over the event bus. */
export function createProgressFeed(deps: ProgressFeedDeps): ProgressFeed {
  return {
    publish: (progress) => publishProgress(deps, progress),
    watch: (id, readStored) => watchProgress(deps, id, readStored),
  };
}

async function publishProgress(deps: ProgressFeedDeps, progress: MigrationProgress): Promise<void> {
  const channel = deps.channels.migration(progress.migration.id);
  await deps.bus.publish(channel, progressToMessage(progress)).catch(() => {});
}

/** Subscribes before reading the stored state, so no message between the two is lost. */
async function* watchProgress(
  deps: ProgressFeedDeps,
  id: string,
  readStored: () => Promise<Migration>,
): AsyncGenerator<MigrationProgress> {
  const live = deps.bus.subscribe(deps.channels.migration(id));
  try {
    await live.ready;
    let current = await readStored();
    yield { migration: current, item: null };
    if (TERMINAL.has(current.status)) return;
    for (;;) {
      const next = await live.next();
      if (next.done) return;
      const message = progressFromMessage(next.value);
      const done = Math.max(current.done, message.migration.done);
      const status = TERMINAL.has(current.status) ? current.status : message.migration.status;
      current = { ...message.migration, done, status };
      yield { migration: current, item: message.item };
      if (TERMINAL.has(current.status)) return;
    }
  } finally {
    await live.return?.();
  }
}
