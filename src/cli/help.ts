import { type Command, type CommandGroup, isGroup } from './command.js';
import { formatTable } from './output.js';
import type { OptionSpec } from './parse-command-line.js';

export const GLOBAL_HELP = `Global options:
  -o, --output json|table   json: the raw data for scripts (default: table)
  -h, --help                show help

Environment:
  SGW_URL, SGW_TOKEN        the gateway and the token (override what sgw login stored)
  SGW_CONFIG                the config file (default ~/.config/sgw/config.json)`;

/** Every leaf command under a node, with its full path. */
function leaves(node: Command | CommandGroup, prefix: string[]): Array<{ path: string[]; command: Command }> {
  if (!isGroup(node)) return [{ path: [...prefix, node.name], command: node }];
  return node.children.flatMap((child) => leaves(child, [...prefix, node.name]));
}

function usageLine(path: string[], command: Command): string {
  return [...path, command.usage].filter(Boolean).join(' ');
}

/** `sgw --help`: every command in one list. */
export function rootHelp(root: CommandGroup): string {
  const rows = root.children.flatMap((child) =>
    leaves(child, []).map(({ path, command }) => [`  ${path.join(' ')}`, command.summary]),
  );
  return [
    'sgw: the command line of the Secrets Gateway (a GraphQL client of the gateway)',
    '',
    'Usage: sgw [-o json] <command> [arguments]',
    '',
    'Commands:',
    formatTable(['', ''], rows).split('\n').slice(1).join('\n'),
    '',
    'Run sgw <command> --help for its arguments, e.g. sgw secret create --help.',
    '',
    GLOBAL_HELP,
  ].join('\n');
}

/** `sgw <group> --help`: the group's commands with their arguments. */
export function groupHelp(path: string[], group: CommandGroup): string {
  const lines = [`${path.join(' ')}: ${group.summary}`, '', 'Commands:'];
  for (const { path: leafPath, command } of group.children.flatMap((c) => leaves(c, path))) {
    lines.push(`  ${usageLine(leafPath, command)}`, `      ${command.summary}`);
  }
  lines.push('', `Run ${path.join(' ')} <command> --help for details.`);
  return lines.join('\n');
}

function optionLabel(option: OptionSpec): string {
  const value = option.kind === 'boolean' ? '' : ` ${option.value ?? 'VALUE'}`;
  return option.short ? `-${option.short}, --${option.name}${value}` : `    --${option.name}${value}`;
}

/** `sgw <group> <command> --help`. */
export function commandHelp(path: string[], command: Command): string {
  const lines = [`Usage: ${usageLine(path, command)}`, '', command.summary];
  if (command.details) lines.push('', command.details);
  const options = command.options ?? [];
  if (options.length) {
    lines.push('', 'Options:');
    const rows = options.map((o) => [`  ${optionLabel(o)}`, o.help]);
    lines.push(formatTable(['', ''], rows).split('\n').slice(1).join('\n'));
  }
  lines.push('', GLOBAL_HELP);
  return lines.join('\n');
}
