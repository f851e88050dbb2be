import type { Principal } from '../auth/principal.js';
import type { NewToken } from '../services/tokens/tokens-service.js';
import { builder } from './builder.js';
import { principalOf } from './context.js';
import { RoleEnum } from './enums.js';

export const PrincipalType = builder.objectRef<Principal>('Principal').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    role: t.field({ type: RoleEnum, resolve: (p) => p.role }),
  }),
});

const NewTokenType = builder.objectRef<NewToken>('NewToken').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    token: t.exposeString('token', { description: 'Shown once; only its hash is stored' }),
    principal: t.field({ type: PrincipalType, resolve: (n) => n.principal }),
  }),
});

builder.queryFields((t) => ({
  viewer: t.field({ type: PrincipalType, resolve: (_root, _args, ctx) => principalOf(ctx) }),
}));

builder.mutationFields((t) => ({
  createToken: t.field({
    type: NewTokenType,
    description:
      'Issues a token; creates the principal if new (CONFLICT if it exists with another role: see setPrincipalRole)',
    args: { principal: t.arg.string({ required: true }), role: t.arg({ type: RoleEnum, required: true }) },
    resolve: (_root, args, ctx) =>
      ctx.services.tokens.createToken(principalOf(ctx), args.principal, args.role),
  }),
  setPrincipalRole: t.field({
    type: PrincipalType,
    description:
      'ADMIN: gives an existing principal another role, for all its tokens; its open subscriptions end. CONFLICT when no other ADMIN would hold a live token',
    args: { principal: t.arg.string({ required: true }), role: t.arg({ type: RoleEnum, required: true }) },
    resolve: (_root, args, ctx) =>
      ctx.services.tokens.setPrincipalRole(principalOf(ctx), args.principal, args.role),
  }),
  revokeToken: t.boolean({
    description:
      'Revokes a token; subscriptions opened with it end on every replica. CONFLICT for the last live ADMIN token',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => ctx.services.tokens.revokeToken(principalOf(ctx), String(args.id)),
  }),
}));
