import { Redis } from 'ioredis';
import { listenNow } from './bus-subscription.js';
import type { EventBus } from './event-bus.js';
import { createRedisEventTarget } from './redis-event-target.js';

/**
 * An event bus on Redis pub/sub with two connections: one publishes (fails fast when Redis
 * is down, so callers know what was not delivered), one subscribes (re-subscribes after a
 * reconnect). One Redis subscription per channel is shared by every local subscriber.
 */
export function createRedisEventBus(url: string): EventBus {
  const retryStrategy = (times: number) => Math.min(times * 100, 1000);
  const publishClient = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy,
    lazyConnect: false,
    // Publishes issued in the same tick leave in one write.
    enableAutoPipelining: true,
  });
  const subscribeClient = new Redis(url, { retryStrategy, maxRetriesPerRequest: null });
  // Connection errors are expected while Redis is down; ioredis reconnects by itself.
  publishClient.on('error', () => {});
  subscribeClient.on('error', () => {});
  const target = createRedisEventTarget(subscribeClient);
  return {
    async publish(channel, payload) {
      await publishClient.publish(channel, JSON.stringify(payload));
    },
    subscribe: (channel) => listenNow(target, channel, () => target.subscribed(channel)),
    isConnected: () => publishClient.status === 'ready' && subscribeClient.status === 'ready',
    onDisconnect: (listener) => void subscribeClient.on('close', listener),
    async close() {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
