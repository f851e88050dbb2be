import { missingFromGroup } from '../flavors/field-rules.js';
import type { OptionReader } from './option-reader.js';

/**
 * The store's own spellings of a field, tried in order (`SGW_SECRETS_STORE_<NAME>`, lower case);
 * the first names the field in messages. A field not listed is spelled as its name.
 */
export type StoreNames = Record<string, string[]>;

const TRUE_TEXT = new Set(['1', 'true', 'yes', 'on']);

/** The environment variable of a store option. */
const storeVariable = (name: string) => `SGW_SECRETS_STORE_${name.toUpperCase()}`;

const list = (names: string[]) => names.join(' and ');

/**
 * Reads and checks SGW_SECRETS_STORE_<OPTION> values (`options`, keyed by lower-case option name).
 * A missing, partial or bad option throws a plain Error naming the option and its variable;
 * createCentralStore wraps it in SecretsStoreInitError.
 */
export function storeOptionReader(
  options: Record<string, string>,
  storeNames: StoreNames = {},
): OptionReader {
  const namesOf = (field: string) => storeNames[field] ?? [field];
  const display = (field: string) => namesOf(field)[0];
  const optionValue = (field: string): string | undefined => {
    const name = namesOf(field).find((spelling) => options[spelling]);
    return name === undefined ? undefined : options[name];
  };
  const given = (fields: string[]) => fields.some((field) => optionValue(field) !== undefined);
  return {
    text: optionValue,
    required(field) {
      const value = optionValue(field);
      if (value === undefined)
        throw new Error(`option ${display(field)} is required (${storeVariable(display(field))})`);
      return value;
    },
    flag: (field) => {
      const value = optionValue(field);
      return value !== undefined && TRUE_TEXT.has(value.trim().toLowerCase());
    },
    together(fields, none) {
      const values = Object.fromEntries(fields.map((field) => [field, optionValue(field)]));
      if (missingFromGroup(values, fields).length === 0) return;
      const names = fields.map(display);
      const rule = none
        ? `${names.join(', ')} go together, or none for ${none}`
        : `${list(names)} go together`;
      throw new Error(`options ${rule} (${names.map(storeVariable).join(', ')})`);
    },
    eitherOr(first, second) {
      const [a, b] = [first.map(display), second.map(display)];
      if (given(first) && given(second)) throw new Error(`give option ${list(a)} or ${list(b)}, not both`);
      if (given(first) || given(second)) return;
      throw new Error(
        `option ${list(a)} (or ${list(b)}) is required (${list(a.map(storeVariable))}, or ${list(b.map(storeVariable))})`,
      );
    },
    check(field, problemOf) {
      const problem = problemOf(optionValue(field) ?? '');
      if (problem) throw new Error(`option ${display(field)} ${problem}`);
    },
    others: (fields) =>
      Object.fromEntries(Object.entries(options).filter(([name]) => !fields.includes(name))),
  };
}
