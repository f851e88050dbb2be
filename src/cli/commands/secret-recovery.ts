import { CliError, usageError } from '../cli-error.js';
import type { Command, CommandContext } from '../command.js';
import { confirmDeletion, YES_OPTION } from '../confirm-deletion.js';
import { SCOPE_OPTION, SECRET_FIELDS, type Secret, scopeOf } from './secret-common.js';

/** A deleted secret that can still be restored (`deletedSecrets`). */
interface DeletedSecret {
  id: string;
  name: string;
  scope: string;
  version: number;
  keys: string[];
  deletedAt: string;
  purgeAt: string;
}

/** The deleted secrets the caller may see, in `--scope` when given. */
async function deletedSecrets(context: CommandContext): Promise<DeletedSecret[]> {
  const { deletedSecrets } = await (await context.client()).request<{ deletedSecrets: DeletedSecret[] }>(
    `query($scope: SecretScope) {
      deletedSecrets(scope: $scope) { id name scope version keys deletedAt purgeAt }
    }`,
    { scope: scopeOf(context) },
  );
  return deletedSecrets;
}

/** The one deleted secret named `name`: NOT_FOUND when none, a usage error when both scopes hold one. */
async function findDeletedSecret(context: CommandContext, name: string): Promise<DeletedSecret> {
  const found = (await deletedSecrets(context)).filter((s) => s.name === name);
  const scope = scopeOf(context);
  if (!found.length)
    throw new CliError(
      'NOT_FOUND',
      `no deleted secret named "${name}"${scope ? ` in the ${scope.toLowerCase()} scope` : ''}`,
    );
  if (found.length > 1)
    throw usageError(`a deleted secret "${name}" exists in both scopes: give -s workspace or -s user`);
  return found[0];
}

export const restoreCommand: Command = {
  name: 'restore',
  usage: 'NAME [-s|--scope workspace|user]',
  summary: 'Restore a deleted secret (within SGW_SECRET_RECOVERY_DAYS of its deletion)',
  details:
    'The secret comes back with its values, keys and versions. See sgw secret deleted for what can be restored.',
  options: [SCOPE_OPTION],
  arity: [1, 1],
  argNames: ['NAME'],
  async run(context) {
    const [name] = context.positionals;
    const { restoreSecret } = await (await context.client()).request<{ restoreSecret: Secret }>(
      `mutation($name: String!, $scope: SecretScope) {
        restoreSecret(name: $name, scope: $scope) { ${SECRET_FIELDS} }
      }`,
      { name, scope: scopeOf(context) },
    );
    context.out.result(restoreSecret, () =>
      context.out.line(
        `Restored secret ${restoreSecret.name} (${restoreSecret.scope.toLowerCase()} scope, version ${restoreSecret.version}).`,
      ),
    );
  },
};

export const purgeCommand: Command = {
  name: 'purge',
  usage: 'NAME [-s|--scope workspace|user] [-y]',
  summary: 'Purge a deleted secret at once: its values and versions are destroyed (ADMIN)',
  details: 'Asks for confirmation unless -y. A purged secret cannot be restored.',
  options: [SCOPE_OPTION, YES_OPTION],
  arity: [1, 1],
  argNames: ['NAME'],
  async run(context) {
    const [name] = context.positionals;
    const deleted = await findDeletedSecret(context, name);
    await confirmDeletion(
      context,
      `deleted secret "${name}" (${deleted.scope.toLowerCase()} scope, version ${deleted.version}) for good`,
      'purge',
    );
    const data = await (await context.client()).request<{ purgeSecret: boolean }>(
      'mutation($name: String!, $scope: SecretScope) { purgeSecret(name: $name, scope: $scope) }',
      { name, scope: deleted.scope },
    );
    context.out.result(data, () => context.out.line(`Purged secret ${name}.`));
  },
};

export const deletedCommand: Command = {
  name: 'deleted',
  usage: '[-s|--scope workspace|user]',
  summary: 'List deleted secrets that can still be restored (never values)',
  details: 'One row each: name, scope, version, keys, deleted (time), purge at (when it is destroyed).',
  options: [SCOPE_OPTION],
  arity: [0, 0],
  async run(context) {
    const secrets = await deletedSecrets(context);
    context.out.result(secrets, () => {
      if (!secrets.length) return context.out.line('No deleted secrets.');
      context.out.table(
        ['name', 'scope', 'version', 'keys', 'deleted', 'purge at'],
        secrets.map((s) => [
          s.name,
          s.scope.toLowerCase(),
          s.version,
          [...s.keys].sort().join(', '),
          s.deletedAt,
          s.purgeAt,
        ]),
      );
    });
  },
};
