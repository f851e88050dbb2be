import { CliError } from '../cli-error.js';
import type { CommandContext } from '../command.js';
import type { GatewayClient } from '../gateway-client.js';
import { formatTable, MASK } from '../output.js';

/** One secret of the migration plan. */
export interface PlanItem {
  name: string;
  status: 'NEW' | 'IDENTICAL' | 'CONFLICT' | string;
}

/** A secret of the source secrets manager (values only with --show-secrets). */
export interface SourceSecret {
  name: string;
  schema: string;
  keys: string[];
  values?: Record<string, string>;
}

/** What to migrate (null: everything), under which new names, whether conflicts are overwritten, which sources to delete. */
export interface Decisions {
  names: string[] | null;
  renames: Record<string, string>;
  overwrite: boolean;
  /** With `--delete`: the sources to delete once migrated (null: all of them). */
  deletes: string[] | null;
}

/** A source secret's keys as indented table lines, values masked unless shown. */
function secretLines(secret: SourceSecret | undefined, showSecrets: boolean): string[] {
  if (!secret) return [];
  const rows = secret.keys.map((key) => [key, showSecrets ? (secret.values?.[key] ?? '') : MASK]);
  return formatTable(['key', 'value'], rows)
    .split('\n')
    .map((line) => `  ${line}`);
}

/** What the interactive questions know and have learnt so far. */
interface Questioning {
  context: CommandContext;
  client: GatewayClient;
  sources: Map<string, SourceSecret>;
  targetScope: string;
  showSecrets: boolean;
  /** Names already used by a source or a chosen new name. */
  taken: Set<string>;
  migrateAll: boolean;
  overwriteAll: boolean;
  /** `--delete` given: asked per secret (default no), unless "all" was answered. */
  deleting: boolean;
  deleteAll: boolean;
}

/**
 * Asks as ZenML 0.40's `migrate` does: per secret "migrate?" (y/n/all, default y); per conflict
 * "overwrite?" (y/n/all, default n), "n" asking for a new name (default: the same) until it is
 * free or overwritten; with `--delete`, per secret "delete?" (y/n/all, default n), also for an
 * identical one that is skipped.
 */
export async function decideInteractively(
  context: CommandContext,
  client: GatewayClient,
  plan: PlanItem[],
  sources: Map<string, SourceSecret>,
  options: { targetScope: string; showSecrets: boolean; deleting: boolean },
): Promise<Decisions> {
  const asking: Questioning = {
    context,
    client,
    sources,
    ...options,
    taken: new Set(plan.map((item) => item.name)),
    migrateAll: false,
    overwriteAll: false,
    deleteAll: false,
  };
  const decisions: Decisions = { names: [], renames: {}, overwrite: false, deletes: [] };
  for (const item of plan) {
    if (!(await decideOne(asking, item, decisions))) continue;
    if (asking.deleting && (await confirmDelete(asking, item))) decisions.deletes?.push(item.name);
  }
  return decisions;
}

/** Delete the source secret? (asked unless "all" was answered before). */
async function confirmDelete(asking: Questioning, item: PlanItem): Promise<boolean> {
  if (asking.deleteAll) return true;
  const answer = await asking.context.prompt.chooseYesNoAll(
    `Delete secret ${item.name} from the secrets manager?`,
    'n',
  );
  if (answer === 'all') asking.deleteAll = true;
  return answer !== 'n';
}

/** Shows one planned secret and records what the user decides for it. */
async function decideOne(asking: Questioning, item: PlanItem, decisions: Decisions): Promise<boolean> {
  const names = decisions.names as string[];
  const { prompt, out } = asking.context;
  const source = asking.sources.get(item.name);
  if (item.status === 'IDENTICAL') {
    out.info(
      `Secret ${item.name}: identical in the ${asking.targetScope.toLowerCase()} scope; it will be skipped.`,
    );
    names.push(item.name);
    return true;
  }
  out.info(`Secret ${item.name} (schema ${source?.schema ?? '?'}): ${item.status}`);
  for (const line of secretLines(source, asking.showSecrets)) out.info(line);
  if (!asking.migrateAll) {
    const answer = await prompt.chooseYesNoAll(`Migrate secret ${item.name}?`, 'y');
    if (answer === 'n') return false;
    if (answer === 'all') asking.migrateAll = true;
  }
  names.push(item.name);
  if (item.status !== 'CONFLICT') return true;
  const target = await resolveConflict(asking, item);
  if (target.overwrite) decisions.overwrite = true;
  if (target.name !== item.name) decisions.renames[item.name] = target.name;
  return true;
}

/** Overwrite, or new names (default: the same) until one is free or the user overwrites it. */
async function resolveConflict(
  asking: Questioning,
  item: PlanItem,
): Promise<{ name: string; overwrite: boolean }> {
  let name = item.name;
  for (;;) {
    if (await confirmOverwrite(asking, name)) return { name, overwrite: true };
    name = await askNewName(asking, item, name);
    if (!(await existsInTarget(asking, name))) {
      asking.taken.add(name);
      return { name, overwrite: false };
    }
  }
}

/** Overwrite the existing secret `name`? (default no; asked unless "all" was answered before). */
async function confirmOverwrite(asking: Questioning, name: string): Promise<boolean> {
  if (asking.overwriteAll) return true;
  const { prompt } = asking.context;
  prompt.note(`A secret named ${name} already exists in the ${asking.targetScope.toLowerCase()} scope.`);
  const answer = await prompt.chooseYesNoAll(`Overwrite ${name}?`, 'n');
  if (answer === 'all') asking.overwriteAll = true;
  return answer !== 'n';
}

/** Asks for a new name (Enter: `current`), not one another secret of this migration takes; ABORTED when input ends. */
async function askNewName(asking: Questioning, item: PlanItem, current: string): Promise<string> {
  const { prompt } = asking.context;
  for (;;) {
    const answer = (await prompt.ask(`New name for ${item.name} [${current}]: `))?.trim();
    if (answer === undefined) throw new CliError('ABORTED', 'input ended; nothing was migrated');
    const newName = answer === '' ? current : answer;
    if (newName !== item.name && newName !== current && asking.taken.has(newName)) {
      prompt.note(`Another secret of this migration is named ${newName}; choose another name.`);
      continue;
    }
    return newName;
  }
}

/** Whether a secret of this name exists in the target scope. */
async function existsInTarget(asking: Questioning, name: string): Promise<boolean> {
  const { secret } = await asking.client.request<{ secret: { id: string } | null }>(
    'query($name: String!, $scope: SecretScope) { secret(name: $name, scope: $scope) { id } }',
    { name, scope: asking.targetScope },
  );
  return secret !== null;
}
