import { CliError } from '../cli-error.js';
import { type Command, type CommandGroup, stringOption } from '../command.js';
import { confirmDeletion, YES_OPTION } from '../confirm-deletion.js';
import { cellText } from '../output.js';
import { valuesFromPairs } from '../secret-values.js';
import { managedSecretGroup } from './secrets-manager-secret.js';

interface Component {
  id: string;
  name: string;
  flavor: string;
  configuration: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

const COMPONENT_FIELDS = 'id name flavor configuration createdAt updatedAt';

const register: Command = {
  name: 'register',
  usage: 'NAME --flavor F [--scope S] [--namespace N] [--KEY=VALUE ...]',
  summary: 'Register a secrets manager component',
  details:
    'Other --KEY=VALUE options become its configuration (e.g. --region_name=eu-west-1 for aws);\n' +
    '--KEY=@file reads a value from a file. Scopes: none, global, component (default), namespace.',
  options: [
    { name: 'flavor', short: 'f', kind: 'string', value: 'FLAVOR', help: 'local, aws, gcp, azure or vault' },
    { name: 'scope', kind: 'string', value: 'SCOPE', help: 'none | global | component | namespace' },
    { name: 'namespace', kind: 'string', value: 'NAMESPACE', help: 'required with --scope namespace' },
  ],
  pairs: true,
  arity: [1, 1],
  argNames: ['NAME'],
  async run(context) {
    const [name] = context.positionals;
    const flavor = stringOption(context, 'flavor');
    if (!flavor) throw new CliError('USAGE', 'missing --flavor (see sgw secrets-manager flavor list)', 2);
    const configuration: Record<string, unknown> = await valuesFromPairs(context.pairs, false);
    const scope = stringOption(context, 'scope');
    const namespace = stringOption(context, 'namespace');
    if (scope !== undefined) configuration.scope = scope.toLowerCase();
    if (namespace !== undefined) configuration.namespace = namespace;
    const { registerComponent } = await (await context.client()).request<{
      registerComponent: { component: Component; warnings: string[] };
    }>(
      `mutation($name: String!, $flavor: String!, $configuration: JSON!) {
        registerComponent(type: SECRETS_MANAGER, name: $name, flavor: $flavor, configuration: $configuration) {
          component { ${COMPONENT_FIELDS} } warnings
        }
      }`,
      { name, flavor, configuration },
    );
    const { component, warnings } = registerComponent;
    for (const warning of warnings) context.out.note(`Warning: ${warning}`);
    context.out.result(registerComponent, () =>
      context.out.line(
        `Registered secrets manager ${component.name} (flavor ${component.flavor}, scope ${cellText(component.configuration.scope) || 'none'}).`,
      ),
    );
  },
};

const list: Command = {
  name: 'list',
  usage: '',
  summary: 'List secrets managers (* marks the one of the active stack)',
  arity: [0, 0],
  async run(context) {
    const data = await (await context.client()).request<{
      components: Component[];
      activeStack: { secretsManager: { name: string } | null } | null;
    }>(
      `{ components(type: SECRETS_MANAGER) { ${COMPONENT_FIELDS} } activeStack { secretsManager { name } } }`,
    );
    const active = data.activeStack?.secretsManager?.name;
    context.out.result(data.components, () => {
      if (!data.components.length) return context.out.line('No secrets managers registered.');
      context.out.table(
        ['active', 'name', 'flavor', 'scope', 'namespace'],
        [...data.components]
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((c) => [
            c.name === active ? '*' : '',
            c.name,
            c.flavor,
            cellText(c.configuration.scope),
            cellText(c.configuration.namespace),
          ]),
      );
    });
  },
};

async function findManager(context: Parameters<Command['run']>[0], name: string): Promise<Component> {
  const { component } = await (await context.client()).request<{ component: Component | null }>(
    `query($name: String!) { component(type: SECRETS_MANAGER, name: $name) { ${COMPONENT_FIELDS} } }`,
    { name },
  );
  if (!component) throw new CliError('NOT_FOUND', `no secrets manager named "${name}"`);
  return component;
}

const describe: Command = {
  name: 'describe',
  usage: 'NAME',
  summary: 'Show a secrets manager and its configuration (sensitive values masked)',
  arity: [1, 1],
  argNames: ['NAME'],
  async run(context) {
    const component = await findManager(context, context.positionals[0]);
    context.out.result(component, () => {
      context.out.line(`Secrets manager ${component.name} (flavor ${component.flavor}, id ${component.id})`);
      const rows = Object.entries(component.configuration)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([field, value]) => [field, cellText(value)]);
      context.out.table(['field', 'value'], rows);
    });
  },
};

const remove: Command = {
  name: 'delete',
  usage: 'NAME [-y]',
  summary: 'Delete a secrets manager component (its secrets stay in the back-end)',
  options: [YES_OPTION],
  arity: [1, 1],
  argNames: ['NAME'],
  async run(context) {
    const [name] = context.positionals;
    await findManager(context, name);
    await confirmDeletion(context, `secrets manager "${name}"`);
    const data = await (await context.client()).request<{ deleteComponent: boolean }>(
      'mutation($name: String!) { deleteComponent(type: SECRETS_MANAGER, name: $name) }',
      { name },
    );
    context.out.result(data, () => context.out.line(`Deleted secrets manager ${name}.`));
  },
};

interface Flavor {
  name: string;
  integration: string;
  supportsScoping: boolean;
  configFields: Array<{ name: string; required: boolean; sensitive: boolean }>;
}

const flavorList: Command = {
  name: 'list',
  usage: '',
  summary: 'List secrets manager flavors and their configuration fields (* required, ! sensitive)',
  arity: [0, 0],
  async run(context) {
    const { flavors } = await (await context.client()).request<{ flavors: Flavor[] }>(
      '{ flavors(type: SECRETS_MANAGER) { name integration supportsScoping configFields { name required sensitive } } }',
    );
    context.out.result(flavors, () =>
      context.out.table(
        ['flavor', 'integration', 'scoping', 'fields'],
        flavors.map((f) => [
          f.name,
          f.integration,
          f.supportsScoping ? 'yes' : 'no',
          f.configFields.map((c) => `${c.name}${c.required ? '*' : ''}${c.sensitive ? '!' : ''}`).join(', '),
        ]),
      ),
    );
  },
};

export const secretsManagerGroup: CommandGroup = {
  name: 'secrets-manager',
  summary: 'secrets manager components and the secrets inside them',
  children: [
    register,
    list,
    describe,
    remove,
    { name: 'flavor', summary: 'secrets manager flavors', children: [flavorList] },
    managedSecretGroup,
  ],
};
