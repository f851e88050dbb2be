import { CliError, usageError } from './cli-error.js';
import { type Command, type CommandContext, type CommandGroup, isGroup } from './command.js';
import { auditGroup } from './commands/audit.js';
import { loginCommand, logoutCommand } from './commands/login.js';
import { secretGroup } from './commands/secret.js';
import { secretsManagerGroup } from './commands/secrets-manager.js';
import { stackGroup } from './commands/stack.js';
import { tokenGroup } from './commands/token.js';
import { configFilePath, DEFAULT_URL, readStoredLogin } from './config-file.js';
import { GatewayClient, normalizeGatewayUrl } from './gateway-client.js';
import { commandHelp, groupHelp, rootHelp } from './help.js';
import { Output } from './output.js';
import { type OptionSpec, type ParsedCommandLine, parseCommandLine } from './parse-command-line.js';
import { createPrompter } from './prompts.js';
import { redactUserInfo } from './url-user-info.js';

export const ROOT: CommandGroup = {
  name: 'sgw',
  summary: 'the command line of the Secrets Gateway',
  children: [
    loginCommand,
    logoutCommand,
    stackGroup,
    secretsManagerGroup,
    secretGroup,
    auditGroup,
    tokenGroup,
  ],
};

const HELP_OPTION: OptionSpec = { name: 'help', short: 'h', kind: 'boolean', help: 'show help' };

function outputOption(command: Command): OptionSpec {
  const shortTaken = (command.options ?? []).some((o) => o.short === 'o');
  return {
    name: 'output',
    short: shortTaken ? undefined : 'o',
    kind: 'string',
    value: 'json|table',
    help: 'output format',
  };
}

function parseFormat(value: unknown): boolean {
  if (value === undefined || value === 'table') return false;
  if (value === 'json') return true;
  throw usageError(`unknown output format "${String(value)}"; use json or table`);
}

/** The client from SGW_URL/SGW_TOKEN, else the stored login (whose token is only sent to its own URL). */
async function clientFor(env: NodeJS.ProcessEnv, warn: (line: string) => void): Promise<GatewayClient> {
  const envUrl = env.SGW_URL ? normalizeGatewayUrl(env.SGW_URL) : undefined;
  const stored = envUrl && env.SGW_TOKEN ? undefined : await readStoredLogin(configFilePath(env), warn);
  const url = envUrl ?? (stored ? normalizeGatewayUrl(stored.url) : DEFAULT_URL);
  const token =
    env.SGW_TOKEN || (stored && normalizeGatewayUrl(stored.url) === url ? stored.token : undefined);
  if (!token)
    throw new CliError(
      'UNAUTHENTICATED',
      `no token for ${url}: run sgw login --url ${url} --token TOKEN, or set SGW_TOKEN`,
    );
  return new GatewayClient(url, token);
}

/** The global options given before the command, and the index of the first argument after them. */
interface GlobalOptions {
  help: boolean;
  json: boolean;
  next: number;
}

/**
 * Reads the global options before the command: `-h`/`--help` and `-o`/`--output` (also
 * `--output=FORMAT`; a missing format means table). Stops at the first argument not starting
 * with `-`; any other option is a usage error.
 */
function parseGlobalOptions(argv: string[]): GlobalOptions {
  let json = false;
  let help = false;
  let i = 0;
  for (; i < argv.length && argv[i].startsWith('-'); i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') help = true;
    else if (arg === '-o' || arg === '--output') json = parseFormat(argv[++i]);
    else if (arg.startsWith('--output=')) json = parseFormat(arg.slice(9));
    else throw usageError(`unknown option ${arg}; see sgw --help`);
  }
  return { help, json, next: i };
}

/** The command or group named by the arguments, its path from `sgw`, and the arguments after it. */
interface FoundCommand {
  node: Command | CommandGroup;
  path: string[];
  rest: string[];
}

/**
 * Walks down the command tree from ROOT along the arguments from `start`, while the node is
 * a group and the next argument is not an option; an unknown name is a usage error.
 */
function findCommand(argv: string[], start: number): FoundCommand {
  let node: Command | CommandGroup = ROOT;
  const path = ['sgw'];
  let i = start;
  while (isGroup(node) && i < argv.length && !argv[i].startsWith('-')) {
    const name = argv[i];
    const child: Command | CommandGroup | undefined = node.children.find((c) => c.name === name);
    if (!child)
      throw usageError(`unknown command "${[...path, name].join(' ')}"; see ${path.join(' ')} --help`);
    node = child;
    path.push(name);
    i++;
  }
  return { node, path, rest: argv.slice(i) };
}

/** Whether help was asked for, globally or anywhere after the command. */
function wantsHelp(help: boolean, rest: string[]): boolean {
  return help || rest.includes('--help') || rest.includes('-h');
}

/**
 * Handles a command line that stops at a group: its help on stdout (status 0) when asked
 * for; a usage error for any other argument; else its help on stderr (status 2).
 */
function showGroupHelp(path: string[], group: CommandGroup, rest: string[], help: boolean): number {
  const text = group === ROOT ? rootHelp(ROOT) : groupHelp(path, group);
  if (wantsHelp(help, rest)) {
    process.stdout.write(`${text}\n`);
    return 0;
  }
  if (rest.length) throw usageError(`unknown option ${rest[0]}; see ${path.join(' ')} --help`);
  process.stderr.write(`${text}\n`);
  return 2;
}

/** Throws a usage error when the command gets fewer or more positional arguments than it takes. */
function checkArity(path: string[], command: Command, positionals: string[]): void {
  const [min, max] = command.arity;
  const names = command.argNames ?? [];
  if (positionals.length < min)
    throw usageError(
      `missing ${names[positionals.length] ?? 'argument'}; usage: ${path.join(' ')} ${command.usage}`,
    );
  if (positionals.length > max)
    throw usageError(`unexpected argument "${positionals[max]}"; usage: ${path.join(' ')} ${command.usage}`);
}

/**
 * The context a command runs with: its parsed arguments, the output (JSON or table), a
 * prompter, and a gateway client created on first use and then reused.
 */
function buildContext(parsed: ParsedCommandLine, json: boolean, env: NodeJS.ProcessEnv): CommandContext {
  const out = new Output(json);
  let client: GatewayClient | undefined;
  return {
    positionals: parsed.positionals,
    options: parsed.options,
    pairs: parsed.pairs,
    out,
    prompt: createPrompter(),
    env,
    client: async () => {
      client ??= await clientFor(env, (line) => out.note(line));
      return client;
    },
  };
}

/** Parses the command line and runs the command; returns the exit status, throws on errors. */
async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const global = parseGlobalOptions(argv);
  const { node, path, rest } = findCommand(argv, global.next);
  if (isGroup(node)) return showGroupHelp(path, node, rest, global.help);
  const command: Command = node;
  if (wantsHelp(global.help, rest)) {
    process.stdout.write(`${commandHelp(path, command)}\n`);
    return 0;
  }
  const parsed = parseCommandLine(
    rest,
    [...(command.options ?? []), outputOption(command), HELP_OPTION],
    command.pairs ?? false,
  );
  const json = parsed.options.output !== undefined ? parseFormat(parsed.options.output) : global.json;
  checkArity(path, command, parsed.positionals);
  await command.run(buildContext(parsed, json, env));
  return 0;
}

/** Runs `sgw` with its arguments and returns the exit status. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    return await run(argv, env);
  } catch (error) {
    // No URL's user name and password in what is printed, whatever the error quotes.
    if (error instanceof CliError) {
      process.stderr.write(`Error [${error.code}]: ${redactUserInfo(error.message)}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`Error [INTERNAL]: ${redactUserInfo(message.split('\n')[0])}\n`);
    return 1;
  }
}
