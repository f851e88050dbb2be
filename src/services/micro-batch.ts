/**
 * Collects the keys asked for during one turn of the event loop and loads them together at the
 * next (setImmediate), so concurrent resolvers and requests share one query. A key the loader
 * leaves out of its map resolves to undefined; a failed load rejects every waiter of that batch.
 */
export function microBatch<K, V>(
  loadMany: (keys: K[]) => Promise<Map<K, V>>,
  maxBatch = 500,
): (key: K) => Promise<V | undefined> {
  type Waiter = { key: K; resolve: (value: V | undefined) => void; reject: (error: unknown) => void };
  let waiting: Waiter[] = [];

  function run(): void {
    const batch = waiting;
    waiting = [];
    for (let i = 0; i < batch.length; i += maxBatch) {
      const part = batch.slice(i, i + maxBatch);
      loadMany([...new Set(part.map((w) => w.key))]).then(
        (found) => {
          for (const w of part) w.resolve(found.get(w.key));
        },
        (error: unknown) => {
          for (const w of part) w.reject(error);
        },
      );
    }
  }

  return (key) =>
    new Promise<V | undefined>((resolve, reject) => {
      if (waiting.length === 0) setImmediate(run);
      waiting.push({ key, resolve, reject });
    });
}
