import type { FlavorOptions } from '../backend-options.js';

/** The `local` flavor's options: the secrets file, relative to SGW_DATA_DIR/local-secrets (unset: its default). */
export interface LocalOptions {
  secretsFile: string | undefined;
}

/** The `local` flavor's options: secrets_file. No credentials; the store has no `local` kind. */
export const localOptions: FlavorOptions<LocalOptions> = {
  parse: (read) => ({ secretsFile: read.text('secrets_file') }),
  sensitiveFields: [],
  storeNames: {},
};
