/** A failure the CLI reports as one line, `Error [CODE]: message`, with a non-zero exit status. */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A command-line mistake (unknown command or option, missing argument): exit status 2. */
export function usageError(message: string): CliError {
  return new CliError('USAGE', message, 2);
}

/** Invalid input caught before anything is sent (keys, files, values). */
export function badInput(message: string): CliError {
  return new CliError('BAD_USER_INPUT', message);
}
