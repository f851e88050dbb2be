import type { Redis } from 'ioredis';
import type { ChannelTarget } from './bus-subscription.js';

type Listener = (event: CustomEvent) => void;

/** Longest wait for a channel's SUBSCRIBE to be acknowledged before a reader goes on without it. */
const SUBSCRIBE_WAIT_MS = 2_000;

/** Resolves when `promise` settles or after `ms`, whichever comes first; never rejects. */
function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    promise.then(
      () => resolve(),
      () => resolve(),
    );
  });
}

/**
 * The channels of one Redis subscribing connection as an event target: the first local listener
 * of a channel subscribes to it, the last one to leave unsubscribes; a message becomes a
 * `CustomEvent` whose `detail` is the parsed JSON. `subscribed(channel)` resolves once that
 * channel's SUBSCRIBE is acknowledged (bounded: see SUBSCRIBE_WAIT_MS).
 */
export function createRedisEventTarget(subscribeClient: Redis) {
  const listeners = new Map<string, { local: Set<Listener>; subscribed: Promise<void> }>();
  subscribeClient.on('message', (channel: string, message: string) => {
    const entry = listeners.get(channel);
    if (!entry) return;
    let detail: unknown;
    try {
      detail = message === '' ? null : JSON.parse(message);
    } catch {
      return; // not ours (anyone may PUBLISH on a channel): dropped, never thrown inside ioredis
    }
    const event = new CustomEvent(channel, { detail });
    for (const listener of entry.local) {
      try {
        listener(event);
      } catch {
        // one failing subscriber must not starve the others nor crash the process
      }
    }
  });
  const target: ChannelTarget & { subscribed(channel: string): Promise<void> } = {
    addEventListener(channel, listener) {
      let entry = listeners.get(channel);
      if (!entry) {
        // Re-subscribed by ioredis on reconnect.
        const subscribing = subscribeClient.subscribe(channel);
        subscribing.catch(() => {});
        entry = { local: new Set(), subscribed: settledWithin(subscribing, SUBSCRIBE_WAIT_MS) };
        listeners.set(channel, entry);
      }
      entry.local.add(listener);
    },
    removeEventListener(channel, listener) {
      const entry = listeners.get(channel);
      if (!entry) return;
      entry.local.delete(listener);
      if (entry.local.size > 0) return;
      listeners.delete(channel);
      subscribeClient.unsubscribe(channel).catch(() => {});
    },
    subscribed: (channel) => listeners.get(channel)?.subscribed ?? Promise.resolve(),
  };
  return target;
}
