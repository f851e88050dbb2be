import { CliError, usageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { SCOPE_OPTION, SECRET_FIELDS, type Secret, scopeOf, versionOf } from './secret-common.js';

/** One entry of `Secret.versions`. */
interface SecretVersion {
  version: number;
  createdAt: string;
  actor: string;
  keys: string[];
  changedKeys: string[];
}

/** Key names for a table cell, sorted. */
function sorted(keys: string[]): string {
  return [...keys].sort().join(', ');
}

export const historyCommand: Command = {
  name: 'history',
  usage: 'NAME [-s|--scope workspace|user]',
  summary: 'List the kept versions of a secret, newest first (never values)',
  details:
    'One row per kept version: version, created (time), actor, keys, changed keys (the current one\n' +
    'included; the gateway keeps SGW_SECRET_VERSIONS_KEPT of them). -o json: the versions as a JSON array.\n' +
    'See the values of one with sgw secret get NAME --version N; bring them back with sgw secret rollback.',
  options: [SCOPE_OPTION],
  arity: [1, 1],
  argNames: ['NAME'],
  async run(context) {
    const [name] = context.positionals;
    const scope = scopeOf(context);
    const { secret } = await (await context.client()).request<{
      secret: { name: string; scope: string; versions: SecretVersion[] } | null;
    }>(
      `query($name: String!, $scope: SecretScope) {
        secret(name: $name, scope: $scope) { name scope versions { version createdAt actor keys changedKeys } }
      }`,
      { name, scope },
    );
    if (!secret)
      throw new CliError(
        'NOT_FOUND',
        `no secret named "${name}"${scope ? ` in the ${scope.toLowerCase()} scope` : ''}`,
      );
    const versions = secret.versions;
    context.out.result(versions, () => {
      context.out.line(`Secret ${secret.name} (${secret.scope.toLowerCase()} scope):`);
      context.out.table(
        ['version', 'created', 'actor', 'keys', 'changed keys'],
        versions.map((v) => [v.version, v.createdAt, v.actor, sorted(v.keys), sorted(v.changedKeys)]),
      );
    });
  },
};

export const rollbackCommand: Command = {
  name: 'rollback',
  usage: 'NAME --version N [--expected-version M] [-s|--scope workspace|user]',
  summary: "Roll a secret back: a new version with version N's values",
  details:
    'Writes a new version holding the values of version N (nothing is rewritten). With\n' +
    '--expected-version M it fails with CONFLICT unless the current version is still M.',
  options: [
    SCOPE_OPTION,
    { name: 'version', kind: 'string', value: 'N', help: 'the version whose values come back (required)' },
    {
      name: 'expected-version',
      kind: 'string',
      value: 'M',
      help: 'fail (CONFLICT) unless the current version is M',
    },
  ],
  arity: [1, 1],
  argNames: ['NAME'],
  async run(context) {
    const [name] = context.positionals;
    const version = versionOf(context);
    if (version === undefined) throw usageError('--version N is missing: the version to roll back to');
    const { rollbackSecret } = await (await context.client()).request<{ rollbackSecret: Secret }>(
      `mutation($name: String!, $scope: SecretScope, $version: Int!, $expectedVersion: Int) {
        rollbackSecret(name: $name, scope: $scope, version: $version, expectedVersion: $expectedVersion) { ${SECRET_FIELDS} }
      }`,
      { name, scope: scopeOf(context), version, expectedVersion: versionOf(context, 'expected-version') },
    );
    context.out.result(rollbackSecret, () =>
      context.out.line(
        `Rolled back secret ${rollbackSecret.name} to the values of version ${version}: new version ${rollbackSecret.version} (${rollbackSecret.scope.toLowerCase()} scope).`,
      ),
    );
  },
};
