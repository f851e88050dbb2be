import type { AuditSinkState } from '../services/audit/sinks/audit-sinks-service.js';
import { builder } from './builder.js';
import { principalOf } from './context.js';

const AuditSinkObject = builder.objectRef<AuditSinkState>('AuditSink').implement({
  description: 'A destination the audit log is shipped to (SGW_AUDIT_FILE, SGW_AUDIT_WEBHOOK_URL)',
  fields: (t) => ({
    name: t.exposeString('name', { description: '`file` or `webhook`' }),
    lastDeliveredId: t.exposeID('lastDeliveredId', {
      nullable: true,
      description: 'The last event the sink holds (null: none yet)',
    }),
    lag: t.exposeInt('lag', { description: 'Committed events not yet delivered' }),
    lastError: t.exposeString('lastError', {
      nullable: true,
      description: 'Why the last attempt failed (cleared by the next delivered batch)',
    }),
  }),
});

builder.queryFields((t) => ({
  auditSinks: t.field({
    type: [AuditSinkObject],
    description: 'The configured audit sinks and how far behind the log each one is',
    resolve: (_root, _args, ctx) => ctx.services.auditSinks.list(principalOf(ctx)),
  }),
}));
