import { describe, expect, it } from 'vitest';
import { caught } from '../../../test/helpers/caught.js';
import { groupCommit } from './group-commit.js';

/** A commit that records its groups and waits for `release` before settling. */
function gatedCommit(fail?: (items: number[]) => boolean) {
  const groups: number[][] = [];
  let release: () => void = () => {};
  const commit = (items: number[]) => {
    groups.push(items);
    return new Promise<void>((resolve, reject) => {
      release = () => (fail?.(items) ? reject(new Error(`group ${items.join(',')} failed`)) : resolve());
    });
  };
  return { groups, commit, release: () => release() };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('groupCommit', () => {
  it('commits the first item alone, then everything queued meanwhile as one group', async () => {
    const gate = gatedCommit();
    const add = groupCommit(gate.commit, 10);
    const first = add(1);
    const rest = [add(2), add(3), add(4)];
    expect(gate.groups).toEqual([[1]]);
    gate.release();
    await first;
    await turn();
    expect(gate.groups).toEqual([[1], [2, 3, 4]]);
    gate.release();
    await Promise.all(rest);
  });

  it('cuts a long queue into groups of at most the limit, in order', async () => {
    const gate = gatedCommit();
    const add = groupCommit(gate.commit, 2);
    const all = [1, 2, 3, 4, 5, 6].map(add);
    for (let i = 0; i < 4; i += 1) {
      gate.release();
      await turn();
    }
    await Promise.all(all);
    expect(gate.groups).toEqual([[1], [2, 3], [4, 5], [6]]);
  });

  it("rejects only the failed group's callers; later groups still commit", async () => {
    const gate = gatedCommit((items) => items.includes(2));
    const add = groupCommit(gate.commit, 10);
    const first = add(1);
    const failed = [add(2), add(3)];
    const later = failed.map((p) => caught(p));
    gate.release();
    await first;
    await turn();
    const after = add(4);
    gate.release();
    for (const error of await Promise.all(later)) expect(error.message).toBe('group 2,3 failed');
    await turn();
    gate.release();
    await after;
    expect(gate.groups).toEqual([[1], [2, 3], [4]]);
  });
});
