import { z } from 'zod';

export type FieldType = 'string' | 'boolean' | 'integer' | 'json_object' | 'string_list';

/** One typed field of a secret schema or a flavor configuration (API.md ConfigField). */
export interface FieldSpec {
  name: string;
  type: FieldType;
  required: boolean;
  default?: unknown;
  /** Credentials and tokens: stored encrypted, shown masked; plain values warn. */
  sensitive: boolean;
  /** Whether the field may hold a `{{name.key}}` secret reference (default true). */
  allowsReferences?: boolean;
  description?: string;
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on', 'y', 't']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off', 'n', 'f']);

/** Pydantic-like boolean: true/false or the usual words and digits. */
export const lenientBoolean = z.union([
  z.boolean(),
  z
    .number()
    .refine((n) => n === 0 || n === 1, 'must be a boolean')
    .transform((n) => n === 1),
  z
    .string()
    .refine(
      (s) => TRUE_WORDS.has(s.trim().toLowerCase()) || FALSE_WORDS.has(s.trim().toLowerCase()),
      'must be a boolean',
    )
    .transform((s) => TRUE_WORDS.has(s.trim().toLowerCase())),
]);

/** Pydantic-like integer: a number or digits in a string. */
export const lenientInteger = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^\s*-?\d+\s*$/, 'must be an integer')
    .transform((s) => Number.parseInt(s, 10)),
]);

/** A JSON object, given as an object or as text that parses to one. */
export const jsonObject = z.union([
  z.record(z.string(), z.unknown()),
  z.string().transform((s, ctx) => {
    try {
      const parsed: unknown = JSON.parse(s);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        return parsed as Record<string, unknown>;
    } catch {}
    ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
    return z.NEVER;
  }),
]);

/** The zod type that validates and coerces one field's value. */
export function zodForField(field: FieldSpec): z.ZodType {
  switch (field.type) {
    case 'boolean':
      return lenientBoolean;
    case 'integer':
      return lenientInteger;
    case 'json_object':
      return jsonObject;
    case 'string_list':
      return z.array(z.string());
    default:
      return z.string();
  }
}
