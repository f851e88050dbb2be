import type { createPubSub } from 'graphql-yoga';
import type { Redis } from 'ioredis';

type PubSubEventTarget = NonNullable<NonNullable<Parameters<typeof createPubSub>[0]>['eventTarget']>;
type Listener = (event: CustomEvent) => void;

/**
 * The event target behind yoga's `createPubSub` on Redis: the first local listener of a channel
 * subscribes to it, the last one to leave unsubscribes; a message becomes a `CustomEvent` whose
 * `detail` is the parsed JSON. Dispatching publishes the event's detail as JSON.
 */
export function createRedisEventTarget(publishClient: Redis, subscribeClient: Redis): PubSubEventTarget {
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
  const target = {
    addEventListener(channel: string, listener: Listener | null) {
      if (!listener) return;
      let local = listeners.get(channel);
      if (!local) {
        local = new Set();
        listeners.set(channel, local);
        subscribeClient.subscribe(channel).catch(() => {}); // re-subscribed by ioredis on reconnect
      }
      local.add(listener);
    },
    removeEventListener(channel: string, listener: Listener | null) {
      const local = listeners.get(channel);
      if (!local || !listener) return;
      local.delete(listener);
      if (local.size > 0) return;
      listeners.delete(channel);
      subscribeClient.unsubscribe(channel).catch(() => {});
    },
    dispatchEvent(event: CustomEvent) {
      publishClient.publish(event.type, JSON.stringify(event.detail ?? null)).catch(() => {});
      return true;
    },
  };
  return target as unknown as PubSubEventTarget;
}
