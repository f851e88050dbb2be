import { createPubSub } from 'graphql-yoga';
import type { EventBus } from './event-bus.js';

/** An event bus inside one process: no replicas, nothing to lose. */
export function createInProcessEventBus(): EventBus {
  const pubSub = createPubSub<Record<string, [unknown]>>();
  return {
    async publish(channel, payload) {
      pubSub.publish(channel, payload);
    },
    subscribe: (channel) => pubSub.subscribe(channel)[Symbol.asyncIterator](),
    isConnected: () => true,
    async close() {},
  };
}
