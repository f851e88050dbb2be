import type { SecretReferenceUse } from '../services/references/reference-uses.js';
import { builder } from './builder.js';
import { principalOf } from './context.js';
import { SecretObject } from './secrets.js';
import { ComponentObject, StackObject } from './stacks.js';

/** One reference to a secret in a component's configuration (`{{name.key}}`). */
export const SecretReferenceUseObject = builder
  .objectRef<SecretReferenceUse>('SecretReferenceUse')
  .implement({
    description: 'A component whose configuration references a secret: `{{name.key}}` in one of its fields',
    fields: (t) => ({
      component: t.field({ type: ComponentObject, resolve: (u) => u.component }),
      field: t.exposeString('field'),
      key: t.exposeString('key'),
      stacks: t.field({
        type: [StackObject],
        description: 'The stacks that contain the component',
        resolve: (u) => u.stacks,
      }),
    }),
  });

builder.objectField(SecretObject, 'referencedBy', (t) =>
  t.field({
    type: [SecretReferenceUseObject],
    description:
      "Components whose configuration references this secret (a USER secret: only in its owner's components); needs stack.read",
    resolve: (secret, _args, ctx) => ctx.services.references.referencedBy(principalOf(ctx), secret),
  }),
);
