import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type ExportReport, parseAuditExport, verifyAuditExport } from '../audit-export-verification.js';
import { badInput, CliError, usageError } from '../cli-error.js';
import { type Command, listOption, stringOption } from '../command.js';
import type { GatewayClient } from '../gateway-client.js';
import type { Output } from '../output.js';

const EVENT_FIELDS = 'id at actor action outcome target valueFingerprints prevHash hash';
const CHECKPOINT_FIELDS = 'id lastEventId lastHash at signature';
const PAGE = 1000;

type Row = Record<string, unknown> & { id: string };
type Checkpoint = Row & { lastEventId: string };

/** Writes lines to a stream, waiting when it is full (exports of big logs). */
async function writeLine(stream: NodeJS.WritableStream, value: unknown): Promise<void> {
  if (!stream.write(`${JSON.stringify(value)}\n`)) await once(stream, 'drain');
}

/** Every event after `after`, a page at a time, written as it comes; returns the last id written. */
async function exportEvents(
  client: GatewayClient,
  stream: NodeJS.WritableStream,
  after: string,
): Promise<string> {
  let cursor = after;
  for (;;) {
    const { auditEvents: page } = await client.request<{
      auditEvents: { nodes: Row[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
    }>(
      `query($after: String) { auditEvents(first: ${PAGE}, after: $after) { nodes { ${EVENT_FIELDS} } pageInfo { hasNextPage endCursor } } }`,
      { after: cursor },
    );
    for (const event of page.nodes) await writeLine(stream, event);
    if (page.nodes.length) cursor = page.nodes[page.nodes.length - 1].id;
    if (!page.pageInfo.hasNextPage) return cursor;
  }
}

/** The checkpoints covering events in (`after`, `upTo`], oldest first (paged newest first). */
async function checkpointsUpTo(client: GatewayClient, after: number, upTo: number): Promise<Checkpoint[]> {
  const found: Checkpoint[] = [];
  let before: string | null = String(upTo + 1);
  while (before !== null) {
    const { auditCheckpoints: page }: { auditCheckpoints: Checkpoint[] } = await client.request<{
      auditCheckpoints: Checkpoint[];
    }>(`query($before: ID) { auditCheckpoints(first: ${PAGE}, before: $before) { ${CHECKPOINT_FIELDS} } }`, {
      before,
    });
    const kept = page.filter((c) => Number(c.lastEventId) > after);
    found.push(...kept);
    before = page.length === PAGE && kept.length === page.length ? (page.at(-1)?.lastEventId ?? null) : null;
  }
  return found.reverse();
}

const exportCommand: Command = {
  name: 'export',
  usage: '[--after ID] [--out FILE]',
  summary: 'Write the audit log as JSON lines: every event, then the signed checkpoints, then the public key',
  details:
    'One AuditEvent a line (with prevHash and hash), id order; then one AuditCheckpoint a line, oldest first\n' +
    '(every one made before the export began, and later ones up to the last event written); last,\n' +
    '{"auditPublicKey": …}. Check it offline with sgw audit verify.',
  options: [
    { name: 'after', kind: 'string', value: 'ID', help: 'only events after this id' },
    { name: 'out', kind: 'string', value: 'FILE', help: 'write to FILE (mode 0600) instead of stdout' },
  ],
  arity: [0, 0],
  async run(context) {
    const after = stringOption(context, 'after') ?? '0';
    if (!/^\d{1,18}$/.test(after)) throw usageError('--after takes an audit event id (a number)');
    const file = stringOption(context, 'out');
    const client = await context.client();
    // Checkpoints made before the export starts cover events that existed then: all are written,
    // so a log cut short of one shows; later ones only up to the last event written.
    const { auditCheckpoints: newest } = await client.request<{ auditCheckpoints: Checkpoint[] }>(
      '{ auditCheckpoints(first: 1) { lastEventId } }',
    );
    const stream = file ? createWriteStream(file, { mode: 0o600 }) : process.stdout;
    const last = await exportEvents(client, stream, after);
    const upTo = Math.max(Number(last), Number(newest[0]?.lastEventId ?? 0));
    for (const c of await checkpointsUpTo(client, Number(after), upTo)) await writeLine(stream, c);
    const keys = await client.request<{ auditPublicKey: string; auditPublicKeys: string[] }>(
      '{ auditPublicKey auditPublicKeys }',
    );
    await writeLine(stream, keys);
    if (file) {
      (stream as NodeJS.WritableStream).end();
      await once(stream, 'finish');
      context.out.note(`Exported the audit log after event ${after} up to event ${last} to ${file}.`);
    }
  },
};

function printReport(out: Output, report: ExportReport, keySource: string): void {
  const range = report.events ? `events ${report.firstEventId} to ${report.lastEventId}` : 'no events';
  out.line(`OK: ${range}: every link holds.`);
  out.line(`${report.checkpoints} checkpoints: every signature holds (public key ${keySource}).`);
  if (report.unsignedTrailing > 0)
    out.line(
      `${report.unsignedTrailing} trailing events (after event ${report.lastCheckpointEventId ?? 0}) are not covered by a signed checkpoint.`,
    );
  else if (report.events) out.line(`The last event is covered by a signed checkpoint.`);
}

/** An export file, parsed; BAD_USER_INPUT naming the file when it can't be read or parsed. */
async function readExport(file: string) {
  try {
    return parseAuditExport(await readFile(file, 'utf8'));
  } catch (error) {
    throw badInput(`cannot read ${file}: ${(error as Error).message}`);
  }
}

const verifyCommand: Command = {
  name: 'verify',
  usage: '--file FILE [--public-key BASE64] [--checkpoints OLD_FILE]',
  summary: 'Check an export offline (no gateway): every hash link and every checkpoint signature',
  details:
    'Exit 0 only if every link and every signature holds; otherwise names the first bad event and exits 1.\n' +
    'Without --public-key, the key the export ends with is used (pass a key you trust to rule out a forged file).',
  options: [
    { name: 'file', kind: 'string', value: 'FILE', help: 'the export (sgw audit export --out FILE)' },
    {
      name: 'public-key',
      kind: 'list',
      value: 'BASE64',
      help: 'auditPublicKey of the gateway (repeatable: older keys of a rotation)',
    },
    {
      name: 'checkpoints',
      kind: 'string',
      value: 'OLD_FILE',
      help: 'also hold the events to the checkpoints of an earlier export (the log only grew since)',
    },
  ],
  arity: [0, 0],
  async run(context) {
    const path = stringOption(context, 'file');
    if (!path) throw usageError('--file is required');
    const parsed = await readExport(path);
    const earlier = stringOption(context, 'checkpoints');
    if (earlier) parsed.checkpoints.push(...(await readExport(earlier)).checkpoints);
    const given = listOption(context, 'public-key');
    const key = given.length ? given : parsed.publicKeys;
    if (!key.length)
      throw badInput('no --public-key, and the file does not end with the exporting gateway’s key');
    let report: ExportReport;
    try {
      report = verifyAuditExport(parsed, key);
    } catch (error) {
      throw badInput((error as Error).message);
    }
    const source = given.length ? 'from --public-key' : 'from the file';
    context.out.result(report, () => (report.ok ? printReport(context.out, report, source) : undefined));
    if (!report.ok) {
      const where = report.firstBrokenId ? `first bad event ${report.firstBrokenId}: ` : '';
      throw new CliError('AUDIT_BROKEN', `${where}${report.problem}`);
    }
  },
};

export const auditProofCommands = [exportCommand, verifyCommand];
