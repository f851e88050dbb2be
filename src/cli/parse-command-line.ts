import { usageError } from './cli-error.js';

/** One option of a command: `--name VALUE`, `--name=VALUE`, `-s VALUE`, or a flag. */
export interface OptionSpec {
  name: string;
  short?: string;
  /** `string`: one value; `list`: repeatable; `boolean`: a flag. */
  kind: 'string' | 'list' | 'boolean';
  /** Placeholder shown in help, e.g. `SCHEMA`. */
  value?: string;
  help: string;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface ParsedCommandLine {
  positionals: string[];
  options: OptionValues;
  /** Unknown `--key=value` options, in order (only for commands that take them). */
  pairs: Array<[string, string]>;
}

/** The option specs by name and letter, and what parsing has collected so far. */
interface ParseState {
  byLong: Map<string, OptionSpec>;
  byShort: Map<string, OptionSpec>;
  acceptsPairs: boolean;
  options: OptionValues;
  pairs: Array<[string, string]>;
}

/**
 * Splits a command's arguments into positionals, known options and `--key=value` pairs.
 * Throws a USAGE error for an unknown option (unless pairs are accepted), a missing value,
 * or a value given to a flag. `--` ends the options.
 */
export function parseCommandLine(
  args: string[],
  specs: OptionSpec[],
  acceptsPairs: boolean,
): ParsedCommandLine {
  const state: ParseState = {
    byLong: new Map(specs.map((s) => [s.name, s])),
    byShort: new Map(specs.filter((s) => s.short).map((s) => [s.short!, s])),
    acceptsPairs,
    options: {},
    pairs: [],
  };
  const positionals: string[] = [];

  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) i = parseLongOption(state, args, i);
    else if (arg.startsWith('-') && arg.length > 1) i = parseShortOptions(state, args, i);
    else positionals.push(arg);
  }
  return { positionals, options: state.options, pairs: state.pairs };
}

/** Records an option's value: appended for a list, otherwise set (the last one wins). */
function setOption(options: OptionValues, spec: OptionSpec, value: string | boolean): void {
  if (spec.kind === 'list') {
    const list = (options[spec.name] as string[] | undefined) ?? [];
    list.push(String(value));
    options[spec.name] = list;
  } else options[spec.name] = value;
}

/** How an option is named in messages: `-s/--name` or `--name`. */
function optionLabel(spec: OptionSpec): string {
  return spec.short ? `-${spec.short}/--${spec.name}` : `--${spec.name}`;
}

/**
 * Parses `args[i]`, a `--name`, `--name=VALUE` or unknown `--key=value` option, taking its value
 * from the next argument when needed. Returns the index of the last argument consumed.
 */
function parseLongOption(state: ParseState, args: string[], i: number): number {
  const arg = args[i];
  const eq = arg.indexOf('=');
  const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
  const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
  const spec = state.byLong.get(name);
  if (!spec) {
    if (!state.acceptsPairs) throw usageError(`unknown option --${name}`);
    if (inline === undefined) throw usageError(`--${name} needs a value: write --${name}=VALUE`);
    if (state.pairs.some(([key]) => key === name)) throw usageError(`--${name} is given more than once`);
    state.pairs.push([name, inline]);
    return i;
  }
  if (spec.kind === 'boolean') {
    if (inline !== undefined) throw usageError(`${optionLabel(spec)} takes no value`);
    setOption(state.options, spec, true);
    return i;
  }
  if (inline !== undefined) setOption(state.options, spec, inline);
  else if (i + 1 < args.length) setOption(state.options, spec, args[++i]);
  else throw usageError(`${optionLabel(spec)} needs a value`);
  return i;
}

/**
 * Parses `args[i]`, a short option: `-sVALUE`, `-s=VALUE` or `-s VALUE` for one taking a value,
 * or a group of flags (`-abc`). Returns the index of the last argument consumed.
 */
function parseShortOptions(state: ParseState, args: string[], i: number): number {
  const arg = args[i];
  const first = state.byShort.get(arg[1]);
  if (!first) throw usageError(`unknown option ${arg.slice(0, 2)}`);
  if (first.kind !== 'boolean') {
    const rest = arg.slice(2).replace(/^=/, '');
    if (rest) setOption(state.options, first, rest);
    else if (i + 1 < args.length) setOption(state.options, first, args[++i]);
    else throw usageError(`${optionLabel(first)} needs a value`);
    return i;
  }
  for (const letter of arg.slice(1)) {
    const spec = state.byShort.get(letter);
    if (spec?.kind !== 'boolean') throw usageError(`unknown option -${letter} in ${arg}`);
    setOption(state.options, spec, true);
  }
  return i;
}
