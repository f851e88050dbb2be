import type { Secret } from '../services/secrets/secret.js';
import { encodeSecretCursor } from '../services/secrets/secret-cursor.js';
import type { SecretPage } from '../services/secrets/secrets-service.js';
import { builder } from './builder.js';
import { principalOf, valueReaderOf } from './context.js';
import { SecretScopeEnum } from './enums.js';
import { PageInfo } from './pagination.js';
import { PrincipalType } from './principals.js';
import { addResponseWarnings } from './use-response-warnings.js';

export const SecretObject = builder.objectRef<Secret>('Secret').implement({
  description: 'A secret in the centralized secrets store',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    scope: t.field({ type: SecretScopeEnum, resolve: (s) => s.scope }),
    owner: t.field({
      type: PrincipalType,
      resolve: async (s, _args, ctx) =>
        (await ctx.services.tokens.findPrincipal(s.ownerId)) ?? {
          id: s.ownerId,
          name: 'unknown',
          role: 'READER' as const,
        },
    }),
    schema: t.exposeString('schema'),
    keys: t.exposeStringList('keys'),
    version: t.exposeInt('version'),
    createdAt: t.field({ type: 'DateTime', resolve: (s) => s.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (s) => s.updatedAt }),
    origin: t.field({
      type: 'JSON',
      nullable: true,
      description: 'For migrated secrets: source component, flavor, scope, namespace',
      resolve: (s) => s.origin,
    }),
    values: t.field({
      type: 'JSON',
      description: 'Needs value access; audited with the version read. No version: the current one',
      args: { version: t.arg.int() },
      resolve: (s, args, ctx) => ctx.services.secrets.readValues(valueReaderOf(ctx), s, args.version),
    }),
  }),
});

const SecretEdge = builder.objectRef<{ node: Secret; cursor: string }>('SecretEdge').implement({
  fields: (t) => ({
    node: t.field({ type: SecretObject, resolve: (e) => e.node }),
    cursor: t.exposeString('cursor'),
  }),
});

const SecretConnection = builder.objectRef<SecretPage>('SecretConnection').implement({
  fields: (t) => ({
    edges: t.field({
      type: [SecretEdge],
      resolve: (page) => page.secrets.map((node) => ({ node, cursor: encodeSecretCursor(node) })),
    }),
    nodes: t.field({ type: [SecretObject], resolve: (page) => page.secrets }),
    pageInfo: t.field({ type: PageInfo, resolve: (page) => page }),
  }),
});

builder.queryFields((t) => ({
  secrets: t.field({
    type: SecretConnection,
    description: 'Secrets visible to the caller, by name; never values unless asked',
    args: {
      name: t.arg.string(),
      scope: t.arg({ type: SecretScopeEnum }),
      first: t.arg.int(),
      after: t.arg.string(),
    },
    resolve: (_root, args, ctx) => ctx.services.secrets.listSecrets(principalOf(ctx), args),
  }),
  secret: t.field({
    type: SecretObject,
    nullable: true,
    description: 'No scope: USER first, then WORKSPACE',
    args: { name: t.arg.string({ required: true }), scope: t.arg({ type: SecretScopeEnum }) },
    resolve: async (_root, args, ctx) =>
      (await ctx.services.secrets.getSecret(principalOf(ctx), args.name, args.scope)) ?? null,
  }),
}));

builder.mutationFields((t) => ({
  createSecret: t.field({
    type: SecretObject,
    args: {
      name: t.arg.string({ required: true }),
      scope: t.arg({ type: SecretScopeEnum, defaultValue: 'WORKSPACE' }),
      values: t.arg({ type: 'JSON', required: true }),
      schema: t.arg.string(),
    },
    resolve: (_root, args, ctx) => ctx.services.secrets.createSecret(principalOf(ctx), args),
  }),
  updateSecret: t.field({
    type: SecretObject,
    description: 'Merges values (null removes a key); replace drops keys absent from values',
    args: {
      name: t.arg.string({ required: true }),
      scope: t.arg({ type: SecretScopeEnum }),
      values: t.arg({ type: 'JSON', required: true }),
      removeKeys: t.arg.stringList(),
      replace: t.arg.boolean({ defaultValue: false }),
      expectedVersion: t.arg.int(),
      newScope: t.arg({ type: SecretScopeEnum, description: 'moves the secret to this scope' }),
    },
    resolve: (_root, args, ctx) => ctx.services.secrets.updateSecret(principalOf(ctx), args),
  }),
  renameSecret: t.field({
    type: SecretObject,
    args: {
      name: t.arg.string({ required: true }),
      scope: t.arg({ type: SecretScopeEnum }),
      newName: t.arg.string({ required: true }),
    },
    resolve: (_root, args, ctx) =>
      ctx.services.secrets.renameSecret(principalOf(ctx), args.name, args.scope, args.newName),
  }),
  deleteSecret: t.boolean({
    description: 'Components referencing the secret are named in extensions.warnings',
    args: { name: t.arg.string({ required: true }), scope: t.arg({ type: SecretScopeEnum }) },
    resolve: async (_root, args, ctx) => {
      const principal = principalOf(ctx);
      const warnings = await ctx.services.references.deleteWarnings(principal, args.name, args.scope);
      const deleted = await ctx.services.secrets.deleteSecret(principal, args.name, args.scope);
      addResponseWarnings(ctx, warnings); // only once the delete succeeded
      return deleted;
    },
  }),
  rotateEncryptionKey: t.int({
    description: 'Rows re-encrypted under the active key',
    resolve: (_root, _args, ctx) => ctx.services.keys.rotate(principalOf(ctx)),
  }),
}));
