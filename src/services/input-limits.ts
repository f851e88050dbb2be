/**
 * Limits of the arguments of any operation (API.md, "Security limits"); the limits of a secret's
 * values are in `src/schemas/secret-limits.ts`, of a configuration in
 * `src/flavors/configuration-limits.ts`.
 */
export const INPUT_LIMITS = {
  /** Items of one argument list (`components`, `names`, `removeKeys`, `actions` …) or rename map. */
  maxListItems: 1000,
  /** `first` of any page. */
  maxPageSize: 1000,
} as const;
