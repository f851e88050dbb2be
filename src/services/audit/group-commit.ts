/**
 * Queues items and commits them in groups of at most `maxGroup`: items queued while a commit is
 * under way share the next one, so concurrent callers wait on the database once per group, not
 * once each. Each caller's promise resolves when its group is committed, or rejects with the
 * group's error (later groups still run).
 */
export function groupCommit<T>(
  commit: (items: T[]) => Promise<void>,
  maxGroup: number,
): (item: T) => Promise<void> {
  type Waiter = { item: T; resolve: () => void; reject: (error: unknown) => void };
  /** Items waiting for the next group commit, each with its caller's promise. */
  const queued: Waiter[] = [];
  let flushing = false;

  /** Commits queued items, a group at a time, until none is left. */
  async function flushQueued(): Promise<void> {
    flushing = true;
    try {
      while (queued.length > 0) {
        const group = queued.splice(0, maxGroup);
        try {
          await commit(group.map((waiter) => waiter.item));
          for (const waiter of group) waiter.resolve();
        } catch (error) {
          for (const waiter of group) waiter.reject(error);
        }
      }
    } finally {
      flushing = false;
    }
  }

  return (item) =>
    new Promise((resolve, reject) => {
      queued.push({ item, resolve, reject });
      if (!flushing) void flushQueued();
    });
}
