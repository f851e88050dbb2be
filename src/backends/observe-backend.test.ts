import { describe, expect, it } from 'vitest';
import { backendThat } from '../../test/helpers/backend-that.js';
import { BackendUnavailableError, NotFoundError } from '../errors.js';
import type { BackendEntry } from './backend.js';
import { guardBackend } from './guard-backend.js';
import { type BackendCall, backendFlavor, observeBackend } from './observe-backend.js';

const entry: BackendEntry = { name: 'a', values: { k: 'v' }, metadata: {} };

function recorded(): { calls: BackendCall[]; record: (call: BackendCall) => void } {
  const calls: BackendCall[] = [];
  return { calls, record: (call) => calls.push(call) };
}

describe('observeBackend: reporting each call', () => {
  it('reports each call once it settles, and passes its result', async () => {
    const { calls, record } = recorded();
    const observed = observeBackend(
      backendThat(() => new Promise((resolve) => setTimeout(() => resolve(entry), 20))),
      'aws',
      record,
    );
    await expect(observed.get('a')).resolves.toEqual(entry);
    await expect(observed.list({})).resolves.toEqual({ entries: [] });
    expect(calls.map(({ flavor, operation, failure }) => [flavor, operation, failure])).toEqual([
      ['aws', 'get', undefined],
      ['aws', 'list', undefined],
    ]);
    expect(calls[0].seconds).toBeGreaterThanOrEqual(0.015);
    expect(calls[0].seconds).toBeLessThan(5);
    expect(observed.kind).toBe('test');
  });

  it('around a guarded back-end, sees its timeout as BACKEND_UNAVAILABLE and rethrows it', async () => {
    const { calls, record } = recorded();
    const guarded = guardBackend(
      backendThat(() => new Promise(() => {})),
      { kind: 'gcp', timeoutMs: 50 },
    );
    const error = await observeBackend(guarded, 'gcp', record)
      .update(entry)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(calls).toMatchObject([{ flavor: 'gcp', operation: 'update', failure: 'BACKEND_UNAVAILABLE' }]);
    expect(calls[0].seconds).toBeGreaterThanOrEqual(0.045);
  });

  it('reports the code of an AppError, INTERNAL_SERVER_ERROR for anything else (even thrown at once)', async () => {
    const { calls, record } = recorded();
    const notFound = new NotFoundError('Secret entry "a" not found');
    const failing = backendThat(() => Promise.reject(notFound));
    failing.delete = () => {
      throw new Error('disk full');
    };
    const observed = observeBackend(failing, 'local', record);
    await expect(observed.update(entry)).rejects.toBe(notFound);
    await expect(observed.delete('a')).rejects.toThrow('disk full');
    expect(calls.map((c) => [c.operation, c.failure])).toEqual([
      ['update', 'NOT_FOUND'],
      ['delete', 'INTERNAL_SERVER_ERROR'],
    ]);
  });
});

describe('observeBackend: optional batch operations', () => {
  it('offers createMany and getValues only when the back-end has them, called on the back-end', async () => {
    const { calls, record } = recorded();
    expect(
      observeBackend(
        backendThat(async () => undefined),
        'sql',
        record,
      ).createMany,
    ).toBeUndefined();
    const written: BackendEntry[] = [];
    const batching = {
      ...backendThat(async () => undefined),
      stored: written,
      async createMany(this: { stored: BackendEntry[] }, entries: BackendEntry[]) {
        this.stored.push(...entries);
      },
      async getValues(names: string[]) {
        return new Map(names.map((name) => [name, { k: name }]));
      },
    };
    const observed = observeBackend(batching, 'sql', record);
    await observed.createMany?.([entry]);
    await expect(observed.getValues?.(['x'])).resolves.toEqual(new Map([['x', { k: 'x' }]]));
    expect(written).toEqual([entry]);
    expect(calls.map((c) => c.operation)).toEqual(['createMany', 'getValues']);
  });
});

describe('backendFlavor', () => {
  it('names the hashicorp store vault and anything unknown custom', () => {
    expect(
      ['aws', 'gcp', 'azure', 'vault', 'local', 'sql', 'hashicorp', 'custom', 'acme'].map(backendFlavor),
    ).toEqual(['aws', 'gcp', 'azure', 'vault', 'local', 'sql', 'vault', 'custom', 'custom']);
  });
});
