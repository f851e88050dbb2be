import { z } from 'zod';

/** An optional variable: unset and blank both read as undefined. */
export const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value));
