/** A subscription to one channel: payloads in the order received, until `return()`. */
export interface BusSubscription extends AsyncIterableIterator<unknown> {
  /**
   * Resolves once payloads published from then on are received: at once in one process; on
   * Redis when the channel's SUBSCRIBE is acknowledged (or, with Redis unreachable, given up on
   * after a bound — what is published meanwhile is lost, as while it is down).
   */
  ready: Promise<void>;
}

/** Where a subscription listens: an `EventTarget` of `CustomEvent`s whose `detail` is the payload. */
export interface ChannelTarget {
  addEventListener(channel: string, listener: (event: CustomEvent) => void): void;
  removeEventListener(channel: string, listener: (event: CustomEvent) => void): void;
}

/**
 * Listens on `channel` from this call on (not from the first `next()`, as yoga's pubsub
 * iterators do — a reader that subscribes, then queries, then waits would miss what came in
 * between), queueing payloads until they are read. `readyOnceListening` gives its `ready`.
 */
export function listenNow(
  target: ChannelTarget,
  channel: string,
  readyOnceListening: () => Promise<void>,
): BusSubscription {
  const queued: unknown[] = [];
  let waiting: ((result: IteratorResult<unknown>) => void) | undefined;
  let done = false;
  const listener = (event: CustomEvent) => {
    if (done) return;
    if (waiting) {
      const resolve = waiting;
      waiting = undefined;
      resolve({ done: false, value: event.detail });
    } else queued.push(event.detail);
  };
  target.addEventListener(channel, listener);
  const ready = readyOnceListening();
  const end = async (): Promise<IteratorResult<unknown>> => {
    if (!done) {
      done = true;
      target.removeEventListener(channel, listener);
      queued.length = 0;
      waiting?.({ done: true, value: undefined });
      waiting = undefined;
    }
    return { done: true, value: undefined };
  };
  return {
    ready,
    next() {
      if (queued.length > 0) return Promise.resolve({ done: false, value: queued.shift() });
      if (done) return Promise.resolve({ done: true, value: undefined });
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
    return: end,
    throw: end,
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
