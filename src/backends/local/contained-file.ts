import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, lstat, mkdir, open, realpath, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { BackendError } from '../../errors.js';

/**
 * A file named relative to the folder it must stay in. Messages name it by `shownAs` (e.g. its
 * path relative to the data directory), never by its absolute path.
 */
export interface ContainedFile {
  /** The folder, absolute; it may itself be a symbolic link (the operator's choice). */
  folder: string;
  /** The file relative to `folder`, normalized, without `..`. */
  file: string;
  shownAs: string;
}

/** O_NOFOLLOW where the platform has it (not on Windows). */
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

export const fullPath = (target: ContainedFile) => path.join(target.folder, target.file);

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

/** BACKEND_ERROR: the file is refused, and why (never its content nor its absolute path). */
function refused(target: ContainedFile, why: string): BackendError {
  return new BackendError(`local secrets file ${target.shownAs} is refused: ${why}`);
}

/** A file-system failure as BACKEND_ERROR naming the file and the error code. */
export function fileError(target: ContainedFile, action: 'read' | 'written', error: unknown): BackendError {
  if (error instanceof BackendError) return error;
  return new BackendError(
    `local secrets file ${target.shownAs} could not be ${action} (${codeOf(error) ?? 'unknown error'})`,
  );
}

/** Refuses a symbolic link at any level from the folder down to the file; stops at the first absent one. */
export async function refuseLinks(target: ContainedFile): Promise<void> {
  let current = target.folder;
  for (const part of target.file.split(path.sep)) {
    current = path.join(current, part);
    try {
      if ((await lstat(current)).isSymbolicLink()) throw refused(target, 'a symbolic link is in its path');
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return;
      throw error;
    }
  }
}

/** Refuses `dir` (existing) unless its real path is the folder's real path or inside it. */
async function refuseOutside(target: ContainedFile, dir: string): Promise<void> {
  const [root, real] = await Promise.all([realpath(target.folder), realpath(dir)]);
  if (real !== root && !real.startsWith(root + path.sep)) throw refused(target, 'its path leaves its folder');
}

/** The file's text; undefined when it (or its directory) does not exist. */
export async function readContained(target: ContainedFile): Promise<string | undefined> {
  const file = fullPath(target);
  let handle: FileHandle;
  try {
    await refuseLinks(target);
    handle = await open(file, constants.O_RDONLY | NO_FOLLOW);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return undefined;
    if (codeOf(error) === 'ELOOP') throw refused(target, 'a symbolic link is in its path');
    throw fileError(target, 'read', error);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw refused(target, 'not a regular file');
    if (stats.nlink > 1) throw refused(target, 'it has more than one hard link');
    await refuseOutside(target, path.dirname(file));
    return await handle.readFile('utf8');
  } catch (error) {
    throw fileError(target, 'read', error);
  } finally {
    await handle.close();
  }
}

/**
 * Makes the file's directory (mode 0700) inside the folder and returns it: no symbolic link at
 * any level, before and after, and its real path inside the folder's.
 */
export async function containedDirectory(target: ContainedFile): Promise<string> {
  const dir = path.dirname(fullPath(target));
  await refuseLinks(target);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await refuseLinks(target);
  await refuseOutside(target, dir);
  return dir;
}

/**
 * Replaces the file atomically: temp file (created exclusively, mode 0600) in the same directory,
 * fsync, rename (which replaces a name, never follows it), fsync the directory.
 */
export async function writeContained(target: ContainedFile, content: string): Promise<void> {
  try {
    const dir = await containedDirectory(target);
    await writeAtomically(dir, fullPath(target), content);
  } catch (error) {
    throw fileError(target, 'written', error);
  }
}

async function writeAtomically(dir: string, file: string, content: string): Promise<void> {
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  // Make the rename itself durable; not every platform lets a directory be fsynced.
  try {
    const dirHandle = await open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  } catch {
    // best effort
  }
}
