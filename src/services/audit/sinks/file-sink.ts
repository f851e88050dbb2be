import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { toAuditMessage } from '../audit-event.js';
import { type AuditSink, SinkFailure } from './audit-sink.js';
import { eventIdOfLine, readFileTail } from './file-tail.js';

/** Events written (and fsync'd) at once. */
const FILE_BATCH = 500;

/** A file system failure in words that name neither the path nor anything else: its code. */
function fileFailure(what: string, error: unknown): SinkFailure {
  const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
  return new SinkFailure(`could not ${what} the audit file (${code})`);
}

/**
 * The JSON-lines file sink (`SGW_AUDIT_FILE`): one `AuditEvent` message a line (the `sgw:audit`
 * shape, `id` as a string), appended in id order, each batch fsync'd before the cursor moves.
 * The file is opened for appending (created 0600); `reopen()` (SIGHUP) makes the next batch go
 * to whatever file is at the path then (log rotation). On take-over it reads the file's last
 * line: events up to that id are there already and are not written again (the cursor may lag
 * the file after a crash between fsync and cursor update), and a last line cut short by a crash
 * is cut off, so the file holds every event once.
 */
export function createFileSink(filePath: string): AuditSink & { reopen(): void } {
  let handle: FileHandle | undefined;
  let reopenRequested = false;
  /** Events up to this id are in the file already. */
  let heldUpTo: bigint | undefined;

  async function openFile(): Promise<FileHandle> {
    if (handle && !reopenRequested) return handle;
    reopenRequested = false;
    await handle?.close().catch(() => {});
    handle = undefined;
    let opened: FileHandle;
    try {
      opened = await open(filePath, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
    } catch (error) {
      throw fileFailure('open', error);
    }
    handle = opened;
    return opened;
  }

  /** The id of the file's last event (cutting off a partial last line), if it has one. */
  async function lastIdInFile(): Promise<string | undefined> {
    const file = await openFile();
    let reader: FileHandle | undefined;
    try {
      reader = await open(filePath, 'r');
      const tail = await readFileTail(reader);
      const { size } = await file.stat();
      if (tail.end < size) await file.truncate(tail.end);
      return eventIdOfLine(tail.lastLine);
    } catch (error) {
      throw fileFailure('read', error);
    } finally {
      await reader?.close();
    }
  }

  async function resume(): Promise<string | undefined> {
    const last = await lastIdInFile();
    heldUpTo = last === undefined ? undefined : BigInt(last);
    return last;
  }

  return {
    name: 'file',
    batchSize: FILE_BATCH,
    resume,
    async deliver(events) {
      if (reopenRequested) await resume();
      const file = await openFile();
      const fresh =
        heldUpTo === undefined ? events : events.filter((e) => BigInt(e.id) > (heldUpTo as bigint));
      if (fresh.length === 0) return;
      const lines = fresh.map((event) => `${JSON.stringify(toAuditMessage(event))}\n`).join('');
      try {
        await file.appendFile(lines, 'utf8');
        await file.sync();
      } catch (error) {
        reopenRequested = true; // the next try cuts off what part of this batch got written
        throw fileFailure('write', error);
      }
      heldUpTo = BigInt(fresh[fresh.length - 1].id);
    },
    reopen() {
      reopenRequested = true;
    },
    async close() {
      await handle?.close().catch(() => {});
      handle = undefined;
    },
  };
}
