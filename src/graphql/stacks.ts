import type { FieldReference } from '../flavors/validate-configuration.js';
import { type Component, componentReferences, maskedConfiguration } from '../services/stacks/component.js';
import type { ComponentPayload } from '../services/stacks/components-service.js';
import type { Stack } from '../services/stacks/stack.js';
import { builder } from './builder.js';
import { activeStackIdOf, principalOf, valueReaderOf } from './context.js';
import { ComponentTypeEnum } from './enums.js';

/** Secrets whose values resolving a component's configuration reads. */
const referencedSecretCount = (c: Component) => new Set(componentReferences(c).map((r) => r.secretName)).size;

const SecretReferenceType = builder.objectRef<FieldReference>('SecretReference').implement({
  fields: (t) => ({
    field: t.exposeString('field'),
    secretName: t.exposeString('secretName'),
    key: t.exposeString('key'),
  }),
});

export const ComponentObject = builder.objectRef<Component>('Component').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    type: t.field({ type: ComponentTypeEnum, resolve: (c) => c.type }),
    flavor: t.exposeString('flavor'),
    configuration: t.field({
      type: 'JSON',
      description: 'As registered: references stay as {{name.key}} text; sensitive plain values masked',
      resolve: (c) => maskedConfiguration(c),
    }),
    resolvedConfiguration: t.field({
      type: 'JSON',
      description:
        "References resolved (USER-scoped secrets only in the caller's own component); a secrets manager's credentials stay masked; needs value access; audited",
      resolve: (c, _args, ctx) =>
        ctx.services.references.resolve(valueReaderOf(ctx, referencedSecretCount(c)), c),
    }),
    secretReferences: t.field({ type: [SecretReferenceType], resolve: (c) => componentReferences(c) }),
    createdAt: t.field({ type: 'DateTime', resolve: (c) => c.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (c) => c.updatedAt }),
  }),
});

export const StackObject = builder.objectRef<Stack>('Stack').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    components: t.field({ type: [ComponentObject], resolve: (s) => s.components }),
    secretsManager: t.field({
      type: ComponentObject,
      nullable: true,
      resolve: (s) => s.components.find((c) => c.type === 'SECRETS_MANAGER') ?? null,
    }),
    isActive: t.boolean({
      resolve: async (s, _args, ctx) => (await activeStackIdOf(ctx)) === s.id,
    }),
    problems: t.stringList({
      description: 'Unresolvable secret references, per SGW_SECRET_VALIDATION_LEVEL',
      resolve: (s, _args, ctx) => ctx.services.references.stackProblems(principalOf(ctx), s),
    }),
  }),
});

const ComponentPayloadObject = builder.objectRef<ComponentPayload>('ComponentPayload').implement({
  fields: (t) => ({
    component: t.field({ type: ComponentObject, resolve: (p) => p.component }),
    warnings: t.exposeStringList('warnings'),
  }),
});

builder.queryFields((t) => ({
  stacks: t.field({
    type: [StackObject],
    resolve: (_root, _args, ctx) => ctx.services.stacks.listStacks(principalOf(ctx)),
  }),
  stack: t.field({
    type: StackObject,
    nullable: true,
    args: { name: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) =>
      (await ctx.services.stacks.getStack(principalOf(ctx), args.name)) ?? null,
  }),
  activeStack: t.field({
    type: StackObject,
    nullable: true,
    resolve: async (_root, _args, ctx) => (await ctx.services.stacks.activeStack(principalOf(ctx))) ?? null,
  }),
  components: t.field({
    type: [ComponentObject],
    args: { type: t.arg({ type: ComponentTypeEnum }) },
    resolve: (_root, args, ctx) => ctx.services.components.listComponents(principalOf(ctx), args.type),
  }),
  component: t.field({
    type: ComponentObject,
    nullable: true,
    args: {
      type: t.arg({ type: ComponentTypeEnum, required: true }),
      name: t.arg.string({ required: true }),
    },
    resolve: async (_root, args, ctx) =>
      (await ctx.services.components.getComponent(principalOf(ctx), args.type, args.name)) ?? null,
  }),
}));

builder.mutationFields((t) => ({
  registerComponent: t.field({
    type: ComponentPayloadObject,
    args: {
      type: t.arg({ type: ComponentTypeEnum, required: true }),
      name: t.arg.string({ required: true }),
      flavor: t.arg.string({ required: true }),
      configuration: t.arg({ type: 'JSON', required: true }),
    },
    resolve: (_root, a, ctx) =>
      ctx.services.components.registerComponent(principalOf(ctx), a.type, a.name, a.flavor, a.configuration),
  }),
  updateComponent: t.field({
    type: ComponentPayloadObject,
    description: 'Merges the configuration; a null value removes a field',
    args: {
      type: t.arg({ type: ComponentTypeEnum, required: true }),
      name: t.arg.string({ required: true }),
      configuration: t.arg({ type: 'JSON', required: true }),
    },
    resolve: (_root, a, ctx) =>
      ctx.services.components.updateComponent(principalOf(ctx), a.type, a.name, a.configuration),
  }),
  deleteComponent: t.boolean({
    args: {
      type: t.arg({ type: ComponentTypeEnum, required: true }),
      name: t.arg.string({ required: true }),
    },
    resolve: (_root, a, ctx) => ctx.services.components.deleteComponent(principalOf(ctx), a.type, a.name),
  }),
  registerStack: t.field({
    type: StackObject,
    args: { name: t.arg.string({ required: true }), components: t.arg.stringList({ required: true }) },
    resolve: (_root, a, ctx) => ctx.services.stacks.registerStack(principalOf(ctx), a.name, a.components),
  }),
  updateStack: t.field({
    type: StackObject,
    args: { name: t.arg.string({ required: true }), components: t.arg.stringList({ required: true }) },
    resolve: (_root, a, ctx) => ctx.services.stacks.updateStack(principalOf(ctx), a.name, a.components),
  }),
  deleteStack: t.boolean({
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, a, ctx) => ctx.services.stacks.deleteStack(principalOf(ctx), a.name),
  }),
  setActiveStack: t.field({
    type: StackObject,
    args: { name: t.arg.string({ required: true }) },
    resolve: async (_root, a, ctx) => {
      const stack = await ctx.services.stacks.setActiveStack(principalOf(ctx), a.name);
      ctx.activeStackId = Promise.resolve(stack.id);
      return stack;
    },
  }),
}));
