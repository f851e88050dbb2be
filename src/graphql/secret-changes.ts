import { SECRET_CHANGE_ACTIONS, type SecretChange } from '../services/changes/secret-change.js';
import { builder } from './builder.js';
import { principalOf } from './context.js';
import { SecretScopeEnum } from './enums.js';
import { SecretReferenceUseObject } from './secret-references.js';

const SecretChangeActionEnum = builder.enumType('SecretChangeAction', {
  values: Object.values(SECRET_CHANGE_ACTIONS),
});

const SecretChangeObject = builder.objectRef<SecretChange>('SecretChange').implement({
  description: 'One change of a secret: names, version and key names, never values',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The audit event id: the resume cursor' }),
    at: t.field({ type: 'DateTime', resolve: (c) => c.at }),
    actor: t.exposeString('actor'),
    action: t.field({ type: SecretChangeActionEnum, resolve: (c) => c.action }),
    name: t.exposeString('name'),
    scope: t.field({ type: SecretScopeEnum, resolve: (c) => c.scope }),
    version: t.exposeInt('version', { nullable: true }),
    changedKeys: t.exposeStringList('changedKeys'),
    referencedBy: t.field({
      type: [SecretReferenceUseObject],
      description: 'Who to roll out (RENAMED: the components naming the previous name)',
      resolve: (c) => c.referencedBy,
    }),
  }),
});

builder.subscriptionFields((t) => ({
  secretChanges: t.field({
    type: SecretChangeObject,
    description: 'Replays after the cursor, then live; no gap, no duplicate; only secrets the caller may see',
    args: { names: t.arg.stringList(), after: t.arg.id() },
    subscribe: (_root, args, ctx) =>
      ctx.services.secretChanges.subscribe(principalOf(ctx), {
        names: args.names,
        after: args.after == null ? null : String(args.after),
      }),
    resolve: (change) => change,
  }),
}));
