import type { FileHandle } from 'node:fs/promises';

/** Bytes read at a time from the end of the file. */
const CHUNK = 64 * 1024;
/** Longest last line looked for (an audit event line is far shorter). */
const MAX_LINE = 4 * 1024 * 1024;

/** The end of a JSON-lines file: where its last complete line ends, and that line. */
export interface FileTail {
  /** Offset just after the last newline (0 when there is none). */
  end: number;
  /** The last complete line, without its newline. */
  lastLine: string | undefined;
}

/**
 * Reads backwards from the end of the file to its last complete line. Bytes after the last
 * newline (a line cut short by a crash) are not part of it: `end` is where they start. A tail
 * longer than 4 MiB without a newline is no line of ours: it is left alone (`end` is the size).
 */
export async function readFileTail(handle: FileHandle): Promise<FileTail> {
  const { size } = await handle.stat();
  let position = size;
  let buffer = Buffer.alloc(0);
  let end: number | undefined;
  while (position > 0 && buffer.length <= MAX_LINE) {
    const length = Math.min(CHUNK, position);
    position -= length;
    const chunk = Buffer.alloc(length);
    await handle.read(chunk, 0, length, position);
    buffer = Buffer.concat([chunk, buffer]);
    const lastNewline = buffer.lastIndexOf(10);
    if (lastNewline === -1) continue;
    end = position + lastNewline + 1;
    const previous = lastNewline === 0 ? -1 : buffer.lastIndexOf(10, lastNewline - 1);
    if (previous !== -1 || position === 0)
      return { end, lastLine: buffer.subarray(previous + 1, lastNewline).toString('utf8') };
  }
  if (end !== undefined || position > 0) return { end: end ?? size, lastLine: undefined };
  return { end: 0, lastLine: undefined };
}

/** The `id` of a JSON line of an audit event, or undefined when the line is no such thing. */
export function eventIdOfLine(line: string | undefined): string | undefined {
  if (line === undefined) return undefined;
  try {
    const id = (JSON.parse(line) as { id?: unknown }).id;
    return typeof id === 'string' && /^\d{1,18}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}
