import SchemaBuilder from '@pothos/core';
import ZodPlugin from '@pothos/plugin-zod';
import { BadUserInputError, issuesFromZod } from '../errors.js';
import type { GraphQLContext } from './context.js';
import { DateTimeScalar, JsonScalar } from './scalars.js';

/** The one schema builder of the gateway. */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: false;
}>({
  plugins: [ZodPlugin],
  defaultFieldNullability: false,
  zod: {
    validationError: (error) => new BadUserInputError('Invalid arguments', issuesFromZod(error.issues)),
  },
});

// The root types and scalars; each area file adds its fields (queryFields, mutationFields…).
builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
builder.addScalarType('DateTime', DateTimeScalar);
builder.addScalarType('JSON', JsonScalar);
