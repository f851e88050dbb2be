import { NotFoundError } from '../errors.js';
import type { Migration, MigrationItem, MigrationProgress } from '../services/migration/migration.js';
import { CONFLICT_POLICIES, ITEM_STATUSES, MIGRATION_STATUSES } from '../services/migration/migration.js';
import type { MigrationPlanItem } from '../services/migration/migration-plan.js';
import { builder } from './builder.js';
import { principalOf } from './context.js';
import { SecretScopeEnum } from './enums.js';
import { ComponentObject } from './stacks.js';

const ConflictPolicyEnum = builder.enumType('ConflictPolicy', { values: CONFLICT_POLICIES });
const MigrationStatusEnum = builder.enumType('MigrationStatus', { values: MIGRATION_STATUSES });
const MigrationItemStatusEnum = builder.enumType('MigrationItemStatus', { values: ITEM_STATUSES });

const MigrationPlanItemObject = builder.objectRef<MigrationPlanItem>('MigrationPlanItem').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    status: t.exposeString('status', { description: 'NEW | IDENTICAL | CONFLICT' }),
  }),
});

const MigrationItemObject = builder.objectRef<MigrationItem>('MigrationItem').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    targetName: t.exposeString('targetName'),
    status: t.field({ type: MigrationItemStatusEnum, resolve: (i) => i.status }),
    error: t.exposeString('error', { nullable: true }),
    sourceDeleted: t.exposeBoolean('sourceDeleted', {
      nullable: true,
      description:
        'null: no source deletion asked (no deleteSource, or not copied); false: pending, or failed (see error); true: deleted',
    }),
  }),
});

const MigrationObject = builder.objectRef<Migration>('Migration').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.field({ type: MigrationStatusEnum, resolve: (m) => m.status }),
    source: t.field({
      type: ComponentObject,
      resolve: async (m, _args, ctx) => {
        const component = await ctx.services.components.componentById(m.sourceComponentId);
        if (!component) throw new NotFoundError('The source secrets manager of this migration was deleted');
        return component;
      },
    }),
    stack: t.exposeString('stackName'),
    targetScope: t.field({ type: SecretScopeEnum, resolve: (m) => m.targetScope }),
    onConflict: t.field({ type: ConflictPolicyEnum, resolve: (m) => m.onConflict }),
    deleteSource: t.exposeBoolean('deleteSource'),
    total: t.exposeInt('total'),
    done: t.exposeInt('done'),
    items: t.field({
      type: [MigrationItemObject],
      resolve: (m, _args, ctx) => ctx.services.migrations.items(m.id),
    }),
    startedAt: t.field({ type: 'DateTime', nullable: true, resolve: (m) => m.startedAt }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, resolve: (m) => m.finishedAt }),
    error: t.exposeString('error', { nullable: true }),
  }),
});

const MigrationProgressObject = builder.objectRef<MigrationProgress>('MigrationProgress').implement({
  fields: (t) => ({
    migration: t.field({ type: MigrationObject, resolve: (p) => p.migration }),
    item: t.field({ type: MigrationItemObject, nullable: true, resolve: (p) => p.item }),
  }),
});

builder.queryFields((t) => ({
  migrationPlan: t.field({
    type: [MigrationPlanItemObject],
    args: {
      stack: t.arg.string(),
      names: t.arg.stringList(),
      targetScope: t.arg({ type: SecretScopeEnum, required: true }),
    },
    resolve: (_root, args, ctx) => ctx.services.migrations.plan(principalOf(ctx), args),
  }),
  migration: t.field({
    type: MigrationObject,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) =>
      (await ctx.services.migrations.get(principalOf(ctx), String(args.id))) ?? null,
  }),
  migrations: t.field({
    type: [MigrationObject],
    resolve: (_root, _args, ctx) => ctx.services.migrations.list(principalOf(ctx)),
  }),
}));

builder.mutationFields((t) => ({
  startSecretsMigration: t.field({
    type: MigrationObject,
    description: 'Queues a server-side migration job and returns at once',
    args: {
      stack: t.arg.string(),
      names: t.arg.stringList(),
      targetScope: t.arg({ type: SecretScopeEnum, defaultValue: 'WORKSPACE' }),
      onConflict: t.arg({ type: ConflictPolicyEnum, defaultValue: 'SKIP' }),
      renames: t.arg({ type: 'JSON' }),
      deleteSource: t.arg.boolean({ defaultValue: false }),
    },
    resolve: (_root, args, ctx) => ctx.services.migrations.start(principalOf(ctx), args),
  }),
  cancelMigration: t.field({
    type: MigrationObject,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => ctx.services.migrations.cancel(principalOf(ctx), String(args.id)),
  }),
}));

builder.subscriptionFields((t) => ({
  migrationProgress: t.field({
    type: MigrationProgressObject,
    description: 'The current state first, then every change until the job is finished',
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, args, ctx) => ctx.services.migrations.progress(principalOf(ctx), String(args.id)),
    resolve: (progress) => progress,
  }),
}));
