import { CliError, usageError } from '../cli-error.js';
import { type Command, stringOption } from '../command.js';
import type { GatewayClient } from '../gateway-client.js';
import type { Output } from '../output.js';

/** One `SecretChange`: what changed (never values) and who references the secret. */
export interface SecretChange {
  id: string;
  at: string;
  actor: string;
  action: string;
  name: string;
  scope: string;
  version: number | null;
  changedKeys: string[];
  referencedBy: Array<{
    component: { name: string; type: string; flavor: string };
    field: string;
    key: string;
    stacks: Array<{ name: string }>;
  }>;
}

const CHANGE_FIELDS =
  'id at actor action name scope version changedKeys referencedBy { component { name type flavor } field key stacks { name } }';

/** A stream silent this long is taken for lost (the gateway pings every 12 s). */
const STREAM_IDLE_TIMEOUT_MS = 45_000;
/** Waits between reconnection attempts: doubling from the first, at most the last. */
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;
/** Failures after which a stream that was open is reopened rather than the command failing. */
const TRANSIENT = new Set(['UNREACHABLE', 'BAD_RESPONSE', 'BACKEND_UNAVAILABLE']);

/** Who references the changed secret, e.g. `kf.password ({{db.pw}}; stacks prod, dev)`. */
function usesText(change: SecretChange): string {
  return change.referencedBy
    .map((use) => {
      const stacks = use.stacks.map((s) => s.name).join(', ');
      return `${use.component.name}.${use.field} ({{${change.name}.${use.key}}}${stacks ? `; stacks ${stacks}` : ''})`;
    })
    .join(', ');
}

/** One line per change: id, time, actor, action, name (scope), version, changed keys, uses. */
export function changeLine(change: SecretChange): string {
  const parts = [
    change.id.padStart(6),
    change.at.padEnd(24),
    change.actor.padEnd(12),
    change.action.padEnd(11),
    `${change.name} (${change.scope.toLowerCase()})`,
  ];
  if (change.version !== null) parts.push(`version ${change.version}`);
  if (change.changedKeys.length) parts.push(`keys: ${change.changedKeys.join(', ')}`);
  if (change.referencedBy.length) parts.push(`used by: ${usesText(change)}`);
  return parts.join('  ').trimEnd();
}

/** Whether change id `id` comes after `cursor` (ids are increasing numbers); true without a cursor. */
function isAfter(id: string, cursor: string | undefined): boolean {
  if (cursor === undefined || !/^\d+$/.test(id) || !/^\d+$/.test(cursor)) return true;
  return BigInt(id) > BigInt(cursor);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/** Where a watch stands: the last change printed (the resume cursor) and whether a stream ever opened. */
interface WatchState {
  cursor: string | undefined;
  opened: boolean;
  retryMs: number;
}

/**
 * Streams one subscription of `secretChanges` after `state.cursor`, printing each change not
 * printed yet (one JSON object per line with `-o json`). Returns when the gateway completes the
 * stream or `signal` aborts; throws what the client throws.
 */
async function streamChanges(
  client: GatewayClient,
  out: Output,
  names: string[],
  state: WatchState,
  signal: AbortSignal,
): Promise<void> {
  const changes = client.subscribe<{ secretChanges: SecretChange }>(
    `subscription($names: [String!], $after: ID) { secretChanges(names: $names, after: $after) { ${CHANGE_FIELDS} } }`,
    { names: names.length ? names : null, after: state.cursor ?? null },
    {
      signal,
      idleTimeoutMs: STREAM_IDLE_TIMEOUT_MS,
      onOpen: () => {
        const what = names.length ? `secrets ${names.join(', ')}` : 'every secret you may see';
        const after = state.cursor ? ` after change ${state.cursor}` : '';
        out.note(state.opened ? `Reconnected; resuming${after}.` : `Watching ${what}${after}; Ctrl-C stops.`);
        state.opened = true;
        state.retryMs = FIRST_RETRY_MS;
      },
    },
  );
  for await (const { secretChanges: change } of changes) {
    if (!isAfter(change.id, state.cursor)) continue;
    out.line(out.json ? JSON.stringify(change) : changeLine(change));
    state.cursor = change.id;
  }
}

/**
 * Prints secret changes until SIGINT/SIGTERM or until the gateway ends the stream. A stream
 * that was open and is lost is reopened after the last change printed (no gap, no duplicate),
 * waiting longer between failed attempts; a failure before the first stream opened, or any
 * other error, ends the command.
 */
async function watchChanges(
  client: GatewayClient,
  out: Output,
  names: string[],
  after: string | undefined,
): Promise<void> {
  const state: WatchState = { cursor: after, opened: false, retryMs: FIRST_RETRY_MS };
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    for (;;) {
      try {
        await streamChanges(client, out, names, state, abort.signal);
        return;
      } catch (error) {
        if (!(state.opened && error instanceof CliError && TRANSIENT.has(error.code))) throw error;
        const resume = state.cursor ? ` after change ${state.cursor}` : '';
        out.note(`${error.message}; reconnecting${resume} in ${state.retryMs / 1000} s…`);
        await pause(state.retryMs, abort.signal);
        if (abort.signal.aborted) return;
        state.retryMs = Math.min(state.retryMs * 2, MAX_RETRY_MS);
      }
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

export const watchCommand: Command = {
  name: 'watch',
  usage: '[NAMES...] [--after ID]',
  summary: 'Print each change to secrets as it happens (never values), with who references them',
  details:
    'One line per change: id, time, actor, action, name (scope), version, changed keys, and the\n' +
    'components (field, stacks) that reference the secret. -o json: one SecretChange JSON object per\n' +
    'line, for scripts (e.g. roll out what references a changed secret). Without NAMES, every secret\n' +
    'you may see. --after ID replays the changes after that id first. Runs until Ctrl-C (exit 0) or\n' +
    'the gateway ends the stream; a lost connection is reopened after the last change printed (no gap,\n' +
    'no duplicate; before the first change, start with --after to close that gap).',
  options: [
    { name: 'after', kind: 'string', value: 'ID', help: 'replay the changes after this change id first' },
  ],
  arity: [0, Infinity],
  argNames: ['NAMES'],
  async run(context) {
    const after = stringOption(context, 'after');
    if (after !== undefined && !/^\d+$/.test(after)) throw usageError('--after takes a change id (a number)');
    await watchChanges(await context.client(), context.out, context.positionals, after);
  },
};
