/**
 * A wait that ends after `ms`, on `wake()`, or when `signal` aborts, whichever comes first: how a
 * sink's runner sleeps between polls and how a sink waits out its backoff.
 */
export function createWaker() {
  let waiting: (() => void) | undefined;
  /** Set when woken with nobody waiting: the next wait returns at once. */
  let pending = false;

  function wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (pending || signal?.aborted) {
      pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        waiting = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      waiting = done;
    });
  }

  function wake(): void {
    if (waiting) waiting();
    else pending = true;
  }

  return { wait, wake };
}

export type Waker = ReturnType<typeof createWaker>;

/** Sleeps `ms`, or less if `signal` aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return createWaker().wait(ms, signal);
}
