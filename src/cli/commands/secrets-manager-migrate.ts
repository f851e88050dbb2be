import { CliError } from '../cli-error.js';
import { type Command, type CommandContext, flag, stringOption } from '../command.js';
import type { GatewayClient } from '../gateway-client.js';
import { formatTable, MASK } from '../output.js';
import { ProgressBar } from '../progress-bar.js';
import { SCOPE_OPTION, scopeOf } from './secret.js';

interface PlanItem {
  name: string;
  status: 'NEW' | 'IDENTICAL' | 'CONFLICT' | string;
}

interface SourceSecret {
  name: string;
  schema: string;
  keys: string[];
  values?: Record<string, string>;
}

interface MigrationItem {
  name: string;
  targetName: string;
  status: string;
  error: string | null;
}

interface Migration {
  id: string;
  status: string;
  targetScope: string;
  total: number;
  done: number;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  items: MigrationItem[];
}

interface Decisions {
  names: string[] | null;
  renames: Record<string, string>;
  overwrite: boolean;
}

const FINISHED = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
const MIGRATION_FIELDS =
  'id status targetScope total done error startedAt finishedAt items { name targetName status error }';

function secretLines(secret: SourceSecret | undefined, showSecrets: boolean): string[] {
  if (!secret) return [];
  const rows = secret.keys.map((key) => [key, showSecrets ? (secret.values?.[key] ?? '') : MASK]);
  return formatTable(['key', 'value'], rows)
    .split('\n')
    .map((line) => `  ${line}`);
}

/** Asks per secret (migrate? y/n/all) and per conflict (overwrite? y/n/all; "n" asks for a new name). */
async function decideInteractively(
  context: CommandContext,
  client: GatewayClient,
  plan: PlanItem[],
  sources: Map<string, SourceSecret>,
  targetScope: string,
  showSecrets: boolean,
): Promise<Decisions> {
  const { prompt, out } = context;
  const names: string[] = [];
  const renames: Record<string, string> = {};
  const taken = new Set(plan.map((item) => item.name));
  let migrateAll = false;
  let overwriteAll = false;
  let overwrite = false;
  const scopeText = targetScope.toLowerCase();

  const existsInTarget = async (name: string) => {
    const { secret } = await client.request<{ secret: { id: string } | null }>(
      'query($name: String!, $scope: SecretScope) { secret(name: $name, scope: $scope) { id } }',
      { name, scope: targetScope },
    );
    return secret !== null;
  };

  for (const item of plan) {
    const source = sources.get(item.name);
    if (item.status === 'IDENTICAL') {
      out.info(`Secret ${item.name}: identical in the ${scopeText} scope; it will be skipped.`);
      names.push(item.name);
      continue;
    }
    out.info(`Secret ${item.name} (schema ${source?.schema ?? '?'}): ${item.status}`);
    for (const line of secretLines(source, showSecrets)) out.info(line);
    if (!migrateAll) {
      const answer = await prompt.chooseYesNoAll(`Migrate secret ${item.name}?`);
      if (answer === 'n') continue;
      if (answer === 'all') migrateAll = true;
    }
    if (item.status !== 'CONFLICT') {
      names.push(item.name);
      continue;
    }
    let answer: 'y' | 'n' | 'all' = 'y';
    if (!overwriteAll) {
      prompt.note(`A secret named ${item.name} already exists in the ${scopeText} scope with other values.`);
      answer = await prompt.chooseYesNoAll(`Overwrite ${item.name}?`);
      if (answer === 'all') overwriteAll = true;
    }
    if (answer !== 'n') {
      overwrite = true;
      names.push(item.name);
      continue;
    }
    for (;;) {
      const newName = (await prompt.ask(`New name for ${item.name} (Enter to skip it): `))?.trim();
      if (newName === undefined) throw new CliError('ABORTED', 'input ended; nothing was migrated');
      if (newName === '') break;
      if (taken.has(newName) || (await existsInTarget(newName))) {
        prompt.note(
          `A secret named ${newName} already exists in the ${scopeText} scope; choose another name.`,
        );
        continue;
      }
      taken.add(newName);
      renames[item.name] = newName;
      names.push(item.name);
      break;
    }
  }
  return { names, renames, overwrite };
}

/** Follows the job over the `migrationProgress` subscription (polling if that fails) until it finishes. */
async function followProgress(context: CommandContext, client: GatewayClient, id: string): Promise<void> {
  const bar = new ProgressBar();
  const abort = new AbortController();
  let cancelling = false;
  const onSignal = () => {
    if (cancelling) process.exit(130);
    cancelling = true;
    context.out.note('\nCancelling the migration (press Ctrl-C again to stop waiting)…');
    client
      .request('mutation($id: ID!) { cancelMigration(id: $id) { id } }', { id })
      .catch((error: Error) => context.out.note(`Could not cancel: ${error.message}`));
  };
  process.on('SIGINT', onSignal);
  try {
    try {
      const updates = client.subscribe<{
        migrationProgress: {
          migration: { status: string; total: number; done: number };
          item: MigrationItem | null;
        };
      }>(
        'subscription($id: ID!) { migrationProgress(id: $id) { migration { status total done } item { name targetName status error } } }',
        { id },
        { signal: abort.signal },
      );
      for await (const { migrationProgress } of updates) {
        const { migration, item } = migrationProgress;
        const label = item
          ? `${item.name}${item.targetName !== item.name ? ` → ${item.targetName}` : ''}: ${item.status}`
          : migration.status;
        bar.update(migration.done, migration.total, label);
        if (FINISHED.has(migration.status)) break;
      }
      return;
    } catch (error) {
      if (!(error instanceof CliError) || error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN')
        throw error;
      bar.finish();
      context.out.note(`Live progress unavailable (${error.message}); polling.`);
    }
    for (;;) {
      const { migration } = await client.request<{
        migration: { status: string; total: number; done: number } | null;
      }>('query($id: ID!) { migration(id: $id) { status total done } }', { id });
      if (!migration) throw new CliError('NOT_FOUND', `migration ${id} disappeared`);
      bar.update(migration.done, migration.total, migration.status);
      if (FINISHED.has(migration.status)) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    abort.abort();
    bar.finish();
    process.off('SIGINT', onSignal);
  }
}

function summary(migration: Migration): string {
  const counts = new Map<string, number>();
  for (const item of migration.items) counts.set(item.status, (counts.get(item.status) ?? 0) + 1);
  const parts = [...counts.entries()].map(([status, count]) => `${count} ${status.toLowerCase()}`);
  return `Migration ${migration.id} ${migration.status}: ${parts.join(', ') || 'no secrets'}.`;
}

export const migrateCommand: Command = {
  name: 'migrate',
  usage:
    '[NAMES...] [--delete] [--non-interactive] [--scope workspace|user] [--show-secrets] [--stack STACK]',
  summary: 'Migrate secrets from the secrets manager to the centralized store',
  details:
    'Shows the plan, then asks per secret (migrate? y/n/all) and per conflict (overwrite? y/n/all;\n' +
    '"n" asks for a new name). --non-interactive migrates everything and overwrites conflicts.\n' +
    'The job runs on the gateway; its progress is shown live, then a summary.',
  options: [
    { name: 'delete', kind: 'boolean', help: 'delete each source secret once migrated (or found identical)' },
    { name: 'non-interactive', kind: 'boolean', help: 'ask nothing; overwrite conflicting secrets' },
    { ...SCOPE_OPTION, help: 'the scope the secrets land in (default workspace)' },
    { name: 'show-secrets', kind: 'boolean', help: 'show the values instead of *** in the plan' },
    {
      name: 'stack',
      kind: 'string',
      value: 'STACK',
      help: "use this stack's secrets manager (default: active)",
    },
  ],
  arity: [0, Number.POSITIVE_INFINITY],
  async run(context) {
    const client = await context.client();
    const targetScope = scopeOf(context) ?? 'WORKSPACE';
    const stack = stringOption(context, 'stack');
    const showSecrets = flag(context, 'show-secrets');
    const interactive = !flag(context, 'non-interactive');
    const requested = context.positionals.length ? context.positionals : null;
    const data = await client.request<{ migrationPlan: PlanItem[]; managedSecrets: SourceSecret[] }>(
      `query($stack: String, $names: [String!], $targetScope: SecretScope!) {
        migrationPlan(stack: $stack, names: $names, targetScope: $targetScope) { name status }
        managedSecrets(stack: $stack) { name schema keys${showSecrets ? ' values' : ''} }
      }`,
      { stack, names: requested, targetScope },
    );
    const plan = [...data.migrationPlan].sort((a, b) => a.name.localeCompare(b.name));
    const sources = new Map(data.managedSecrets.map((s) => [s.name, s]));
    if (!plan.length) {
      context.out.result({ plan, migration: null }, () => context.out.line('No secrets to migrate.'));
      return;
    }
    const { out } = context;
    out.info(`Plan: ${plan.length} secret(s) to the ${targetScope.toLowerCase()} scope`);
    if (!interactive) {
      out.info(
        formatTable(
          ['name', 'schema', 'status', showSecrets ? 'values' : 'keys'],
          plan.map((item) => {
            const source = sources.get(item.name);
            const keys = (source?.keys ?? []).map((k) =>
              showSecrets ? `${k}=${source?.values?.[k] ?? ''}` : k,
            );
            return [item.name, source?.schema ?? '', item.status, keys.join(', ')];
          }),
        ),
      );
    }
    const decisions: Decisions = interactive
      ? await decideInteractively(context, client, plan, sources, targetScope, showSecrets)
      : { names: requested, renames: {}, overwrite: true };
    if (decisions.names && !decisions.names.length) {
      context.out.result({ plan, migration: null }, () => context.out.line('Nothing to migrate.'));
      return;
    }
    const { startSecretsMigration: started } = await client.request<{
      startSecretsMigration: { id: string };
    }>(
      `mutation($stack: String, $names: [String!], $targetScope: SecretScope, $onConflict: ConflictPolicy,
                $renames: JSON, $deleteSource: Boolean) {
        startSecretsMigration(stack: $stack, names: $names, targetScope: $targetScope, onConflict: $onConflict,
                              renames: $renames, deleteSource: $deleteSource) { id }
      }`,
      {
        stack,
        names: decisions.names,
        targetScope,
        onConflict: decisions.overwrite ? 'OVERWRITE' : 'SKIP',
        renames: Object.keys(decisions.renames).length ? decisions.renames : null,
        deleteSource: flag(context, 'delete'),
      },
    );
    out.note(`Started migration ${started.id}.`);
    await followProgress(context, client, started.id);
    const { migration } = await client.request<{ migration: Migration | null }>(
      `query($id: ID!) { migration(id: $id) { ${MIGRATION_FIELDS} } }`,
      { id: started.id },
    );
    if (!migration) throw new CliError('NOT_FOUND', `migration ${started.id} not found`);
    out.result(migration, () => {
      out.table(
        ['name', 'target', 'status', 'error'],
        migration.items.map((i) => [i.name, i.targetName, i.status, i.error ?? '']),
      );
      out.line(summary(migration));
    });
    const failed = migration.items.filter((i) => i.status === 'FAILED').length;
    if (migration.status !== 'SUCCEEDED' || failed) {
      throw new CliError(
        'MIGRATION_FAILED',
        `migration ${migration.id} ${migration.status.toLowerCase()}${failed ? ` (${failed} secret(s) failed)` : ''}${migration.error ? `: ${migration.error}` : ''}`,
      );
    }
  },
};
