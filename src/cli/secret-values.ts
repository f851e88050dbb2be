import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { badInput, CliError, usageError } from './cli-error.js';
import type { GatewayClient } from './gateway-client.js';
import { formatTable, MASK, type Output } from './output.js';
import type { Prompter } from './prompts.js';

/** ZenML's limit for a value read from a file with `--key=@path`. */
export const MAX_FILE_VALUE_BYTES = 10_240;

/** Python's `str.isidentifier()`: an XID_Start letter or `_`, then XID_Continue characters (Unicode letters too). */
const IDENTIFIER = /^[\p{XID_Start}_][\p{XID_Continue}]*$/u;

/** Secret keys are identifiers and may not be `name` (ZenML's rule). */
export function checkSecretKey(key: string): void {
  if (!IDENTIFIER.test(key))
    throw badInput(
      `invalid key "${key}": keys must be identifiers, as Python's str.isidentifier (letters, digits, _; not starting with a digit)`,
    );
  if (key === 'name') throw badInput('invalid key "name": it is reserved');
}

/** ZenML's rule (cli/secret.py): a secret may not be named `name`. */
export function checkSecretName(name: string): void {
  if (name === 'name') throw badInput('secret names cannot be "name"');
}

/** `~` and `~/…` expanded to the home directory, then made absolute. */
export function expandHome(file: string): string {
  if (file === '~') return homedir();
  if (file.startsWith('~/')) return path.join(homedir(), file.slice(2));
  return path.resolve(file);
}

/** A value as given: `@path` reads the file (at most 10,240 bytes), `@@x` is the literal `@x`. */
export async function expandValue(key: string, raw: string): Promise<string> {
  if (raw.startsWith('@@')) return raw.slice(1);
  if (!raw.startsWith('@')) return raw;
  const file = expandHome(raw.slice(1));
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw badInput(`--${key}=@${raw.slice(1)}: ${file} is not a file`);
    size = info.size;
  } catch (error) {
    if (error instanceof CliError) throw error;
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw badInput(`--${key}=@${raw.slice(1)}: cannot read ${file}: ${reason}`);
  }
  if (size > MAX_FILE_VALUE_BYTES) {
    throw badInput(
      `--${key}=@${raw.slice(1)}: ${file} is ${size} bytes; a value read from a file may be at most ${MAX_FILE_VALUE_BYTES} bytes`,
    );
  }
  return readFile(file, 'utf8');
}

/** `--key=value` pairs as an object: keys checked (secret keys unless `secretKeys` is false), files read. */
export async function valuesFromPairs(
  pairs: Array<[string, string]>,
  secretKeys = true,
): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const [key, raw] of pairs) {
    if (secretKeys) checkSecretKey(key);
    else if (!IDENTIFIER.test(key))
      throw badInput(`invalid field "${key}": fields are identifiers such as region_name`);
    values[key] = await expandValue(key, raw);
  }
  return values;
}

/** The `-i` / `--KEY=VALUE` rule: one or the other, and without `-i` at least one pair. */
export function checkValueSource(
  interactive: boolean,
  pairs: Array<[string, string]>,
  required = true,
): void {
  if (interactive && pairs.length)
    throw usageError('-i/--interactive cannot be combined with --KEY=VALUE pairs');
  if (!interactive && required && !pairs.length)
    throw usageError('give the secret values as --KEY=VALUE (or --KEY=@file), or use -i to be prompted');
}

export interface SchemaField {
  name: string;
  type: string;
  required: boolean;
  default: unknown;
}

export interface SecretSchemaInfo {
  type: string;
  fields: SchemaField[];
  allowsArbitraryKeys: boolean;
}

/** A secret schema from the gateway; an unknown type lists the known ones. */
export async function fetchSecretSchema(client: GatewayClient, type: string): Promise<SecretSchemaInfo> {
  const data = await client.request<{ secretSchemas: SecretSchemaInfo[] }>(
    '{ secretSchemas { type allowsArbitraryKeys fields { name type required default } } }',
  );
  const schema = data.secretSchemas.find((s) => s.type === type);
  if (!schema) {
    const known = data.secretSchemas.map((s) => s.type).join(', ');
    throw badInput(`unknown secret schema "${type}"; known: ${known}`);
  }
  return schema;
}

const ended = () => new CliError('ABORTED', 'input ended before every value was entered');

/** Asks for more key/value pairs ("Add another key?") until the answer is no. */
async function promptArbitraryPairs(
  prompt: Prompter,
  values: Record<string, string>,
  askFirst: boolean,
): Promise<void> {
  let more = !askFirst || (await prompt.confirm('Add another key?'));
  while (more) {
    const key = (await prompt.ask('Key: '))?.trim();
    if (key === undefined) throw ended();
    try {
      checkSecretKey(key);
    } catch (error) {
      prompt.note((error as Error).message);
      continue;
    }
    const value = await prompt.askHidden(`Value for ${key}: `);
    if (value === undefined) throw ended();
    values[key] = await expandValue(key, value);
    more = await prompt.confirm('Add another key?');
  }
}

/** `-i` on register (values typed as `@path` read the file, `@@x` is `@x`, as ZenML's `-i` does): a hidden prompt per schema key (Enter skips an optional one), or the key/value loop. */
export async function promptSecretValues(
  prompt: Prompter,
  schema: SecretSchemaInfo,
): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const field of schema.fields) {
    const hint = field.required ? '' : ' (optional, Enter to skip)';
    for (;;) {
      const value = await prompt.askHidden(`${field.name}${hint}: `);
      if (value === undefined) throw ended();
      if (value !== '') values[field.name] = await expandValue(field.name, value);
      else if (field.required) {
        prompt.note(`${field.name} is required.`);
        continue;
      }
      break;
    }
  }
  if (schema.allowsArbitraryKeys) await promptArbitraryPairs(prompt, values, schema.fields.length > 0);
  if (!Object.keys(values).length) throw badInput('no values were entered');
  return values;
}

/** `-i` on update: a hidden prompt per existing key (Enter keeps it), then new keys if the schema allows. */
export async function promptUpdatedValues(
  prompt: Prompter,
  keys: string[],
  allowsArbitraryKeys: boolean,
): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const key of keys) {
    const value = await prompt.askHidden(`${key} (Enter keeps the current value): `);
    if (value === undefined) throw ended();
    if (value !== '') values[key] = await expandValue(key, value);
  }
  if (allowsArbitraryKeys) await promptArbitraryPairs(prompt, values, true);
  return values;
}

/** Shows what will be stored, every value masked. */
export function showMaskedSecret(out: Output, title: string, values: Record<string, string | null>): void {
  out.info(title);
  const rows = Object.entries(values).map(([key, value]) => [key, value === null ? '(removed)' : MASK]);
  out.info(rows.length ? formatTable(['key', 'value'], rows) : '(no values)');
}
