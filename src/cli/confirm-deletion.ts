import { CliError } from './cli-error.js';
import { type CommandContext, flag } from './command.js';
import type { OptionSpec } from './parse-command-line.js';

export const YES_OPTION: OptionSpec = {
  name: 'yes',
  short: 'y',
  kind: 'boolean',
  help: 'do not ask for confirmation',
};

/** Asks "Are you sure? [y/N]" unless `-y`; anything but yes aborts (exit status 1). */
export async function confirmDeletion(context: CommandContext, what: string): Promise<void> {
  if (flag(context, 'yes')) return;
  if (await context.prompt.confirm(`Deleting ${what}. Are you sure?`)) return;
  throw new CliError('ABORTED', `not confirmed; ${what} was not deleted`);
}
