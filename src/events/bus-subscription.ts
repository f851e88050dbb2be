/** A subscription to one channel: payloads in the order received, until `return()`. */
export interface BusSubscription extends AsyncIterableIterator<unknown> {
  /**
   * Resolves once payloads published from then on are received: at once in one process; on
   * Redis when its SUBSCRIBE for this subscription is acknowledged (or, with Redis unreachable,
   * given up on after a bound — what is published meanwhile is lost, as while it is down).
   */
  ready: Promise<void>;
}

/** Where a subscription listens: an `EventTarget` of `CustomEvent`s whose `detail` is the payload. */
export interface ChannelTarget {
  addEventListener(channel: string, listener: (event: CustomEvent) => void): void;
  removeEventListener(channel: string, listener: (event: CustomEvent) => void): void;
}

/**
 * Most payloads kept unread: past it the oldest is dropped, as if the bus had lost it (readers
 * fill gaps from Postgres: audit ids are gapless, migration progress carries absolute counts).
 */
const MAX_UNREAD = 10_000;

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
  const unread: unknown[] = [];
  const waiting: Array<(result: IteratorResult<unknown>) => void> = [];
  let done = false;
  const listener = (event: CustomEvent) => {
    if (done) return;
    const reader = waiting.shift();
    if (reader) reader({ done: false, value: event.detail });
    else if (unread.push(event.detail) > MAX_UNREAD) unread.shift();
  };
  target.addEventListener(channel, listener);
  const ready = readyOnceListening();
  const end = () => {
    if (done) return;
    done = true;
    target.removeEventListener(channel, listener);
    unread.length = 0;
    for (const reader of waiting.splice(0)) reader({ done: true, value: undefined });
  };
  return {
    ready,
    next() {
      if (unread.length > 0) return Promise.resolve({ done: false, value: unread.shift() });
      if (done) return Promise.resolve({ done: true, value: undefined });
      return new Promise((resolve) => waiting.push(resolve));
    },
    async return() {
      end();
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      end();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
