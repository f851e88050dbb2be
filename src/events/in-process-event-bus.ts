import { setMaxListeners } from 'node:events';
import { createPubSub } from 'graphql-yoga';
import type { EventBus } from './event-bus.js';

/** An event bus inside one process: no replicas, nothing to lose. */
export function createInProcessEventBus(): EventBus {
  // Every subscriber of a channel listens on this target: many are expected (no leak warning).
  const eventTarget = new EventTarget();
  setMaxListeners(0, eventTarget);
  const pubSub = createPubSub<Record<string, [unknown]>>({ eventTarget });
  return {
    async publish(channel, payload) {
      pubSub.publish(channel, payload);
    },
    subscribe: (channel) => pubSub.subscribe(channel)[Symbol.asyncIterator](),
    isConnected: () => true,
    async close() {},
  };
}
