import type { SecretVersionRow } from '../database/tables/secret-versions-table.js';
import type { Secret } from '../services/secrets/secret.js';
import { builder } from './builder.js';
import { principalOf } from './context.js';
import { SecretScopeEnum } from './enums.js';
import { SecretObject } from './secrets.js';

const SecretVersionObject = builder.objectRef<SecretVersionRow>('SecretVersion').implement({
  description: 'One version of a secret (never its values)',
  fields: (t) => ({
    version: t.exposeInt('version'),
    createdAt: t.field({ type: 'DateTime', resolve: (v) => v.created_at }),
    actor: t.exposeString('actor', { description: 'Who wrote this version' }),
    keys: t.exposeStringList('keys'),
    changedKeys: t.field({
      type: ['String'],
      description: 'Keys added, changed or removed by this version',
      resolve: (v) => v.changed_keys,
    }),
  }),
});

type DeletedSecret = Secret & { deletedAt: Date; purgeAt: Date };

const DeletedSecretObject = builder.objectRef<DeletedSecret>('DeletedSecret').implement({
  description: 'A deleted secret that can still be restored, until `purgeAt`',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    scope: t.field({ type: SecretScopeEnum, resolve: (s) => s.scope }),
    version: t.exposeInt('version'),
    keys: t.exposeStringList('keys'),
    deletedAt: t.field({ type: 'DateTime', resolve: (s) => s.deletedAt }),
    purgeAt: t.field({ type: 'DateTime', resolve: (s) => s.purgeAt }),
  }),
});

builder.objectField(SecretObject, 'versions', (t) =>
  t.field({
    type: [SecretVersionObject],
    description: 'Newest first, the current one included (at most SGW_SECRET_VERSIONS_KEPT)',
    args: { first: t.arg.int() },
    resolve: (s, args, ctx) => ctx.services.secrets.listVersions(principalOf(ctx), s, args.first),
  }),
);

builder.queryField('deletedSecrets', (t) =>
  t.field({
    type: [DeletedSecretObject],
    description: 'Deleted secrets that can still be restored (ADMIN: every user’s)',
    args: { scope: t.arg({ type: SecretScopeEnum }) },
    resolve: (_root, args, ctx) => ctx.services.secrets.deletedSecrets(principalOf(ctx), args.scope),
  }),
);

builder.mutationFields((t) => ({
  rollbackSecret: t.field({
    type: SecretObject,
    description: "A new version with that version's values; CONFLICT when `expectedVersion` is stale",
    args: {
      name: t.arg.string({ required: true }),
      scope: t.arg({ type: SecretScopeEnum }),
      version: t.arg.int({ required: true }),
      expectedVersion: t.arg.int(),
    },
    resolve: (_root, args, ctx) => ctx.services.secrets.rollbackSecret(principalOf(ctx), args),
  }),
  restoreSecret: t.field({
    type: SecretObject,
    description: 'Brings back a deleted secret (values and history) before its purge',
    args: { name: t.arg.string({ required: true }), scope: t.arg({ type: SecretScopeEnum }) },
    resolve: (_root, args, ctx) =>
      ctx.services.secrets.restoreSecret(principalOf(ctx), args.name, args.scope),
  }),
  purgeSecret: t.boolean({
    description: 'ADMIN: removes a deleted secret for good, now (values, history, store entry)',
    args: { name: t.arg.string({ required: true }), scope: t.arg({ type: SecretScopeEnum }) },
    resolve: (_root, args, ctx) => ctx.services.secrets.purgeSecret(principalOf(ctx), args.name, args.scope),
  }),
}));
