import { describe, expect, it } from 'vitest';
import { createInProcessEventBus } from './in-process-event-bus.js';

describe('in-process event bus', () => {
  it('delivers what is published after subscribe, before the first next(), in order', async () => {
    const bus = createInProcessEventBus();
    const events = bus.subscribe('audit');
    await events.ready;
    await bus.publish('audit', { id: '1' });
    await bus.publish('other', { id: 'x' });
    await bus.publish('audit', { id: '2' });
    expect(await events.next()).toEqual({ done: false, value: { id: '1' } });
    const third = events.next();
    await bus.publish('audit', { id: '3' });
    expect(await third).toEqual({ done: false, value: { id: '2' } });
    expect(await events.next()).toEqual({ done: false, value: { id: '3' } });
  });

  it('return() ends a waiting next() and stops listening', async () => {
    const bus = createInProcessEventBus();
    const events = bus.subscribe('audit');
    const waiting = events.next();
    await events.return?.();
    expect(await waiting).toEqual({ done: true, value: undefined });
    await bus.publish('audit', { id: '1' });
    expect(await events.next()).toEqual({ done: true, value: undefined });
  });

  it('answers next() calls made before anything arrived in the order they were made', async () => {
    const bus = createInProcessEventBus();
    const events = bus.subscribe('audit');
    const first = events.next();
    const second = events.next();
    await bus.publish('audit', { id: '1' });
    await bus.publish('audit', { id: '2' });
    expect(await Promise.all([first, second])).toEqual([
      { done: false, value: { id: '1' } },
      { done: false, value: { id: '2' } },
    ]);
  });

  it('keeps at most 10,000 unread payloads, dropping the oldest; throw() ends it and rethrows', async () => {
    const bus = createInProcessEventBus();
    const events = bus.subscribe('audit');
    for (let id = 1; id <= 10_001; id += 1) await bus.publish('audit', { id });
    expect(await events.next()).toEqual({ done: false, value: { id: 2 } });
    await expect(events.throw?.(new Error('stop'))).rejects.toThrow('stop');
    expect(await events.next()).toEqual({ done: true, value: undefined });
  });
});
