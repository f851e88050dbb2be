import type { AuditEvent, AuditFilter } from '../services/audit/audit-event.js';
import type { AuditVerification } from '../services/audit/audit-verifier.js';
import { AuditCheckpointObject } from './audit-checkpoints.js';
import { builder } from './builder.js';
import { auditVerificationOf, principalOf } from './context.js';
import { PageInfo } from './pagination.js';

const AuditEventObject = builder.objectRef<AuditEvent>('AuditEvent').implement({
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Strictly increasing; the resume cursor' }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
    actor: t.exposeString('actor'),
    action: t.exposeString('action'),
    outcome: t.exposeString('outcome'),
    target: t.field({ type: 'JSON', resolve: (e) => e.target }),
    valueFingerprints: t.field({ type: 'JSON', nullable: true, resolve: (e) => e.valueFingerprints }),
    prevHash: t.exposeString('prevHash'),
    hash: t.exposeString('hash'),
  }),
});

const AuditFilterInput = builder.inputType('AuditFilter', {
  fields: (t) => ({
    actions: t.stringList(),
    actor: t.string(),
    secretName: t.string(),
    migrationId: t.id(),
    since: t.field({ type: 'DateTime' }),
  }),
});

const AuditChainReportObject = builder.objectRef<AuditVerification>('AuditChainReport').implement({
  fields: (t) => ({
    ok: t.exposeBoolean('ok'),
    checked: t.exposeInt('checked', {
      description: 'Events the report vouches for (ids 1 to checked, when ok)',
    }),
    firstBrokenId: t.exposeID('firstBrokenId', { nullable: true }),
    lastCheckpoint: t.field({
      type: AuditCheckpointObject,
      nullable: true,
      description: 'The newest signed checkpoint, which the chain was checked against',
      resolve: (r) => r.lastCheckpoint,
    }),
    problem: t.exposeString('problem', { nullable: true, description: 'What is wrong, in words' }),
  }),
});

interface AuditPage {
  events: AuditEvent[];
  hasNextPage: boolean;
}

const AuditEventEdge = builder.objectRef<AuditEvent>('AuditEventEdge').implement({
  fields: (t) => ({
    node: t.field({ type: AuditEventObject, resolve: (e) => e }),
    cursor: t.exposeID('id'),
  }),
});

const AuditEventConnection = builder.objectRef<AuditPage>('AuditEventConnection').implement({
  fields: (t) => ({
    edges: t.field({ type: [AuditEventEdge], resolve: (p) => p.events }),
    nodes: t.field({ type: [AuditEventObject], resolve: (p) => p.events }),
    pageInfo: t.field({
      type: PageInfo,
      resolve: (p) => ({ hasNextPage: p.hasNextPage, endCursor: p.events.at(-1)?.id ?? null }),
    }),
  }),
});

function toFilter(input: Record<string, unknown> | null | undefined): AuditFilter | null {
  if (!input) return null;
  return {
    actions: (input.actions as string[] | null | undefined) ?? null,
    actor: (input.actor as string | null | undefined) ?? null,
    secretName: (input.secretName as string | null | undefined) ?? null,
    migrationId: input.migrationId == null ? null : String(input.migrationId),
    since: (input.since as Date | null | undefined) ?? null,
  };
}

builder.queryFields((t) => ({
  auditEvents: t.field({
    type: AuditEventConnection,
    description: 'The audit log, oldest first (or newest first); `after` is an event id',
    args: {
      filter: t.arg({ type: AuditFilterInput }),
      first: t.arg.int(),
      after: t.arg.string(),
      newestFirst: t.arg.boolean({ defaultValue: false }),
    },
    resolve: (_root, args, ctx) =>
      ctx.services.audit.listEvents(principalOf(ctx), {
        filter: toFilter(args.filter),
        first: args.first,
        after: args.after,
        newestFirst: args.newestFirst ?? false,
      }),
  }),
  verifyAuditChain: t.field({
    type: AuditChainReportObject,
    description:
      'Checks the chain against the newest signed checkpoint, from the last verified one (`full`: from the first event); once per request (aliases share it), a few a minute per caller',
    args: { full: t.arg.boolean({ defaultValue: false }) },
    resolve: (_root, args, ctx) => auditVerificationOf(ctx, args.full ?? false),
  }),
}));

builder.subscriptionFields((t) => ({
  auditEvents: t.field({
    type: AuditEventObject,
    description: 'Replays from `after`, then live; no gap, no duplicate',
    args: { filter: t.arg({ type: AuditFilterInput }), after: t.arg.id() },
    subscribe: (_root, args, ctx) =>
      ctx.services.audit.subscribeFor(
        principalOf(ctx),
        toFilter(args.filter),
        args.after == null ? null : String(args.after),
      ),
    resolve: (event) => event,
  }),
}));
