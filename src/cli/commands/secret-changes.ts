import { usageError } from '../cli-error.js';
import { type Command, type CommandContext, flag, listOption, stringOption } from '../command.js';
import {
  checkSecretKey,
  checkSecretName,
  checkValueSource,
  fetchSecretSchema,
  promptUpdatedValues,
  showMaskedSecret,
  valuesFromPairs,
} from '../secret-values.js';
import {
  findSecret,
  INTERACTIVE_OPTION,
  SCOPE_OPTION,
  SECRET_FIELDS,
  type Secret,
  scopeOf,
} from './secret-common.js';

/** `--scope` of update: which secret (no short option: `-s` is the new scope, as in ZenML 0.40). */
const LOOKUP_SCOPE_OPTION = { ...SCOPE_OPTION, short: undefined };

/** The values an update sets: prompted (`-i`, each existing key; Enter keeps) or from `--KEY=VALUE`; undefined when nothing changes. */
async function updatedValues(
  context: CommandContext,
  name: string,
  interactive: boolean,
  nothingElse: boolean,
): Promise<Record<string, string> | undefined> {
  if (!interactive) return valuesFromPairs(context.pairs);
  const secret = await findSecret(context, name);
  const schema = await fetchSecretSchema(await context.client(), secret.schema);
  const values = await promptUpdatedValues(context.prompt, secret.keys, schema.allowsArbitraryKeys);
  if (!Object.keys(values).length && nothingElse) return undefined;
  return values;
}

export const updateCommand: Command = {
  name: 'update',
  usage:
    'NAME [--scope workspace|user] [-s|--new-scope workspace|user] [-i | --KEY=VALUE ...] [-r|--remove-keys KEY ...] [--replace]',
  summary: 'Update a secret: merge new values, remove keys, move it to another scope, or replace all values',
  details:
    'As in ZenML 0.40: -s/--new-scope moves the secret, -r/--remove-keys removes a key (repeatable; --remove-key\n' +
    'also works); --scope says which secret when one exists in both scopes. With -i you are asked for each\n' +
    'existing key (Enter keeps the current value; @path reads a file).',
  options: [
    LOOKUP_SCOPE_OPTION,
    {
      name: 'new-scope',
      short: 's',
      kind: 'string',
      value: 'workspace|user',
      help: 'move the secret to this scope',
    },
    INTERACTIVE_OPTION,
    { name: 'remove-keys', short: 'r', kind: 'list', value: 'KEY', help: 'remove this key (repeatable)' },
    { name: 'remove-key', kind: 'list', value: 'KEY', help: 'the same as --remove-keys' },
    { name: 'replace', kind: 'boolean', help: 'drop every key not given' },
  ],
  pairs: true,
  arity: [1, 1],
  argNames: ['NAME'],
  async run(context) {
    const [name] = context.positionals;
    const interactive = flag(context, 'interactive');
    const removeKeys = [...listOption(context, 'remove-keys'), ...listOption(context, 'remove-key')];
    const replace = flag(context, 'replace');
    const newScope = scopeOf(context, 'new-scope');
    checkValueSource(interactive, context.pairs, !removeKeys.length && !newScope);
    if (interactive && replace) throw usageError('-i cannot be combined with --replace');
    for (const key of removeKeys) checkSecretKey(key);
    const values = await updatedValues(context, name, interactive, !removeKeys.length && !newScope);
    if (!values) {
      context.out.info(`Nothing changed; secret ${name} was not updated.`);
      return;
    }
    const scope = scopeOf(context);
    showMaskedSecret(context.out, `Updating secret ${name}${replace ? ' (replacing all values)' : ''}:`, {
      ...values,
      ...Object.fromEntries(removeKeys.map((k) => [k, null])),
    });
    const { updateSecret } = await (await context.client()).request<{ updateSecret: Secret }>(
      `mutation($name: String!, $scope: SecretScope, $values: JSON!, $removeKeys: [String!], $replace: Boolean, $newScope: SecretScope) {
        updateSecret(name: $name, scope: $scope, values: $values, removeKeys: $removeKeys, replace: $replace, newScope: $newScope) { ${SECRET_FIELDS} }
      }`,
      { name, scope, values, removeKeys: removeKeys.length ? removeKeys : null, replace, newScope },
    );
    context.out.result(updateSecret, () =>
      context.out.line(
        `Updated secret ${updateSecret.name} (${updateSecret.scope.toLowerCase()} scope, version ${updateSecret.version}; keys: ${updateSecret.keys.join(', ')}).`,
      ),
    );
  },
};

export const renameCommand: Command = {
  name: 'rename',
  usage: 'NAME -n|--new-name NEW_NAME [-s|--scope workspace|user]   (or NAME NEW_NAME)',
  summary: 'Rename a secret',
  details: 'As in ZenML 0.40 the new name is -n/--new-name; it may not be "name".',
  options: [
    SCOPE_OPTION,
    { name: 'new-name', short: 'n', kind: 'string', value: 'NEW_NAME', help: 'the new name' },
  ],
  arity: [1, 2],
  argNames: ['NAME', 'NEW_NAME'],
  async run(context) {
    const [name, positional] = context.positionals;
    const option = stringOption(context, 'new-name');
    if (option !== undefined && positional !== undefined && option !== positional)
      throw usageError('give the new name once: -n NEW_NAME or NEW_NAME');
    const newName = option ?? positional;
    if (newName === undefined) throw usageError('the new name is missing: -n NEW_NAME');
    checkSecretName(newName);
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
