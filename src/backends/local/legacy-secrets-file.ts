import { lstat, rename, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { BackendError } from '../../errors.js';
import { type ContainedFile, containedDirectory, fileError, fullPath } from './contained-file.js';

/**
 * Where a local secrets file lived before local secrets files got their own folder (directly
 * under the data directory).
 */
export interface LegacyLocation {
  /** The old file, absolute. */
  file: string;
  /** How messages name it (relative to the data directory). */
  shownAs: string;
  /**
   * The gateway's own default file (a path no caller chose): moved into the folder. A configured
   * file: never touched; the back-end refuses to work until the operator moves it.
   */
  move: boolean;
}

/**
 * Called when `target` does not exist: a regular file at the legacy location (not a symbolic
 * link, one hard link) is moved in, or refused with the move the operator must make. Returns
 * whether a file was moved in (or another process moved it meanwhile); false when there is none.
 */
export async function bringInLegacyFile(target: ContainedFile, legacy: LegacyLocation): Promise<boolean> {
  try {
    const stats = await lstat(legacy.file);
    if (!stats.isFile() || stats.nlink > 1) return false;
  } catch {
    return false;
  }
  if (!legacy.move) {
    throw new BackendError(
      `local secrets file ${target.shownAs} does not exist, but ${legacy.shownAs} (where it was kept ` +
        `before local secrets files moved into their own folder) does: the operator must move it to ${target.shownAs}`,
    );
  }
  try {
    await containedDirectory(target);
    // Only this function moves a legacy file: when another call (or process) moved it first,
    // the rename finds nothing and the caller reads the file that call moved.
    await rename(legacy.file, fullPath(target));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw fileError(target, 'written', error);
  }
  await rmdir(path.dirname(legacy.file)).catch(() => undefined);
  return true;
}
