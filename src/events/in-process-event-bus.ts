import { setMaxListeners } from 'node:events';
import { type ChannelTarget, listenNow } from './bus-subscription.js';
import type { EventBus } from './event-bus.js';

/** An event bus inside one process: no replicas, nothing to lose. */
export function createInProcessEventBus(): EventBus {
  // Every subscriber of a channel listens on this target: many are expected (no leak warning).
  const eventTarget = new EventTarget();
  setMaxListeners(0, eventTarget);
  return {
    async publish(channel, payload) {
      eventTarget.dispatchEvent(new CustomEvent(channel, { detail: payload }));
    },
    subscribe: (channel) => listenNow(eventTarget as ChannelTarget, channel, async () => {}),
    isConnected: () => true,
    async close() {},
  };
}
