import { CliError, usageError } from '../cli-error.js';
import {
  type Command,
  type CommandContext,
  type CommandGroup,
  flag,
  listOption,
  stringOption,
} from '../command.js';
import { confirmDeletion, YES_OPTION } from '../confirm-deletion.js';
import type { OptionSpec } from '../parse-command-line.js';
import {
  checkSecretKey,
  checkValueSource,
  fetchSecretSchema,
  promptSecretValues,
  promptUpdatedValues,
  showMaskedSecret,
  valuesFromPairs,
} from '../secret-values.js';

interface Secret {
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

const SECRET_FIELDS = 'id name scope schema keys version owner { name } createdAt updatedAt origin';

export const SCOPE_OPTION: OptionSpec = {
  name: 'scope',
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
export const SCHEMA_OPTION: OptionSpec = {
  name: 'schema',
  short: 's',
  kind: 'string',
  value: 'SCHEMA',
  help: 'arbitrary (default), aws, gcp, azure, basic_auth, mysql …',
};

/** `--scope workspace|user` as the GraphQL enum, or undefined. */
export function scopeOf(context: CommandContext): 'WORKSPACE' | 'USER' | undefined {
  const value = stringOption(context, 'scope');
  if (value === undefined) return undefined;
  const upper = value.toUpperCase();
  if (upper !== 'WORKSPACE' && upper !== 'USER')
    throw usageError(`--scope must be workspace or user, not "${value}"`);
  return upper;
}

function describeScope(scope: string | undefined): string {
  return scope ? ` in the ${scope.toLowerCase()} scope` : '';
}

async function findSecret(context: CommandContext, name: string, withValues = false): Promise<Secret> {
  const scope = scopeOf(context);
  const { secret } = await (await context.client()).request<{ secret: Secret | null }>(
    `query($name: String!, $scope: SecretScope) { secret(name: $name, scope: $scope) { ${SECRET_FIELDS}${withValues ? ' values' : ''} } }`,
    { name, scope },
  );
  if (!secret) throw new CliError('NOT_FOUND', `no secret named "${name}"${describeScope(scope)}`);
  return secret;
}

const create: Command = {
  name: 'create',
  usage: 'NAME [-s SCHEMA] [--scope workspace|user] [-i | --KEY=VALUE|--KEY=@file ...]',
  summary: 'Create a secret in the centralized store',
  details: NEW_VALUES_DETAILS,
  options: [SCHEMA_OPTION, SCOPE_OPTION, INTERACTIVE_OPTION],
  pairs: true,
  arity: [1, 1],
  argNames: ['NAME'],
  async run(context) {
    const [name] = context.positionals;
    const interactive = flag(context, 'interactive');
    checkValueSource(interactive, context.pairs);
    const scope = scopeOf(context) ?? 'WORKSPACE';
    const schema = stringOption(context, 'schema');
    const client = await context.client();
    const values = interactive
      ? await promptSecretValues(context.prompt, await fetchSecretSchema(client, schema ?? 'arbitrary'))
      : await valuesFromPairs(context.pairs);
    showMaskedSecret(
      context.out,
      `Creating secret ${name} (${scope.toLowerCase()} scope, schema ${schema ?? 'arbitrary'}):`,
      values,
    );
    const { createSecret } = await client.request<{ createSecret: Secret }>(
      `mutation($name: String!, $scope: SecretScope, $values: JSON!, $schema: String) {
        createSecret(name: $name, scope: $scope, values: $values, schema: $schema) { ${SECRET_FIELDS} }
      }`,
      { name, scope, values, schema },
    );
    context.out.result(createSecret, () =>
      context.out.line(
        `Created secret ${createSecret.name} (${createSecret.scope.toLowerCase()} scope, version ${createSecret.version}).`,
      ),
    );
  },
};

const get: Command = {
  name: 'get',
  usage: 'NAME [--scope workspace|user]',
  summary: 'Show a secret with its values',
  options: [SCOPE_OPTION],
  arity: [1, 1],
  argNames: ['NAME'],
  async run(context) {
    const secret = await findSecret(context, context.positionals[0], true);
    context.out.result(secret, () => {
      context.out.line(
        `Secret ${secret.name} (${secret.scope.toLowerCase()} scope, schema ${secret.schema}, version ${secret.version}, owner ${secret.owner.name})`,
      );
      context.out.valuesTable(secret.values);
    });
  },
};

const list: Command = {
  name: 'list',
  usage: '[--scope workspace|user] [--name NAME]',
  summary: 'List secret names and keys (never values)',
  options: [
    SCOPE_OPTION,
    { name: 'name', kind: 'string', value: 'NAME', help: 'only secrets with this name' },
  ],
  arity: [0, 0],
  async run(context) {
    const client = await context.client();
    const secrets: Secret[] = [];
    let after: string | null = null;
    for (;;) {
      const {
        secrets: page,
      }: { secrets: { nodes: Secret[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } =
        await client.request(
          `query($scope: SecretScope, $name: String, $after: String) {
            secrets(scope: $scope, name: $name, first: 1000, after: $after) {
              nodes { ${SECRET_FIELDS} } pageInfo { hasNextPage endCursor }
            }
          }`,
          { scope: scopeOf(context), name: stringOption(context, 'name'), after },
        );
      secrets.push(...page.nodes);
      if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) break;
      after = page.pageInfo.endCursor;
    }
    secrets.sort((a, b) => a.name.localeCompare(b.name) || a.scope.localeCompare(b.scope));
    context.out.result(secrets, () => {
      if (!secrets.length) return context.out.line('No secrets registered.');
      context.out.table(
        ['name', 'scope', 'schema', 'keys', 'version', 'owner', 'updated'],
        secrets.map((s) => [
          s.name,
          s.scope.toLowerCase(),
          s.schema,
          s.keys.join(', '),
          s.version,
          s.owner.name,
          s.updatedAt,
        ]),
      );
    });
  },
};

const update: Command = {
  name: 'update',
  usage: 'NAME [--scope workspace|user] [-i | --KEY=VALUE ...] [--remove-key KEY ...] [--replace]',
  summary: 'Update a secret: merge new values, remove keys, or replace all values',
  details: 'With -i you are asked for each existing key (Enter keeps the current value).',
  options: [
    SCOPE_OPTION,
    INTERACTIVE_OPTION,
    { name: 'remove-key', kind: 'list', value: 'KEY', help: 'remove this key (repeatable)' },
    { name: 'replace', kind: 'boolean', help: 'drop every key not given' },
  ],
  pairs: true,
  arity: [1, 1],
  argNames: ['NAME'],
  async run(context) {
    const [name] = context.positionals;
    const interactive = flag(context, 'interactive');
    const removeKeys = listOption(context, 'remove-key');
    const replace = flag(context, 'replace');
    checkValueSource(interactive, context.pairs, !removeKeys.length);
    if (interactive && replace) throw usageError('-i cannot be combined with --replace');
    for (const key of removeKeys) checkSecretKey(key);
    const client = await context.client();
    let values: Record<string, string>;
    let scope = scopeOf(context);
    if (interactive) {
      const secret = await findSecret(context, name);
      scope = secret.scope as 'WORKSPACE' | 'USER';
      const schema = await fetchSecretSchema(client, secret.schema);
      values = await promptUpdatedValues(context.prompt, secret.keys, schema.allowsArbitraryKeys);
      if (!Object.keys(values).length && !removeKeys.length) {
        context.out.info(`Nothing changed; secret ${name} was not updated.`);
        return;
      }
    } else values = await valuesFromPairs(context.pairs);
    showMaskedSecret(context.out, `Updating secret ${name}${replace ? ' (replacing all values)' : ''}:`, {
      ...values,
      ...Object.fromEntries(removeKeys.map((k) => [k, null])),
    });
    const { updateSecret } = await client.request<{ updateSecret: Secret }>(
      `mutation($name: String!, $scope: SecretScope, $values: JSON!, $removeKeys: [String!], $replace: Boolean) {
        updateSecret(name: $name, scope: $scope, values: $values, removeKeys: $removeKeys, replace: $replace) { ${SECRET_FIELDS} }
      }`,
      { name, scope, values, removeKeys: removeKeys.length ? removeKeys : null, replace },
    );
    context.out.result(updateSecret, () =>
      context.out.line(
        `Updated secret ${updateSecret.name} (${updateSecret.scope.toLowerCase()} scope, version ${updateSecret.version}; keys: ${updateSecret.keys.join(', ')}).`,
      ),
    );
  },
};

const rename: Command = {
  name: 'rename',
  usage: 'NAME NEW_NAME [--scope workspace|user]',
  summary: 'Rename a secret',
  options: [SCOPE_OPTION],
  arity: [2, 2],
  argNames: ['NAME', 'NEW_NAME'],
  async run(context) {
    const [name, newName] = context.positionals;
    const { renameSecret } = await (await context.client()).request<{ renameSecret: Secret }>(
      `mutation($name: String!, $scope: SecretScope, $newName: String!) {
        renameSecret(name: $name, scope: $scope, newName: $newName) { ${SECRET_FIELDS} }
      }`,
      { name, scope: scopeOf(context), newName },
    );
    context.out.result(renameSecret, () =>
      context.out.line(`Renamed secret ${name} to ${renameSecret.name}.`),
    );
  },
};

const remove: Command = {
  name: 'delete',
  usage: 'NAME [--scope workspace|user] [-y]',
  summary: 'Delete a secret',
  options: [SCOPE_OPTION, YES_OPTION],
  arity: [1, 1],
  argNames: ['NAME'],
  async run(context) {
    const [name] = context.positionals;
    const secret = await findSecret(context, name);
    await confirmDeletion(context, `secret "${name}" (${secret.scope.toLowerCase()} scope)`);
    const data = await (await context.client()).request<{ deleteSecret: boolean }>(
      'mutation($name: String!, $scope: SecretScope) { deleteSecret(name: $name, scope: $scope) }',
      { name, scope: secret.scope },
    );
    context.out.result(data, () => context.out.line(`Deleted secret ${name}.`));
  },
};

export const secretGroup: CommandGroup = {
  name: 'secret',
  summary: 'secrets in the centralized secrets store',
  children: [create, get, list, update, rename, remove],
};
