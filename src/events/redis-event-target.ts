import type { Redis } from 'ioredis';
import type { ChannelTarget } from './bus-subscription.js';

type Listener = (event: CustomEvent) => void;

/** Longest wait for a channel's SUBSCRIBE to be acknowledged before a reader goes on without it. */
const SUBSCRIBE_WAIT_MS = 2_000;

/** Resolves when `promise` settles or after `ms`, whichever comes first; never rejects. */
function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const settle = () => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(settle, settle);
  });
}

/**
 * The channels of one Redis subscribing connection as an event target: the first local listener
 * of a channel subscribes to it, the last one to leave unsubscribes; a message becomes a
 * `CustomEvent` whose `detail` is the parsed JSON. `subscribed(channel)` sends SUBSCRIBE again
 * (a no-op for Redis when already subscribed; after a reconnect it may not be yet) and resolves
 * once Redis acknowledges it (bounded: see SUBSCRIBE_WAIT_MS).
 */
export function createRedisEventTarget(subscribeClient: Redis) {
  const listeners = new Map<string, Set<Listener>>();
  subscribeClient.on('message', (channel: string, message: string) => {
    const local = listeners.get(channel);
    if (!local) return;
    let detail: unknown;
    try {
      detail = message === '' ? null : JSON.parse(message);
    } catch {
      return; // not ours (anyone may PUBLISH on a channel): dropped, never thrown inside ioredis
    }
    const event = new CustomEvent(channel, { detail });
    for (const listener of local) {
      try {
        listener(event);
      } catch {
        // one failing subscriber must not starve the others nor crash the process
      }
    }
  });
  const target: ChannelTarget & { subscribed(channel: string): Promise<void> } = {
    addEventListener(channel, listener) {
      let local = listeners.get(channel);
      if (!local) {
        local = new Set();
        listeners.set(channel, local);
        subscribeClient.subscribe(channel).catch(() => {}); // re-subscribed by ioredis on reconnect
      }
      local.add(listener);
    },
    removeEventListener(channel, listener) {
      const local = listeners.get(channel);
      if (!local) return;
      local.delete(listener);
      if (local.size > 0) return;
      listeners.delete(channel);
      subscribeClient.unsubscribe(channel).catch(() => {});
    },
    subscribed: (channel) => settledWithin(subscribeClient.subscribe(channel), SUBSCRIBE_WAIT_MS),
  };
  return target;
}
