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

/** What to migrate (null: everything), under which new names, and whether conflicts are overwritten. */
export interface Decisions {
  names: string[] | null;
  renames: Record<string, string>;
  overwrite: boolean;
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
}

/** Asks per secret (migrate? y/n/all) and per conflict (overwrite? y/n/all; "n" asks for a new name). */
export async function decideInteractively(
  context: CommandContext,
  client: GatewayClient,
  plan: PlanItem[],
  sources: Map<string, SourceSecret>,
  targetScope: string,
  showSecrets: boolean,
): Promise<Decisions> {
  const asking: Questioning = {
    context,
    client,
    sources,
    targetScope,
    showSecrets,
    taken: new Set(plan.map((item) => item.name)),
    migrateAll: false,
    overwriteAll: false,
  };
  const decisions = { names: [] as string[], renames: {} as Record<string, string>, overwrite: false };
  for (const item of plan) await decideOne(asking, item, decisions);
  return decisions;
}

/** Shows one planned secret and records what the user decides for it. */
async function decideOne(
  asking: Questioning,
  item: PlanItem,
  decisions: { names: string[]; renames: Record<string, string>; overwrite: boolean },
): Promise<void> {
  const { prompt, out } = asking.context;
  const source = asking.sources.get(item.name);
  if (item.status === 'IDENTICAL') {
    out.info(
      `Secret ${item.name}: identical in the ${asking.targetScope.toLowerCase()} scope; it will be skipped.`,
    );
    decisions.names.push(item.name);
    return;
  }
  out.info(`Secret ${item.name} (schema ${source?.schema ?? '?'}): ${item.status}`);
  for (const line of secretLines(source, asking.showSecrets)) out.info(line);
  if (!asking.migrateAll) {
    const answer = await prompt.chooseYesNoAll(`Migrate secret ${item.name}?`);
    if (answer === 'n') return;
    if (answer === 'all') asking.migrateAll = true;
  }
  if (item.status !== 'CONFLICT') {
    decisions.names.push(item.name);
    return;
  }
  if (await confirmOverwrite(asking, item)) {
    decisions.overwrite = true;
    decisions.names.push(item.name);
    return;
  }
  const newName = await askNewName(asking, item);
  if (newName === undefined) return;
  decisions.renames[item.name] = newName;
  decisions.names.push(item.name);
}

/** Overwrite a conflicting secret? (asked unless "all" was answered before). */
async function confirmOverwrite(asking: Questioning, item: PlanItem): Promise<boolean> {
  if (asking.overwriteAll) return true;
  const { prompt } = asking.context;
  prompt.note(
    `A secret named ${item.name} already exists in the ${asking.targetScope.toLowerCase()} scope with other values.`,
  );
  const answer = await prompt.chooseYesNoAll(`Overwrite ${item.name}?`);
  if (answer === 'all') asking.overwriteAll = true;
  return answer !== 'n';
}

/** Asks for a new name free in the target scope; undefined when skipped (Enter); ABORTED when input ends. */
async function askNewName(asking: Questioning, item: PlanItem): Promise<string | undefined> {
  const { prompt } = asking.context;
  for (;;) {
    const newName = (await prompt.ask(`New name for ${item.name} (Enter to skip it): `))?.trim();
    if (newName === undefined) throw new CliError('ABORTED', 'input ended; nothing was migrated');
    if (newName === '') return undefined;
    if (asking.taken.has(newName) || (await existsInTarget(asking, newName))) {
      prompt.note(
        `A secret named ${newName} already exists in the ${asking.targetScope.toLowerCase()} scope; choose another name.`,
      );
      continue;
    }
    asking.taken.add(newName);
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
