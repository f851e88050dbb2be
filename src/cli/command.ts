import type { GatewayClient } from './gateway-client.js';
import type { Output } from './output.js';
import type { OptionSpec, ParsedCommandLine } from './parse-command-line.js';
import type { Prompter } from './prompts.js';

/** What a command runs with. */
export interface CommandContext {
  positionals: string[];
  options: ParsedCommandLine['options'];
  pairs: ParsedCommandLine['pairs'];
  out: Output;
  prompt: Prompter;
  env: NodeJS.ProcessEnv;
  /** The gateway client from SGW_URL/SGW_TOKEN or the stored login. */
  client(): Promise<GatewayClient>;
}

/** One leaf command, e.g. `sgw secret create`. */
export interface Command {
  name: string;
  /** Arguments after the command name, for help, e.g. `NAME [-s SCHEMA] [--KEY=VALUE ...]`. */
  usage: string;
  summary: string;
  /** Longer help shown by `sgw <group> <command> --help`. */
  details?: string;
  options?: OptionSpec[];
  /** Accepts `--KEY=VALUE` pairs besides its options. */
  pairs?: boolean;
  /** Positional arguments: [min, max] (max Infinity for a list). */
  arity: [number, number];
  /** Names of positionals for messages, e.g. ['NAME']. */
  argNames?: string[];
  run(context: CommandContext): Promise<void>;
}

/** A group of commands (and subgroups), e.g. `sgw secrets-manager`. */
export interface CommandGroup {
  name: string;
  summary: string;
  children: Array<Command | CommandGroup>;
}

export function isGroup(node: Command | CommandGroup): node is CommandGroup {
  return 'children' in node;
}

/** A string option's value, if given. */
export function stringOption(context: CommandContext, name: string): string | undefined {
  const value = context.options[name];
  return typeof value === 'string' ? value : undefined;
}

export function flag(context: CommandContext, name: string): boolean {
  return context.options[name] === true;
}

export function listOption(context: CommandContext, name: string): string[] {
  const value = context.options[name];
  return Array.isArray(value) ? value : [];
}
