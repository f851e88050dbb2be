import { describe, expect, it } from 'vitest';
import { createInProcessEventBus } from './in-process-event-bus.js';

describe('in-process event bus', () => {
  it('delivers what is published after subscribe, before the first next(), in order', async () => {
    const bus = createInProcessEventBus();
    const events = bus.subscribe('audit');
    await (events as any).ready;
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
});
