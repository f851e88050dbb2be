import { CliError } from './cli-error.js';
import { type CommandContext, flag } from './command.js';
import type { OptionSpec } from './parse-command-line.js';

export const YES_OPTION: OptionSpec = {
  name: 'yes',
  short: 'y',
  kind: 'boolean',
  help: 'do not ask for confirmation',
};

/** How the question and the refusal name the action: deleting (default) or purging for good. */
const ACTIONS = {
  delete: { doing: 'Deleting', done: 'deleted' },
  purge: { doing: 'Purging', done: 'purged' },
};

/** Asks "Are you sure? [y/N]" unless `-y`; anything but yes aborts (exit status 1). */
export async function confirmDeletion(
  context: CommandContext,
  what: string,
  action: keyof typeof ACTIONS = 'delete',
): Promise<void> {
  if (flag(context, 'yes')) return;
  const { doing, done } = ACTIONS[action];
  if (await context.prompt.confirm(`${doing} ${what}. Are you sure?`)) return;
  throw new CliError('ABORTED', `not confirmed; ${what} was not ${done}`);
}
