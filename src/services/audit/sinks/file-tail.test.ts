import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventIdOfLine, readFileTail } from './file-tail.js';

describe('readFileTail', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sgw-file-tail-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function tailOf(content: string) {
    const file = path.join(dir, 'f.jsonl');
    await writeFile(file, content);
    const handle = await open(file, 'r');
    try {
      return await readFileTail(handle);
    } finally {
      await handle.close();
    }
  }

  it('finds the last complete line and where it ends', async () => {
    expect(await tailOf('')).toEqual({ end: 0, lastLine: undefined });
    expect(await tailOf('{"id":"1"}\n')).toEqual({ end: 11, lastLine: '{"id":"1"}' });
    expect(await tailOf('{"id":"1"}\n{"id":"2"}\n')).toEqual({ end: 22, lastLine: '{"id":"2"}' });
  });

  it('leaves out a last line cut short', async () => {
    expect(await tailOf('{"id":"1"}\n{"id":"2"}\n{"id":"3","a')).toEqual({ end: 22, lastLine: '{"id":"2"}' });
    expect(await tailOf('{"id":"1","a')).toEqual({ end: 0, lastLine: undefined });
  });

  it('reads lines longer than one chunk', async () => {
    const long = `{"id":"7","pad":"${'x'.repeat(200_000)}"}`;
    const tail = await tailOf(`{"id":"6"}\n${long}\n`);
    expect(tail.lastLine).toBe(long);
    expect(eventIdOfLine(tail.lastLine)).toBe('7');
  });

  it('reads an event id only from a JSON line with a decimal id', () => {
    expect(eventIdOfLine('{"id":"42","at":"x"}')).toBe('42');
    expect(eventIdOfLine('{"id":42}')).toBeUndefined();
    expect(eventIdOfLine('not json')).toBeUndefined();
    expect(eventIdOfLine(undefined)).toBeUndefined();
  });
});
