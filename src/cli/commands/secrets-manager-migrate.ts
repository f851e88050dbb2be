import { CliError } from '../cli-error.js';
import { type Command, type CommandContext, flag, stringOption } from '../command.js';
import type { GatewayClient } from '../gateway-client.js';
import { formatTable } from '../output.js';
import { followProgress } from './migrate-progress.js';
import {
  type Decisions,
  decideInteractively,
  type PlanItem,
  type SourceSecret,
} from './migrate-questions.js';
import { SCOPE_OPTION, scopeOf } from './secret.js';

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

const MIGRATION_FIELDS =
  'id status targetScope total done error startedAt finishedAt items { name targetName status error }';

/** The command line of one `migrate`. */
interface MigrateOptions {
  targetScope: string;
  stack: string | undefined;
  showSecrets: boolean;
  interactive: boolean;
  /** The names given (null: every secret of the manager). */
  requested: string[] | null;
}

function migrateOptions(context: CommandContext): MigrateOptions {
  return {
    targetScope: scopeOf(context) ?? 'WORKSPACE',
    stack: stringOption(context, 'stack'),
    showSecrets: flag(context, 'show-secrets'),
    interactive: !flag(context, 'non-interactive'),
    requested: context.positionals.length ? context.positionals : null,
  };
}

/** The plan (sorted by name) and the source secrets, in one request. */
async function fetchPlan(client: GatewayClient, options: MigrateOptions) {
  const { stack, requested, targetScope, showSecrets } = options;
  const data = await client.request<{ migrationPlan: PlanItem[]; managedSecrets: SourceSecret[] }>(
    `query($stack: String, $names: [String!], $targetScope: SecretScope!) {
      migrationPlan(stack: $stack, names: $names, targetScope: $targetScope) { name status }
      managedSecrets(stack: $stack) { name schema keys${showSecrets ? ' values' : ''} }
    }`,
    { stack, names: requested, targetScope },
  );
  return {
    plan: [...data.migrationPlan].sort((a, b) => a.name.localeCompare(b.name)),
    sources: new Map(data.managedSecrets.map((s) => [s.name, s])),
  };
}

/** Says how many secrets go where; without questions, also shows the plan as a table. */
function showPlan(
  context: CommandContext,
  options: MigrateOptions,
  plan: PlanItem[],
  sources: Map<string, SourceSecret>,
): void {
  const { out } = context;
  const { showSecrets } = options;
  out.info(`Plan: ${plan.length} secret(s) to the ${options.targetScope.toLowerCase()} scope`);
  if (options.interactive) return;
  out.info(
    formatTable(
      ['name', 'schema', 'status', showSecrets ? 'values' : 'keys'],
      plan.map((item) => {
        const source = sources.get(item.name);
        const keys = (source?.keys ?? []).map((k) => (showSecrets ? `${k}=${source?.values?.[k] ?? ''}` : k));
        return [item.name, source?.schema ?? '', item.status, keys.join(', ')];
      }),
    ),
  );
}

/** Queues the job on the gateway; returns its id. */
async function startJob(
  client: GatewayClient,
  options: MigrateOptions,
  decisions: Decisions,
  deleteSource: boolean,
): Promise<string> {
  const { startSecretsMigration: started } = await client.request<{
    startSecretsMigration: { id: string };
  }>(
    `mutation($stack: String, $names: [String!], $targetScope: SecretScope, $onConflict: ConflictPolicy,
              $renames: JSON, $deleteSource: Boolean) {
      startSecretsMigration(stack: $stack, names: $names, targetScope: $targetScope, onConflict: $onConflict,
                            renames: $renames, deleteSource: $deleteSource) { id }
    }`,
    {
      stack: options.stack,
      names: decisions.names,
      targetScope: options.targetScope,
      onConflict: decisions.overwrite ? 'OVERWRITE' : 'SKIP',
      renames: Object.keys(decisions.renames).length ? decisions.renames : null,
      deleteSource,
    },
  );
  return started.id;
}

/** Statuses of an item whose secret is in the store with the source's values. */
const LANDED = new Set(['MIGRATED', 'RENAMED', 'OVERWRITTEN', 'IDENTICAL']);

/** Deletes the chosen source secrets that landed (ZenML asks per secret; the job deletes all or none). */
async function deleteChosenSources(
  context: CommandContext,
  client: GatewayClient,
  options: MigrateOptions,
  migration: Migration,
  chosen: string[],
): Promise<void> {
  for (const item of migration.items) {
    if (!chosen.includes(item.name) || !LANDED.has(item.status)) continue;
    await client.request(
      'mutation($name: String!, $stack: String) { deleteManagedSecret(name: $name, stack: $stack) }',
      {
        name: item.name,
        stack: options.stack,
      },
    );
    context.out.note(`Deleted secret ${item.name} from the secrets manager.`);
  }
}

/** Prints the finished job's items and a summary; MIGRATION_FAILED unless it succeeded with no failed item. */
async function reportOutcome(context: CommandContext, client: GatewayClient, id: string): Promise<Migration> {
  const { out } = context;
  const { migration } = await client.request<{ migration: Migration | null }>(
    `query($id: ID!) { migration(id: $id) { ${MIGRATION_FIELDS} } }`,
    { id },
  );
  if (!migration) throw new CliError('NOT_FOUND', `migration ${id} not found`);
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
  return migration;
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
    'Shows the plan, then asks as ZenML 0.40 does: per secret migrate? (y/n/all, default y); per conflict\n' +
    'overwrite? (y/n/all, default n; "n" asks for a new name, default the same); with --delete, delete?\n' +
    '(y/n/all, default n). --non-interactive migrates everything, overwrites conflicts and deletes all.\n' +
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
    const options = migrateOptions(context);
    const { plan, sources } = await fetchPlan(client, options);
    if (!plan.length) {
      context.out.result({ plan, migration: null }, () => context.out.line('No secrets to migrate.'));
      return;
    }
    showPlan(context, options, plan, sources);
    const deleting = flag(context, 'delete');
    const decisions: Decisions = options.interactive
      ? await decideInteractively(context, client, plan, sources, { ...options, deleting })
      : { names: options.requested, renames: {}, overwrite: true, deletes: null };
    if (decisions.names && !decisions.names.length) {
      context.out.result({ plan, migration: null }, () => context.out.line('Nothing to migrate.'));
      return;
    }
    // Every source to be deleted: the job deletes each once verified; else the chosen ones after it.
    const deleteAll =
      deleting &&
      (decisions.deletes === null || decisions.names?.every((n) => decisions.deletes?.includes(n)));
    const id = await startJob(client, options, decisions, Boolean(deleteAll));
    context.out.note(`Started migration ${id}.`);
    await followProgress(context, client, id);
    const migration = await reportOutcome(context, client, id);
    if (deleting && !deleteAll)
      await deleteChosenSources(context, client, options, migration, decisions.deletes ?? []);
  },
};
