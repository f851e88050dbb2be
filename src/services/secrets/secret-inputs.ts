import { z } from 'zod';
import { BadUserInputError, type InputIssue, issuesFromZod } from '../../errors.js';
import { INPUT_LIMITS } from '../input-limits.js';
import { SECRET_SCOPES } from './secret.js';

/** Largest and default page of `secrets`. */
export const MAX_PAGE = INPUT_LIMITS.maxPageSize;
export const DEFAULT_PAGE = 50;

/** A secret's name: 1–255 letters, digits, `_` or `-`, and not `name`. */
export const secretNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'may contain letters, digits, _ and - only')
  .refine((n) => n !== 'name', '"name" is reserved and may not be a secret name');

/** An optional scope: absent, null or one of SECRET_SCOPES. */
const scopeSchema = z.enum(SECRET_SCOPES, { error: `must be one of ${SECRET_SCOPES.join(', ')}` }).nullish();

const pageSizeMessage = `must be between 1 and ${MAX_PAGE}`;

/** `getSecret`: a known scope, a name without NUL (Postgres text can't hold one). */
export const getSecretInputSchema = z.object({
  scope: scopeSchema,
  name: z.string().refine((n) => !n.includes('\u0000'), 'must not contain NUL characters'),
});

/** `listSecrets`: a known scope and a page size within 1..MAX_PAGE. */
export const listSecretsInputSchema = z.object({
  scope: scopeSchema,
  first: z
    .number({ error: pageSizeMessage })
    .refine((n) => Number.isInteger(n) && n >= 1 && n <= MAX_PAGE, pageSizeMessage)
    .nullish(),
});

/** `createSecret`, apart from its values (checked against the secret schema). */
export const createSecretInputSchema = z.object({ name: secretNameSchema, scope: scopeSchema });

/** `updateSecret`, apart from its values. */
export const updateSecretInputSchema = z.object({ scope: scopeSchema, newScope: scopeSchema });

/** `renameSecret`: a known scope and a valid new name. */
export const renameSecretInputSchema = z.object({ scope: scopeSchema, newName: secretNameSchema });

/** `deleteSecret`: a known scope. */
export const deleteSecretInputSchema = z.object({ scope: scopeSchema });

/** Every problem `schema` finds in `input`, with the paths the API names; none when it passes. */
export function inputIssues(schema: z.ZodType, input: unknown): InputIssue[] {
  const parsed = schema.safeParse(input);
  return parsed.success ? [] : issuesFromZod(parsed.error.issues);
}

/** Checks `input` against `schema`; BAD_USER_INPUT with `message` and every issue when it fails. */
export function checkInput(schema: z.ZodType, input: unknown, message: string): void {
  const issues = inputIssues(schema, input);
  if (issues.length) throw new BadUserInputError(message, issues);
}
