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
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const options: OptionValues = {};
  const positionals: string[] = [];
  const pairs: Array<[string, string]> = [];

  const set = (spec: OptionSpec, value: string | boolean) => {
    if (spec.kind === 'list') {
      const list = (options[spec.name] as string[] | undefined) ?? [];
      list.push(String(value));
      options[spec.name] = list;
    } else options[spec.name] = value;
  };
  const label = (spec: OptionSpec) => (spec.short ? `-${spec.short}/--${spec.name}` : `--${spec.name}`);

  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
      const spec = byLong.get(name);
      if (!spec) {
        if (!acceptsPairs) throw usageError(`unknown option --${name}`);
        if (inline === undefined) throw usageError(`--${name} needs a value: write --${name}=VALUE`);
        if (pairs.some(([key]) => key === name)) throw usageError(`--${name} is given more than once`);
        pairs.push([name, inline]);
        continue;
      }
      if (spec.kind === 'boolean') {
        if (inline !== undefined) throw usageError(`${label(spec)} takes no value`);
        set(spec, true);
        continue;
      }
      if (inline !== undefined) set(spec, inline);
      else if (i + 1 < args.length) set(spec, args[++i]);
      else throw usageError(`${label(spec)} needs a value`);
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      const first = byShort.get(arg[1]);
      if (!first) throw usageError(`unknown option ${arg.slice(0, 2)}`);
      if (first.kind !== 'boolean') {
        const rest = arg.slice(2).replace(/^=/, '');
        if (rest) set(first, rest);
        else if (i + 1 < args.length) set(first, args[++i]);
        else throw usageError(`${label(first)} needs a value`);
        continue;
      }
      for (const letter of arg.slice(1)) {
        const spec = byShort.get(letter);
        if (spec?.kind !== 'boolean') throw usageError(`unknown option -${letter} in ${arg}`);
        set(spec, true);
      }
      continue;
    }
    positionals.push(arg);
  }
  return { positionals, options, pairs };
}
