import { CliError, usageError } from '../cli-error.js';
import {
  type Command,
  type CommandContext,
  type CommandGroup,
  flag,
  listOption,
  stringOption,
} from '../command.js';
import type { GatewayClient } from '../gateway-client.js';
import type { Output } from '../output.js';
import { auditProofCommands } from './audit-proof.js';

interface AuditEvent {
  id: string;
  at: string;
  actor: string;
  action: string;
  outcome: string;
  target: Record<string, unknown> | null;
}

interface AuditPage {
  nodes: AuditEvent[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const EVENT_FIELDS = 'id at actor action outcome target';

function targetName(target: AuditEvent['target']): string {
  if (!target) return '';
  for (const field of ['name', 'principal', 'tokenId', 'migrationId', 'kind']) {
    const value = target[field];
    if (typeof value === 'string' && value) return value;
  }
  return '';
}

/** One line per event: id, time, actor, action, outcome, target name. */
export function auditLine(event: AuditEvent): string {
  return [
    event.id.padStart(6),
    event.at.padEnd(24),
    event.actor.padEnd(12),
    event.action.padEnd(22),
    event.outcome.padEnd(7),
    targetName(event.target),
  ]
    .join('  ')
    .trimEnd();
}

function printEvent(out: Output, event: AuditEvent): void {
  out.line(out.json ? JSON.stringify(event) : auditLine(event));
}

/** The parsed and validated options of `audit tail`. */
interface TailOptions {
  follow: boolean;
  after: string | undefined;
  lines: number;
  filter: Record<string, unknown>;
}

/** Reads and validates the `audit tail` options; throws a usage error for a bad --after or -n. */
function parseTailOptions(context: CommandContext): TailOptions {
  const follow = flag(context, 'follow');
  const after = stringOption(context, 'after');
  if (after !== undefined && !/^\d+$/.test(after))
    throw usageError('--after takes an audit event id (a number)');
  const lines = Number(stringOption(context, 'lines') ?? '20');
  if (!Number.isInteger(lines) || lines < 1 || lines > 1000)
    throw usageError('-n takes a number from 1 to 1000');
  const actions = listOption(context, 'action');
  const filter = {
    ...(actions.length ? { actions } : {}),
    ...(stringOption(context, 'actor') ? { actor: stringOption(context, 'actor') } : {}),
    ...(stringOption(context, 'secret') ? { secretName: stringOption(context, 'secret') } : {}),
  };
  return { follow, after, lines, filter };
}

/** The events to print before following, and the cursor (event id) to follow from. */
interface InitialEvents {
  printed: AuditEvent[];
  cursor: string | null;
}

/**
 * Loads what `audit tail` prints first: without --after, the latest `lines` matching events
 * (oldest first) and the id of the newest event overall as the cursor; with --after and no
 * --follow, every matching event after that id; with both, nothing (the follow starts there).
 */
async function loadInitialEvents(client: GatewayClient, options: TailOptions): Promise<InitialEvents> {
  const { after, follow, filter, lines } = options;
  if (after === undefined) return loadLatestEvents(client, filter, lines);
  if (!follow) return loadEventsAfter(client, filter, after);
  return { printed: [], cursor: after };
}

/** The latest `lines` matching events, oldest first, and the id of the newest event ('0' if none). */
async function loadLatestEvents(
  client: GatewayClient,
  filter: TailOptions['filter'],
  lines: number,
): Promise<InitialEvents> {
  const data = await client.request<{ tail: AuditPage; latest: AuditPage }>(
    `query($filter: AuditFilter, $first: Int) {
          tail: auditEvents(filter: $filter, first: $first, newestFirst: true) { nodes { ${EVENT_FIELDS} } pageInfo { hasNextPage endCursor } }
          latest: auditEvents(first: 1, newestFirst: true) { nodes { id } pageInfo { hasNextPage endCursor } }
        }`,
    { filter, first: lines },
  );
  return { printed: [...data.tail.nodes].reverse(), cursor: data.latest.nodes[0]?.id ?? '0' };
}

/** Every matching event after event id `after`, paging 1000 at a time; the cursor is the last page's end. */
async function loadEventsAfter(
  client: GatewayClient,
  filter: TailOptions['filter'],
  after: string,
): Promise<InitialEvents> {
  let cursor = after;
  const printed: AuditEvent[] = [];
  for (;;) {
    const { auditEvents: page } = await client.request<{ auditEvents: AuditPage }>(
      `query($filter: AuditFilter, $after: String) {
            auditEvents(filter: $filter, first: 1000, after: $after) { nodes { ${EVENT_FIELDS} } pageInfo { hasNextPage endCursor } }
          }`,
      { filter, after: cursor },
    );
    printed.push(...page.nodes);
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) break;
    cursor = page.pageInfo.endCursor;
  }
  return { printed, cursor };
}

/** Prints the events of a non-follow tail: a JSON array, 'No audit events.', or one line each. */
function printFinalEvents(out: Output, printed: AuditEvent[]): void {
  if (out.json) out.data(printed);
  else if (!printed.length) out.line('No audit events.');
  else for (const event of printed) printEvent(out, event);
}

/**
 * Follows the audit log after `cursor`, printing each new event until SIGINT/SIGTERM; if the
 * gateway becomes unreachable, the error says how to resume after the last event printed.
 */
async function followEvents(
  client: GatewayClient,
  out: Output,
  filter: TailOptions['filter'],
  after: string | null,
): Promise<void> {
  let cursor = after;
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const events = client.subscribe<{ auditEvents: AuditEvent }>(
    `subscription($filter: AuditFilter, $after: ID) { auditEvents(filter: $filter, after: $after) { ${EVENT_FIELDS} } }`,
    { filter, after: cursor },
    {
      signal: abort.signal,
      onOpen: () => out.note(`Following the audit log after event ${cursor}; Ctrl-C stops.`),
    },
  );
  try {
    for await (const { auditEvents: event } of events) {
      printEvent(out, event);
      cursor = event.id;
    }
  } catch (error) {
    if (error instanceof CliError && error.code === 'UNREACHABLE')
      throw new CliError(
        error.code,
        `${error.message}; resume with sgw audit tail --follow --after ${cursor}`,
      );
    throw error;
  }
}

const tail: Command = {
  name: 'tail',
  usage: '[--follow] [--after ID] [--action A ...] [--actor NAME] [--secret NAME] [-n N]',
  summary: 'Print the latest audit events, or every event after ID; --follow prints new ones as they happen',
  details:
    'One line per event: id, time, actor, action, outcome, target name. With -o json: a JSON array,\n' +
    'or one JSON object per line with --follow. Resume a follow with --after <last id seen>.',
  options: [
    { name: 'follow', short: 'f', kind: 'boolean', help: 'keep printing new events (Ctrl-C stops)' },
    { name: 'after', kind: 'string', value: 'ID', help: 'start after this event id (no gap, no duplicate)' },
    {
      name: 'action',
      short: 'a',
      kind: 'list',
      value: 'ACTION',
      help: 'only this action, e.g. secret.read (repeatable)',
    },
    { name: 'actor', kind: 'string', value: 'NAME', help: 'only events of this principal' },
    { name: 'secret', kind: 'string', value: 'NAME', help: 'only events about this secret' },
    {
      name: 'lines',
      short: 'n',
      kind: 'string',
      value: 'N',
      help: 'how many of the latest events (default 20)',
    },
  ],
  arity: [0, 0],
  async run(context) {
    const options = parseTailOptions(context);
    const client = await context.client();
    const { printed, cursor } = await loadInitialEvents(client, options);
    if (!options.follow) {
      printFinalEvents(context.out, printed);
      return;
    }
    for (const event of printed) printEvent(context.out, event);
    await followEvents(client, context.out, options.filter, cursor);
  },
};

export const auditGroup: CommandGroup = {
  name: 'audit',
  summary: 'the audit log (ADMIN and AUDITOR)',
  children: [tail, ...auditProofCommands],
};
