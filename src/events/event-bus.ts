import type { BusSubscription } from './bus-subscription.js';

/** Publish/subscribe for audit and migration events: Redis across replicas, or in-process. */
export interface EventBus {
  /** Publishes one JSON payload; rejects when the transport can't take it (e.g. Redis down). */
  publish(channel: string, payload: unknown): Promise<void>;
  /**
   * Every payload published on `channel` from now on (once its `ready` has resolved, on Redis),
   * until the iterator is returned.
   */
  subscribe(channel: string): BusSubscription;
  /** True when published events reach other replicas' subscribers right now. */
  isConnected(): boolean;
  /** Calls `listener` whenever the subscribing connection drops (what was published meanwhile is lost). */
  onDisconnect?(listener: () => void): void;
  close(): Promise<void>;
}
