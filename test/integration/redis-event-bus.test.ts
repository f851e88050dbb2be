import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisEventBus } from '../../src/events/redis-event-bus.js';

const REDIS_URL = process.env.REDIS_URL;

describe.skipIf(!REDIS_URL)('Redis event bus (needs REDIS_URL)', () => {
  const bus = createRedisEventBus(REDIS_URL!);
  const raw = new Redis(REDIS_URL!);
  afterAll(async () => {
    await bus.close();
    raw.disconnect();
  });

  it('drops a message that is not JSON (anyone may publish on the channel) and delivers the next one', async () => {
    const channel = `test:${randomBytes(4).toString('hex')}:audit`;
    const events = bus.subscribe(channel);
    const next = events.next();
    // The subscription reaches Redis asynchronously: publish until a subscriber counts it.
    while ((await raw.publish(channel, 'ping')) === 0) await new Promise((r) => setTimeout(r, 20));
    await bus.publish(channel, { id: '1', action: 'secret.read' });
    await expect(next).resolves.toEqual({ done: false, value: { id: '1', action: 'secret.read' } });
    await events.return?.();
  });

  it('once ready, receives what is published before its first next()', async () => {
    const channel = `test:${randomBytes(4).toString('hex')}:audit`;
    const events = bus.subscribe(channel);
    await events.ready;
    expect(await raw.publish(channel, JSON.stringify({ id: '7' }))).toBe(1);
    await bus.publish(channel, { id: '8' });
    expect(await events.next()).toEqual({ done: false, value: { id: '7' } });
    expect(await events.next()).toEqual({ done: false, value: { id: '8' } });
    await events.return?.();
  });
});
