import path from 'node:path';
import { BadUserInputError } from '../errors.js';

/**
 * Why a local secrets manager's `secrets_file` is refused, if it is: the file must stay inside
 * SGW_DATA_DIR (a path relative to it), so no caller can make the gateway read or write any
 * other file on its host.
 */
export function localSecretsFileProblem(value: unknown): string | undefined {
  const file = String(value);
  if (path.isAbsolute(file) || file.split(/[\\/]/).includes('..') || file.includes('\0'))
    return 'must be a path relative to SGW_DATA_DIR, without .. (the file stays inside the data directory)';
  return undefined;
}

/** The file a local secrets manager uses: `secrets_file` under the data directory, or its default. */
export function localSecretsFilePath(
  dataDir: string,
  componentId: string,
  configured: string | undefined,
): string {
  if (configured === undefined) return path.join(dataDir, componentId, 'secrets.yaml');
  const problem = localSecretsFileProblem(configured);
  if (problem)
    throw new BadUserInputError('Invalid local secrets manager', [
      { path: 'configuration.secrets_file', message: problem },
    ]);
  return path.join(dataDir, configured);
}
