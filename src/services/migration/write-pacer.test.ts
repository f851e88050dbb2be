import { describe, expect, it } from 'vitest';
import { createWritePacer, writesPerSecondOf } from './write-pacer.js';

describe('write pacer', () => {
  it('lets a sustained caller through at the rate, after a burst of a tenth of a second', async () => {
    const pacer = createWritePacer(100);
    const start = performance.now();
    for (let i = 0; i < 40; i += 1) await pacer.take();
    const elapsed = performance.now() - start;
    // 40 writes at 100/s, 10 of them free: about 300 ms.
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(900);
  });

  it('paces concurrent callers together, and a take of many as many', async () => {
    const pacer = createWritePacer(200);
    const start = performance.now();
    await Promise.all([pacer.take(20), pacer.take(20), pacer.take(20)]);
    // 60 writes at 200/s, 20 free: about 200 ms.
    expect(performance.now() - start).toBeGreaterThanOrEqual(190);
  });

  it('is unpaced at 0: even a million writes go before any timer fires', async () => {
    const first = (pacer: ReturnType<typeof createWritePacer>) =>
      Promise.race([
        pacer.take(1_000_000).then(() => 'taken'),
        new Promise((resolve) => setTimeout(() => resolve('timer'), 0)),
      ]);
    expect(await first(createWritePacer(0))).toBe('taken');
    expect(await first(createWritePacer(1000))).toBe('timer');
    expect(createWritePacer(0).perSecond).toBe(0);
  });

  it('takes each flavor its documented quota unless configured, never pacing sql or local', () => {
    expect(writesPerSecondOf('aws', undefined)).toBe(50);
    expect(writesPerSecondOf('gcp', undefined)).toBe(10);
    expect(writesPerSecondOf('azure', undefined)).toBe(30);
    expect(writesPerSecondOf('vault', undefined)).toBe(0);
    expect(writesPerSecondOf('hashicorp', undefined)).toBe(0);
    expect(writesPerSecondOf('aws', 0)).toBe(0);
    expect(writesPerSecondOf('vault', 5)).toBe(5);
    expect(writesPerSecondOf('sql', 5)).toBe(0);
    expect(writesPerSecondOf('local', 5)).toBe(0);
  });
});
