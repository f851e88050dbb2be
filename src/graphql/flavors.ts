import { type Flavor, listFlavors } from '../flavors/flavor-catalog.js';
import type { FieldSpec } from '../schemas/field-spec.js';
import type { SecretSchema } from '../schemas/secret-schemas.js';
import { builder } from './builder.js';
import { principalOf } from './context.js';
import { ComponentTypeEnum } from './enums.js';

const ConfigFieldType = builder.objectRef<FieldSpec>('ConfigField').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    type: t.exposeString('type'),
    required: t.exposeBoolean('required'),
    default: t.field({ type: 'JSON', nullable: true, resolve: (f) => f.default ?? null }),
    sensitive: t.exposeBoolean('sensitive'),
  }),
});

const FlavorType = builder.objectRef<Flavor>('Flavor').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    type: t.field({ type: ComponentTypeEnum, resolve: (f) => f.type }),
    integration: t.exposeString('integration'),
    supportsScoping: t.exposeBoolean('supportsScoping'),
    configFields: t.field({ type: [ConfigFieldType], resolve: (f) => f.configFields }),
  }),
});

const SecretSchemaType = builder.objectRef<SecretSchema>('SecretSchema').implement({
  fields: (t) => ({
    type: t.exposeString('type'),
    fields: t.field({ type: [ConfigFieldType], resolve: (s) => s.fields }),
    allowsArbitraryKeys: t.exposeBoolean('allowsArbitraryKeys'),
  }),
});

builder.queryFields((t) => ({
  flavors: t.field({
    type: [FlavorType],
    args: { type: t.arg({ type: ComponentTypeEnum }) },
    resolve: (_root, args, ctx) => {
      principalOf(ctx);
      return listFlavors(args.type);
    },
  }),
  secretSchemas: t.field({
    type: [SecretSchemaType],
    resolve: (_root, _args, ctx) => {
      principalOf(ctx);
      return ctx.services.schemas.list();
    },
  }),
}));
