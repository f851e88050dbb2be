import { CliError, usageError } from '../cli-error.js';
import { type CommandContext, stringOption } from '../command.js';
import type { OptionSpec } from '../parse-command-line.js';

export interface Secret {
  id: string;
  name: string;
  scope: string;
  schema: string;
  keys: string[];
  version: number;
  owner: { name: string };
  createdAt: string;
  updatedAt: string;
  origin: Record<string, unknown> | null;
  values?: Record<string, string>;
}

export const SECRET_FIELDS = 'id name scope schema keys version owner { name } createdAt updatedAt origin';

export const SCOPE_OPTION: OptionSpec = {
  name: 'scope',
  short: 's',
  kind: 'string',
  value: 'workspace|user',
  help: 'the secret scope (lookups without it try user, then workspace)',
};
/** How a create/register command takes a new secret's values (its `details`). */
export const NEW_VALUES_DETAILS =
  '--KEY=@path reads the value from a file (~ expanded, at most 10,240 bytes); --KEY=@@x stores "@x".\n' +
  'Keys are identifiers. -i prompts for each key of the schema (or for keys and values with arbitrary);\n' +
  'a key named like an option of this command (e.g. schema, scope, stack, output) can only be entered with -i.';

export const INTERACTIVE_OPTION: OptionSpec = {
  name: 'interactive',
  short: 'i',
  kind: 'boolean',
  help: 'prompt for the values (hidden input)',
};
/** `-s/--schema` of `secrets-manager secret register` (ZenML 0.39). */
export const SCHEMA_OPTION: OptionSpec = {
  name: 'schema',
  short: 's',
  kind: 'string',
  value: 'SCHEMA',
  help: 'arbitrary (default), aws, gcp, azure, basic_auth, mysql …',
};

/** `--schema` of `secret create` (as in ZenML 0.40, `-s` is the scope there). */
export const STORE_SCHEMA_OPTION: OptionSpec = { ...SCHEMA_OPTION, short: undefined };

/** A scope option (`--scope`, `--new-scope`) as the GraphQL enum, or undefined. */
export function scopeOf(context: CommandContext, option = 'scope'): 'WORKSPACE' | 'USER' | undefined {
  const value = stringOption(context, option);
  if (value === undefined) return undefined;
  const upper = value.toUpperCase();
  if (upper !== 'WORKSPACE' && upper !== 'USER')
    throw usageError(`--${option} must be workspace or user, not "${value}"`);
  return upper;
}

function describeScope(scope: string | undefined): string {
  return scope ? ` in the ${scope.toLowerCase()} scope` : '';
}

/** A version option (`--version`, `--expected-version`) as a positive integer, or undefined. */
export function versionOf(context: CommandContext, option = 'version'): number | undefined {
  const value = stringOption(context, option);
  if (value === undefined) return undefined;
  if (!/^[1-9]\d{0,8}$/.test(value))
    throw usageError(`--${option} takes a version number (1, 2, …), not "${value}"`);
  return Number(value);
}

/**
 * The secret `name` (in `--scope` if given); with `withValues` its values, of `version` when
 * given (the current ones otherwise). NOT_FOUND when there is no such secret.
 */
export async function findSecret(
  context: CommandContext,
  name: string,
  withValues = false,
  version?: number,
): Promise<Secret> {
  const scope = scopeOf(context);
  const values = !withValues ? '' : version === undefined ? ' values' : ' values(version: $version)';
  const { secret } = await (await context.client()).request<{ secret: Secret | null }>(
    `query($name: String!, $scope: SecretScope${version === undefined ? '' : ', $version: Int'}) {
      secret(name: $name, scope: $scope) { ${SECRET_FIELDS}${values} }
    }`,
    { name, scope, ...(version === undefined ? {} : { version }) },
  );
  if (!secret) throw new CliError('NOT_FOUND', `no secret named "${name}"${describeScope(scope)}`);
  return secret;
}
