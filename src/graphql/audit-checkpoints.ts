import type { AuditCheckpoint } from '../services/audit/checkpoint-signature.js';
import { builder } from './builder.js';
import { principalOf } from './context.js';

/** A signed checkpoint of the audit chain (API.md AuditCheckpoint). */
export const AuditCheckpointObject = builder.objectRef<AuditCheckpoint>('AuditCheckpoint').implement({
  description:
    'Ed25519 signature (base64) of the UTF-8 text "sgw-audit-checkpoint/v1\\n<lastEventId>\\n<lastHash>", checkable with auditPublicKey',
  fields: (t) => ({
    id: t.exposeID('id'),
    lastEventId: t.exposeID('lastEventId', { description: 'The last event the checkpoint covers' }),
    lastHash: t.exposeString('lastHash', { description: 'That event’s hash' }),
    at: t.field({ type: 'DateTime', resolve: (c) => c.at }),
    signature: t.exposeString('signature'),
  }),
});

builder.queryFields((t) => ({
  auditPublicKey: t.string({
    description: 'base64 of the raw 32-byte Ed25519 public key that signs audit checkpoints',
    resolve: (_root, _args, ctx) => ctx.services.audit.publicKeyFor(principalOf(ctx)),
  }),
  auditPublicKeys: t.stringList({
    description:
      'Every public key whose checkpoints the gateway accepts: auditPublicKey first, then those derived from older keys of SGW_ENCRYPTION_KEYS (checkpoints signed before a key rotation)',
    resolve: (_root, _args, ctx) => ctx.services.audit.publicKeysFor(principalOf(ctx)),
  }),
  auditCheckpoints: t.field({
    type: [AuditCheckpointObject],
    description: 'Signed checkpoints, newest first; `before` (an event id) pages to older ones',
    args: { first: t.arg.int(), before: t.arg.id() },
    resolve: (_root, args, ctx) =>
      ctx.services.audit.checkpointsFor(principalOf(ctx), {
        first: args.first,
        before: args.before == null ? null : String(args.before),
      }),
  }),
}));
