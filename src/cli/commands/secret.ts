import { type Command, type CommandGroup, flag, stringOption } from '../command.js';
import { confirmDeletion, YES_OPTION } from '../confirm-deletion.js';
import { renameCommand, updateCommand } from './secret-changes.js';
import {
  findSecret,
  INTERACTIVE_OPTION,
  NEW_VALUES_DETAILS,
  SCHEMA_OPTION,
  SCOPE_OPTION,
  SECRET_FIELDS,
  type Secret,
  STORE_SCHEMA_OPTION,
  scopeOf,
  versionOf,
} from './secret-common.js';
import { historyCommand, rollbackCommand } from './secret-history.js';
import { deletedCommand, purgeCommand, restoreCommand } from './secret-recovery.js';
import { watchCommand } from './secret-watch.js';

export { INTERACTIVE_OPTION, NEW_VALUES_DETAILS, SCHEMA_OPTION, SCOPE_OPTION, scopeOf };

import {
  checkSecretName,
  checkValueSource,
  fetchSecretSchema,
  promptSecretValues,
  showMaskedSecret,
  valuesFromPairs,
} from '../secret-values.js';

const create: Command = {
  name: 'create',
  usage: 'NAME [-s|--scope workspace|user] [--schema SCHEMA] [-i | --KEY=VALUE|--KEY=@file ...]',
  summary: 'Create a secret in the centralized store',
  details: `${NEW_VALUES_DETAILS}\nAs in ZenML 0.40, -s is the scope (default workspace) and a secret may not be named "name".`,
  options: [
    { ...SCOPE_OPTION, help: 'the scope of the new secret (default workspace)' },
    STORE_SCHEMA_OPTION,
    INTERACTIVE_OPTION,
  ],
  pairs: true,
  arity: [1, 1],
  argNames: ['NAME'],
  async run(context) {
    const [name] = context.positionals;
    checkSecretName(name);
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
  usage: 'NAME [-s|--scope workspace|user] [--version N]',
  summary: 'Show a secret with its values (current, or of one version)',
  details:
    'With --version N, the values that version held (see sgw secret history); the header says which,\n' +
    'and -o json adds "valuesVersion". Reading values needs WRITER or ADMIN and is audited.',
  options: [
    SCOPE_OPTION,
    { name: 'version', kind: 'string', value: 'N', help: 'the values of this version (default: current)' },
  ],
  arity: [1, 1],
  argNames: ['NAME'],
  async run(context) {
    const version = versionOf(context);
    const secret = await findSecret(context, context.positionals[0], true, version);
    const shown =
      version === undefined ? `version ${secret.version}` : `version ${version} of ${secret.version}`;
    context.out.result(version === undefined ? secret : { ...secret, valuesVersion: version }, () => {
      context.out.line(
        `Secret ${secret.name} (${secret.scope.toLowerCase()} scope, schema ${secret.schema}, ${shown}, owner ${secret.owner.name})`,
      );
      context.out.valuesTable(secret.values);
    });
  },
};

const list: Command = {
  name: 'list',
  usage: '[-s|--scope workspace|user] [--name NAME]',
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

const remove: Command = {
  name: 'delete',
  usage: 'NAME [-s|--scope workspace|user] [-y]',
  summary: 'Delete a secret',
  options: [SCOPE_OPTION, YES_OPTION],
  arity: [1, 1],
  argNames: ['NAME'],
  async run(context) {
    const [name] = context.positionals;
    const secret = await findSecret(context, name);
    await confirmDeletion(context, `secret "${name}" (${secret.scope.toLowerCase()} scope)`);
    const { data, warnings } = await (await context.client()).requestWithWarnings<{ deleteSecret: boolean }>(
      'mutation($name: String!, $scope: SecretScope) { deleteSecret(name: $name, scope: $scope) }',
      { name, scope: secret.scope },
    );
    for (const warning of warnings) context.out.note(`Warning: ${warning}`);
    context.out.result(data, () => context.out.line(`Deleted secret ${name}.`));
  },
};

/**
 * The centralized store's commands; update and rename live in secret-changes.ts, history and
 * rollback in secret-history.ts, restore, purge and deleted in secret-recovery.ts, watch in
 * secret-watch.ts.
 */
export const secretGroup: CommandGroup = {
  name: 'secret',
  summary: 'secrets in the centralized secrets store',
  children: [
    create,
    get,
    list,
    updateCommand,
    renameCommand,
    remove,
    historyCommand,
    rollbackCommand,
    restoreCommand,
    purgeCommand,
    deletedCommand,
    watchCommand,
  ],
};
