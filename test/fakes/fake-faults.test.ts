import { afterEach, describe, expect, it } from 'vitest';
import { applyFault, DEFAULT_SLOW_MS, FaultInjector, parseFaults, retryAfterHeader } from './fake-faults.ts';

const ORIGINAL_ENV = process.env.FAKE_FAULTS;

afterEach(() => {
  if (ORIGINAL_ENV === undefined) delete process.env.FAKE_FAULTS;
  else process.env.FAKE_FAULTS = ORIGINAL_ENV;
});

describe('parseFaults (the FAKE_FAULTS format)', () => {
  it('reads comma-separated Operation:kind:share[:ms] items', () => {
    expect(parseFaults(' DeleteSecret:throttle:0.6, GetSecretValue:slow:0.2:300 ,*:hang:0')).toEqual([
      { operation: 'DeleteSecret', kind: 'throttle', share: 0.6 },
      { operation: 'GetSecretValue', kind: 'slow', share: 0.2, ms: 300 },
      { operation: '*', kind: 'hang', share: 0 },
    ]);
    expect(parseFaults('')).toEqual([]);
  });

  it.each([
    ['DeleteSecret:throttle', 'needs 3 or 4'],
    ['DeleteSecret:throttle:0.5:1:2', 'needs 3 or 4'],
    [':fail:1', 'names no operation'],
    ['DeleteSecret:explode:1', 'unknown kind'],
    ['DeleteSecret:fail:1.5', 'share between 0 and 1'],
    ['DeleteSecret:fail:', 'share between 0 and 1'],
    ['DeleteSecret:fail:half', 'share between 0 and 1'],
    ['DeleteSecret:slow:1:-3', 'whole number'],
    ['DeleteSecret:slow:1:2.5', 'whole number'],
  ])('refuses %s, naming the item', (text, why) => {
    expect(() => parseFaults(text)).toThrow(why);
    expect(() => parseFaults(text)).toThrow(`"${text}"`);
  });
});

describe('FaultInjector', () => {
  it('faults every matching call at share 1 and none at share 0; the named rule wins over *', () => {
    const faults = new FaultInjector({ faults: 'DeleteSecret:throttle:1,*:fail:0' });
    expect(faults.decide('DeleteSecret')).toEqual({ kind: 'throttle' });
    expect(faults.decide('GetSecretValue')).toBeUndefined();
    expect(faults.injected).toEqual([{ operation: 'DeleteSecret', kind: 'throttle' }]);
  });

  it('* applies to every operation without a rule of its own', () => {
    const faults = new FaultInjector({ faults: [{ operation: '*', kind: 'fail', share: 1 }] });
    expect(faults.decide('read')).toEqual({ kind: 'fail' });
    expect(faults.decide('write')).toEqual({ kind: 'fail' });
  });

  it('faults only the first N calls with `first`, and starts counting again on set', () => {
    const faults = new FaultInjector({
      faults: [{ operation: 'read', kind: 'throttle', share: 1, first: 2 }],
    });
    const kinds = () => [1, 2, 3, 4].map(() => faults.decide('read')?.kind);
    expect(kinds()).toEqual(['throttle', 'throttle', undefined, undefined]);
    faults.set([{ operation: 'read', kind: 'fail', share: 1, first: 1 }]);
    expect(kinds()).toEqual(['fail', undefined, undefined, undefined]);
  });

  it('draws the same faults for the same seed, close to the share', () => {
    const draw = (seed: number) => {
      const faults = new FaultInjector({ faults: 'DeleteSecret:throttle:0.6', faultSeed: seed });
      return Array.from({ length: 1000 }, () => faults.decide('DeleteSecret') !== undefined);
    };
    const first = draw(7);
    expect(draw(7)).toEqual(first);
    expect(draw(8)).not.toEqual(first);
    const share = first.filter(Boolean).length / first.length;
    expect(share).toBeGreaterThan(0.55);
    expect(share).toBeLessThan(0.65);
  });

  it('gives slow its delay (default or ms) and throttle its Retry-After ms', () => {
    const faults = new FaultInjector({ faults: 'a:slow:1,b:slow:1:250,c:throttle:1:1500,d:throttle:1' });
    expect(faults.decide('a')).toEqual({ kind: 'slow', ms: DEFAULT_SLOW_MS });
    expect(faults.decide('b')).toEqual({ kind: 'slow', ms: 250 });
    expect(retryAfterHeader(faults.decide('c'))).toEqual({ 'retry-after': '2' });
    expect(retryAfterHeader(faults.decide('d'))).toEqual({});
  });

  it('reads FAKE_FAULTS when started without faults, and an explicit list wins over it', () => {
    process.env.FAKE_FAULTS = 'ListSecrets:fail:1';
    expect(new FaultInjector().decide('ListSecrets')).toEqual({ kind: 'fail' });
    expect(new FaultInjector({ faults: [] }).decide('ListSecrets')).toBeUndefined();
    process.env.FAKE_FAULTS = 'ListSecrets:oops:1';
    expect(() => new FaultInjector()).toThrow('FAKE_FAULTS');
  });

  it('is turned off at run time with clear', () => {
    const faults = new FaultInjector({ faults: '*:hang:1' });
    expect(faults.decide('x')).toEqual({ kind: 'hang' });
    faults.clear();
    expect(faults.decide('x')).toBeUndefined();
    expect(faults.injected).toEqual([]);
  });
});

describe('applyFault', () => {
  it('waits out slow then serves; says what to answer for the others', async () => {
    const waited: number[] = [];
    const wait = async (ms: number) => {
      waited.push(ms);
    };
    expect(await applyFault(undefined, wait)).toBe('serve');
    expect(await applyFault({ kind: 'slow', ms: 40 }, wait)).toBe('serve');
    expect(await applyFault({ kind: 'throttle' }, wait)).toBe('throttle');
    expect(await applyFault({ kind: 'fail' }, wait)).toBe('fail');
    expect(await applyFault({ kind: 'hang' }, wait)).toBe('hang');
    expect(waited).toEqual([40]);
  });
});
