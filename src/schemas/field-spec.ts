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
  /** A further rule for a given value: the problem, or undefined when it holds. */
  check?: (value: unknown) => string | undefined;
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on', 'y', 't']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off', 'n', 'f']);

/** Pydantic-like boolean: true/false or the usual words and digits. */
export const lenientBoolean = z.unknown().transform((value, ctx) => {
  if (typeof value === 'boolean') return value;
  const word =
    typeof value === 'number' || typeof value === 'string' ? String(value).trim().toLowerCase() : '';
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  ctx.addIssue({ code: 'custom', message: 'must be a boolean (true/false)' });
  return z.NEVER;
});

/** Pydantic-like integer: a number or digits in a string. */
export const lenientInteger = z.unknown().transform((value, ctx) => {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number.parseInt(value, 10);
  ctx.addIssue({ code: 'custom', message: 'must be an integer' });
  return z.NEVER;
});

/** A JSON object, given as an object or as text that parses to one. */
export const jsonObject = z.unknown().transform((value, ctx) => {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
  }
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
    return parsed as Record<string, unknown>;
  ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
  return z.NEVER;
});

const text = z.unknown().transform((value, ctx) => {
  if (typeof value === 'string') return value;
  ctx.addIssue({ code: 'custom', message: 'must be a string' });
  return z.NEVER;
});

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
      return text;
  }
}
