import { CliError } from '../cli-error.js';
import type { CommandContext } from '../command.js';
import type { GatewayClient } from '../gateway-client.js';
import { ProgressBar } from '../progress-bar.js';

const FINISHED = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** The item a progress message is about. */
interface ProgressItem {
  name: string;
  targetName: string;
  status: string;
  error: string | null;
}

/** Follows the job over the `migrationProgress` subscription (polling if that fails) until it finishes. */
export async function followProgress(
  context: CommandContext,
  client: GatewayClient,
  id: string,
): Promise<void> {
  const bar = new ProgressBar();
  const abort = new AbortController();
  const onSignal = cancelOnInterrupt(context, client, id);
  process.on('SIGINT', onSignal);
  try {
    if (await followLive(context, client, id, bar, abort.signal)) return;
    await pollProgress(client, id, bar);
  } finally {
    abort.abort();
    bar.finish();
    process.off('SIGINT', onSignal);
  }
}

/** A SIGINT handler: the first Ctrl-C asks the gateway to cancel the job, the second exits (130). */
function cancelOnInterrupt(context: CommandContext, client: GatewayClient, id: string): () => void {
  let cancelling = false;
  return () => {
    if (cancelling) process.exit(130);
    cancelling = true;
    context.out.note('\nCancelling the migration (press Ctrl-C again to stop waiting)…');
    client
      .request('mutation($id: ID!) { cancelMigration(id: $id) { id } }', { id })
      .catch((error: Error) => context.out.note(`Could not cancel: ${error.message}`));
  };
}

/**
 * Shows the live progress until the job finishes (true); false when the subscription is not
 * available (a gateway error other than UNAUTHENTICATED/FORBIDDEN), after saying so.
 */
async function followLive(
  context: CommandContext,
  client: GatewayClient,
  id: string,
  bar: ProgressBar,
  signal: AbortSignal,
): Promise<boolean> {
  try {
    const updates = client.subscribe<{
      migrationProgress: {
        migration: { status: string; total: number; done: number };
        item: ProgressItem | null;
      };
    }>(
      'subscription($id: ID!) { migrationProgress(id: $id) { migration { status total done } item { name targetName status error } } }',
      { id },
      { signal },
    );
    for await (const { migrationProgress } of updates) {
      const { migration, item } = migrationProgress;
      const label = item
        ? `${item.name}${item.targetName !== item.name ? ` → ${item.targetName}` : ''}: ${item.status}`
        : migration.status;
      bar.update(migration.done, migration.total, label);
      if (FINISHED.has(migration.status)) break;
    }
    return true;
  } catch (error) {
    if (!(error instanceof CliError) || error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN')
      throw error;
    bar.finish();
    context.out.note(`Live progress unavailable (${error.message}); polling.`);
    return false;
  }
}

/** Polls the job every 500 ms until it finishes; NOT_FOUND when it disappears. */
async function pollProgress(client: GatewayClient, id: string, bar: ProgressBar): Promise<void> {
  for (;;) {
    const { migration } = await client.request<{
      migration: { status: string; total: number; done: number } | null;
    }>('query($id: ID!) { migration(id: $id) { status total done } }', { id });
    if (!migration) throw new CliError('NOT_FOUND', `migration ${id} disappeared`);
    bar.update(migration.done, migration.total, migration.status);
    if (FINISHED.has(migration.status)) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
