/**
 * Reads a back-end's options by their field names (the flavor catalog's names). The store's
 * reader (store-option-reader.ts) also checks them, naming the SGW_SECRETS_STORE_* variables; a
 * component's (configurationReader) leaves the checks to registration and to the adapters.
 */
export interface OptionReader {
  /** The option's text, or undefined when it is not given ('' counts as not given). */
  text(field: string): string | undefined;
  /** The option's text; the store's reader throws naming the option when it is missing. */
  required(field: string): string;
  /** Whether a boolean option is on. */
  flag(field: string): boolean;
  /** Options that go together: all or none; `none` says what giving none means, where it means more. */
  together(fields: string[], none?: string): void;
  /** Exactly one of two ways of signing in, each a group of options. */
  eitherOr(first: string[], second: string[]): void;
  /** Refuses an option (given or not) that `problem` objects to. */
  check(field: string, problem: (value: string) => string | undefined): void;
  /** Every option given except `fields`, as text (what a custom store's factory receives). */
  others(fields: string[]): Record<string, string>;
}

const textOf = (value: unknown): string | undefined =>
  value === undefined || value === null || value === '' ? undefined : String(value);

/**
 * Reads a component's configuration, as registration validated it (required fields, rules over
 * several fields): nothing is checked again here; the adapters refuse what they can't use.
 */
export function configurationReader(configuration: Record<string, unknown>): OptionReader {
  return {
    text: (field) => textOf(configuration[field]),
    required: (field) => String(configuration[field]),
    flag: (field) => configuration[field] === true,
    together: () => undefined,
    eitherOr: () => undefined,
    check: () => undefined,
    others: (fields) =>
      Object.fromEntries(
        Object.entries(configuration)
          .filter(([name, value]) => !fields.includes(name) && textOf(value) !== undefined)
          .map(([name, value]) => [name, String(value)]),
      ),
  };
}
