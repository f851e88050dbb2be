import { lstat, rename, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { BackendError } from '../../errors.js';
import {
  type ContainedFile,
  containedDirectory,
  fileError,
  fullPath,
  refuseLinks,
} from './contained-file.js';

/**
 * Where a local secrets file lived before local secrets files got their own folder: `folder` is
 * the data directory, `file` and `shownAs` the old path relative to it.
 */
export interface LegacyLocation extends ContainedFile {
  /**
   * The gateway's own default file (a path no caller chose): moved into the folder. A configured
   * file: never touched; the back-end refuses to work until the operator moves it.
   */
  move: boolean;
}

/**
 * Called when `target` does not exist: a regular file at the legacy location (no symbolic
 * link at any level below the data directory, one hard link) is moved in, or refused with the move the operator must make. Returns
 * whether a file was moved in (or another process moved it meanwhile); false when there is none.
 */
export async function bringInLegacyFile(target: ContainedFile, legacy: LegacyLocation): Promise<boolean> {
  const legacyFile = fullPath(legacy);
  try {
    await refuseLinks(legacy);
    const stats = await lstat(legacyFile);
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
    await rename(legacyFile, fullPath(target));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw fileError(target, 'written', error);
  }
  await rmdir(path.dirname(legacyFile)).catch(() => undefined);
  return true;
}
