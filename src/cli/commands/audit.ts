import { CliError, usageError } from '../cli-error.js';
import { type Command, type CommandGroup, flag, listOption, stringOption } from '../command.js';
import type { Output } from '../output.js';

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
    const { out } = context;
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
    const client = await context.client();

    let cursor = after ?? null;
    const printed: AuditEvent[] = [];
    if (after === undefined) {
      const data = await client.request<{ tail: AuditPage; latest: AuditPage }>(
        `query($filter: AuditFilter, $first: Int) {
          tail: auditEvents(filter: $filter, first: $first, newestFirst: true) { nodes { ${EVENT_FIELDS} } pageInfo { hasNextPage endCursor } }
          latest: auditEvents(first: 1, newestFirst: true) { nodes { id } pageInfo { hasNextPage endCursor } }
        }`,
        { filter, first: lines },
      );
      printed.push(...[...data.tail.nodes].reverse());
      cursor = data.latest.nodes[0]?.id ?? '0';
    } else if (!follow) {
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
    }
    if (!follow) {
      if (out.json) out.data(printed);
      else if (!printed.length) out.line('No audit events.');
      else for (const event of printed) printEvent(out, event);
      return;
    }
    for (const event of printed) printEvent(out, event);

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
  },
};

export const auditGroup: CommandGroup = {
  name: 'audit',
  summary: 'the audit log (ADMIN and AUDITOR)',
  children: [tail],
};
