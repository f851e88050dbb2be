import { CliError } from '../cli-error.js';
import { type Command, type CommandContext, type CommandGroup, flag, stringOption } from '../command.js';
import { confirmDeletion, YES_OPTION } from '../confirm-deletion.js';
import type { OptionSpec } from '../parse-command-line.js';
import {
  checkSecretName,
  checkValueSource,
  fetchSecretSchema,
  promptSecretValues,
  promptUpdatedValues,
  showMaskedSecret,
  valuesFromPairs,
} from '../secret-values.js';
import { INTERACTIVE_OPTION, NEW_VALUES_DETAILS, SCHEMA_OPTION } from './secret.js';
import { migrateCommand } from './secrets-manager-migrate.js';

interface ManagedSecret {
  name: string;
  schema: string;
  keys: string[];
  values?: Record<string, string>;
}

export const STACK_OPTION: OptionSpec = {
  name: 'stack',
  kind: 'string',
  value: 'STACK',
  help: "use this stack's secrets manager (default: the active stack's)",
};

function stackOf(context: CommandContext): string | undefined {
  return stringOption(context, 'stack');
}

async function findManagedSecret(
  context: CommandContext,
  name: string,
  withValues = false,
): Promise<ManagedSecret> {
  const { managedSecret } = await (await context.client()).request<{ managedSecret: ManagedSecret | null }>(
    `query($name: String!, $stack: String) { managedSecret(name: $name, stack: $stack) { name schema keys${withValues ? ' values' : ''} } }`,
    { name, stack: stackOf(context) },
  );
  if (!managedSecret) throw new CliError('NOT_FOUND', `no secret named "${name}" in the secrets manager`);
  return managedSecret;
}

const register: Command = {
  name: 'register',
  usage: 'NAME [-s SCHEMA] [-i | --KEY=VALUE|--KEY=@file ...] [--stack STACK]',
  summary: "Register a secret in the stack's secrets manager",
  details: NEW_VALUES_DETAILS,
  options: [SCHEMA_OPTION, INTERACTIVE_OPTION, STACK_OPTION],
  pairs: true,
  arity: [1, 1],
  argNames: ['NAME'],
  async run(context) {
    const [name] = context.positionals;
    checkSecretName(name);
    const interactive = flag(context, 'interactive');
    checkValueSource(interactive, context.pairs);
    const schema = stringOption(context, 'schema') ?? 'arbitrary';
    const client = await context.client();
    const values = interactive
      ? await promptSecretValues(context.prompt, await fetchSecretSchema(client, schema))
      : await valuesFromPairs(context.pairs);
    showMaskedSecret(context.out, `Registering secret ${name} (schema ${schema}):`, values);
    const { registerManagedSecret } = await client.request<{ registerManagedSecret: ManagedSecret }>(
      `mutation($name: String!, $schema: String, $values: JSON!, $stack: String) {
        registerManagedSecret(name: $name, schema: $schema, values: $values, stack: $stack) { name schema keys }
      }`,
      { name, schema, values, stack: stackOf(context) },
    );
    context.out.result(registerManagedSecret, () =>
      context.out.line(
        `Registered secret ${registerManagedSecret.name} (schema ${registerManagedSecret.schema}).`,
      ),
    );
  },
};

const get: Command = {
  name: 'get',
  usage: 'NAME [--stack STACK]',
  summary: 'Show a secret of the secrets manager with its values',
  options: [STACK_OPTION],
  arity: [1, 1],
  argNames: ['NAME'],
  async run(context) {
    const secret = await findManagedSecret(context, context.positionals[0], true);
    context.out.result(secret, () => {
      context.out.line(`Secret ${secret.name} (schema ${secret.schema})`);
      context.out.valuesTable(secret.values);
    });
  },
};

const list: Command = {
  name: 'list',
  usage: '[--stack STACK]',
  summary: 'List the secrets of the secrets manager (names and keys)',
  options: [STACK_OPTION],
  arity: [0, 0],
  async run(context) {
    const { managedSecrets } = await (await context.client()).request<{ managedSecrets: ManagedSecret[] }>(
      'query($stack: String) { managedSecrets(stack: $stack) { name schema keys } }',
      { stack: stackOf(context) },
    );
    const sorted = [...managedSecrets].sort((a, b) => a.name.localeCompare(b.name));
    context.out.result(sorted, () => {
      if (!sorted.length) return context.out.line('No secrets registered.');
      context.out.table(
        ['name', 'schema', 'keys'],
        sorted.map((s) => [s.name, s.schema, s.keys.join(', ')]),
      );
    });
  },
};

const update: Command = {
  name: 'update',
  usage: 'NAME [-i | --KEY=VALUE|--KEY=@file ...] [--stack STACK]',
  summary: 'Merge new values into a secret of the secrets manager',
  details: 'With -i you are asked for each existing key (Enter keeps the current value).',
  options: [INTERACTIVE_OPTION, STACK_OPTION],
  pairs: true,
  arity: [1, 1],
  argNames: ['NAME'],
  async run(context) {
    const [name] = context.positionals;
    const interactive = flag(context, 'interactive');
    checkValueSource(interactive, context.pairs);
    const client = await context.client();
    let values: Record<string, string>;
    if (interactive) {
      const secret = await findManagedSecret(context, name);
      const schema = await fetchSecretSchema(client, secret.schema);
      values = await promptUpdatedValues(context.prompt, secret.keys, schema.allowsArbitraryKeys);
      if (!Object.keys(values).length) {
        context.out.info(`Nothing changed; secret ${name} was not updated.`);
        return;
      }
    } else values = await valuesFromPairs(context.pairs);
    showMaskedSecret(context.out, `Updating secret ${name}:`, values);
    const { updateManagedSecret } = await client.request<{ updateManagedSecret: ManagedSecret }>(
      `mutation($name: String!, $values: JSON!, $stack: String) {
        updateManagedSecret(name: $name, values: $values, stack: $stack) { name schema keys }
      }`,
      { name, values, stack: stackOf(context) },
    );
    context.out.result(updateManagedSecret, () =>
      context.out.line(
        `Updated secret ${updateManagedSecret.name} (keys: ${updateManagedSecret.keys.join(', ')}).`,
      ),
    );
  },
};

const remove: Command = {
  name: 'delete',
  usage: 'NAME [-y] [--stack STACK]',
  summary: 'Delete a secret from the secrets manager',
  options: [YES_OPTION, STACK_OPTION],
  arity: [1, 1],
  argNames: ['NAME'],
  async run(context) {
    const [name] = context.positionals;
    await findManagedSecret(context, name);
    await confirmDeletion(context, `secret "${name}"`);
    const data = await (await context.client()).request<{ deleteManagedSecret: boolean }>(
      'mutation($name: String!, $stack: String) { deleteManagedSecret(name: $name, stack: $stack) }',
      { name, stack: stackOf(context) },
    );
    context.out.result(data, () => context.out.line(`Deleted secret ${name}.`));
  },
};

export const managedSecretGroup: CommandGroup = {
  name: 'secret',
  summary: "secrets inside the stack's secrets manager",
  children: [register, get, list, update, remove, migrateCommand],
};
