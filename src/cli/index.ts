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
import { type OptionSpec, parseCommandLine } from './parse-command-line.js';
import { createPrompter } from './prompts.js';

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
  const url = envUrl ?? stored?.url ?? DEFAULT_URL;
  const token =
    env.SGW_TOKEN || (stored && normalizeGatewayUrl(stored.url) === url ? stored.token : undefined);
  if (!token)
    throw new CliError(
      'UNAUTHENTICATED',
      `no token for ${url}: run sgw login --url ${url} --token TOKEN, or set SGW_TOKEN`,
    );
  return new GatewayClient(url, token);
}

/** Runs `sgw` with its arguments and returns the exit status. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let json = false;
  try {
    let i = 0;
    let help = false;
    // global options before the command
    for (; i < argv.length && argv[i].startsWith('-'); i++) {
      const arg = argv[i];
      if (arg === '-h' || arg === '--help') help = true;
      else if (arg === '-o' || arg === '--output') json = parseFormat(argv[++i]);
      else if (arg.startsWith('--output=')) json = parseFormat(arg.slice(9));
      else throw usageError(`unknown option ${arg}; see sgw --help`);
    }
    let node: Command | CommandGroup = ROOT;
    const path = ['sgw'];
    while (isGroup(node) && i < argv.length && !argv[i].startsWith('-')) {
      const name = argv[i];
      const child: Command | CommandGroup | undefined = node.children.find((c) => c.name === name);
      if (!child)
        throw usageError(`unknown command "${[...path, name].join(' ')}"; see ${path.join(' ')} --help`);
      node = child;
      path.push(name);
      i++;
    }
    const rest = argv.slice(i);
    if (isGroup(node)) {
      const text = node === ROOT ? rootHelp(ROOT) : groupHelp(path, node);
      if (help || rest.includes('--help') || rest.includes('-h')) {
        process.stdout.write(`${text}\n`);
        return 0;
      }
      if (rest.length) throw usageError(`unknown option ${rest[0]}; see ${path.join(' ')} --help`);
      process.stderr.write(`${text}\n`);
      return 2;
    }
    const command: Command = node;
    if (help || rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`${commandHelp(path, command)}\n`);
      return 0;
    }
    const parsed = parseCommandLine(
      rest,
      [...(command.options ?? []), outputOption(command), HELP_OPTION],
      command.pairs ?? false,
    );
    if (parsed.options.output !== undefined) json = parseFormat(parsed.options.output);
    const [min, max] = command.arity;
    const names = command.argNames ?? [];
    if (parsed.positionals.length < min)
      throw usageError(
        `missing ${names[parsed.positionals.length] ?? 'argument'}; usage: ${path.join(' ')} ${command.usage}`,
      );
    if (parsed.positionals.length > max)
      throw usageError(
        `unexpected argument "${parsed.positionals[max]}"; usage: ${path.join(' ')} ${command.usage}`,
      );
    const out = new Output(json);
    let client: GatewayClient | undefined;
    const context: CommandContext = {
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
    await command.run(context);
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`Error [${error.code}]: ${error.message}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`Error [INTERNAL]: ${message.split('\n')[0]}\n`);
    return 1;
  }
}
