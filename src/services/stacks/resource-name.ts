import { z } from 'zod';

/** A component or stack name: 1–128 letters, digits, `_ . -`, starting with a letter or digit. */
export const resourceNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
    'must start with a letter or digit and contain only letters, digits, _ . -',
  );
