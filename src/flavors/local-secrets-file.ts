import path from 'node:path';
import type { LegacyLocation } from '../backends/local/legacy-secrets-file.js';
import { BadUserInputError } from '../errors.js';

/**
 * The folder of SGW_DATA_DIR that holds every local secrets file. No other file of the data
 * directory (PGlite's pgdata/, the key files) can be named by a `secrets_file`.
 */
export const LOCAL_SECRETS_FOLDER = 'local-secrets';

/** Entries of the data directory that were never a local secrets file (the gateway's own). */
const GATEWAY_OWNED = new Set(['pgdata', LOCAL_SECRETS_FOLDER]);

/**
 * Why a local secrets manager's `secrets_file` is refused, if it is: it is a path relative to
 * the local-secrets folder of SGW_DATA_DIR, without `..`, naming a file, so no caller can make
 * the gateway read or write any other file on its host or in its data directory.
 */
export function localSecretsFileProblem(value: unknown): string | undefined {
  const file = String(value);
  const parts = file.split(/[\\/]/);
  if (path.isAbsolute(file) || /^[A-Za-z]:/.test(file) || parts.includes('..') || file.includes('\0'))
    return `must be a path relative to the ${LOCAL_SECRETS_FOLDER} folder of SGW_DATA_DIR, without .. (the file stays inside that folder)`;
  const last = parts[parts.length - 1];
  if (last === '' || last === '.') return 'must name a file, e.g. team/secrets.yaml';
  return undefined;
}

/** Where a local secrets manager's file is: its folder, the file in it, how messages name it. */
export interface LocalSecretsFileLocation {
  folder: string;
  file: string;
  shownAs: string;
  legacy?: LegacyLocation;
}

/**
 * Where a file of the data directory lived before local-secrets/: the default file (moved in at
 * first use), or a configured `*.yaml`/`*.yml` outside the gateway's own entries (refused until
 * the operator moves it; other names are never looked at, so no caller learns what else exists).
 */
function legacyLocation(dataDir: string, file: string, isDefault: boolean): LegacyLocation | undefined {
  const first = file.split(path.sep)[0];
  if (!isDefault && (GATEWAY_OWNED.has(first) || !/\.ya?ml$/i.test(file))) return undefined;
  return { folder: dataDir, file, shownAs: file, move: isDefault };
}

/**
 * The file a local secrets manager uses: `secrets_file` inside `<data dir>/local-secrets/`, or
 * its default `<component id>/secrets.yaml` there. BAD_USER_INPUT for a refused `secrets_file`.
 */
export function localSecretsFileLocation(
  dataDir: string,
  componentId: string,
  configured: string | undefined,
): LocalSecretsFileLocation {
  if (configured !== undefined) {
    const problem = localSecretsFileProblem(configured);
    if (problem)
      throw new BadUserInputError('Invalid local secrets manager', [
        { path: 'configuration.secrets_file', message: problem },
      ]);
  }
  if (!/^[A-Za-z0-9-]+$/.test(componentId)) throw new Error('a component id is a UUID');
  const file = path.normalize(configured ?? path.join(componentId, 'secrets.yaml'));
  return {
    folder: path.join(dataDir, LOCAL_SECRETS_FOLDER),
    file,
    shownAs: path.join(LOCAL_SECRETS_FOLDER, file),
    legacy: legacyLocation(dataDir, file, configured === undefined),
  };
}
