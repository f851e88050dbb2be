import type { ManagedSecret, ManagedSecretRef } from '../services/managed-secrets/managed-secret.js';
import { builder } from './builder.js';
import { principalOf, valueReaderOf } from './context.js';

const loadedRef = (secret: ManagedSecret): ManagedSecretRef => ({
  name: secret.name,
  load: async () => secret,
});

const ManagedSecretObject = builder.objectRef<ManagedSecretRef>('ManagedSecret').implement({
  description: 'A secret inside a secrets manager component (loaded from its back-end only when needed)',
  fields: (t) => ({
    name: t.exposeString('name'),
    schema: t.string({ resolve: async (ref) => (await ref.load()).schema }),
    keys: t.stringList({ resolve: async (ref) => (await ref.load()).keys }),
    values: t.field({
      type: 'JSON',
      description: 'Needs value access; audited',
      resolve: async (ref, _args, ctx) =>
        ctx.services.managedSecrets.readValues(valueReaderOf(ctx), await ref.load()),
    }),
  }),
});

builder.queryFields((t) => ({
  managedSecrets: t.field({
    type: [ManagedSecretObject],
    description: "The secrets of the stack's (default: active) secrets manager",
    args: { stack: t.arg.string() },
    resolve: (_root, args, ctx) => ctx.services.managedSecrets.listSecrets(principalOf(ctx), args.stack),
  }),
  managedSecret: t.field({
    type: ManagedSecretObject,
    nullable: true,
    args: { name: t.arg.string({ required: true }), stack: t.arg.string() },
    resolve: async (_root, args, ctx) =>
      (await ctx.services.managedSecrets.getSecret(principalOf(ctx), args.name, args.stack)) ?? null,
  }),
}));

builder.mutationFields((t) => ({
  registerManagedSecret: t.field({
    type: ManagedSecretObject,
    args: {
      name: t.arg.string({ required: true }),
      schema: t.arg.string({ defaultValue: 'arbitrary' }),
      values: t.arg({ type: 'JSON', required: true }),
      stack: t.arg.string(),
    },
    resolve: async (_root, args, ctx) =>
      loadedRef(await ctx.services.managedSecrets.register(principalOf(ctx), args)),
  }),
  updateManagedSecret: t.field({
    type: ManagedSecretObject,
    description: 'Merges new keys into the secret; keeps its schema',
    args: {
      name: t.arg.string({ required: true }),
      values: t.arg({ type: 'JSON', required: true }),
      stack: t.arg.string(),
    },
    resolve: async (_root, args, ctx) =>
      loadedRef(await ctx.services.managedSecrets.update(principalOf(ctx), args)),
  }),
  deleteManagedSecret: t.boolean({
    args: { name: t.arg.string({ required: true }), stack: t.arg.string() },
    resolve: (_root, args, ctx) =>
      ctx.services.managedSecrets.remove(principalOf(ctx), args.name, args.stack),
  }),
}));
