/** Reading and checking the members of a Secrets Manager request body, with AWS's wording on failure. */
import { AwsError, invalidParameter, validation } from './aws-fake-error.js';
import type { AwsTag } from './aws-fake-secret.js';

/** A JSON request or response body. */
export type Json = Record<string, unknown>;

const MAX_VALUE_BYTES = 65_536;
const NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]+$/;

const memberName = (key: string) => key[0].toLowerCase() + key.slice(1);

/** `input[key]` when it passes `is` (undefined when absent or null), else AWS's SerializationException. */
function optMember<T>(
  input: Json,
  key: string,
  is: (value: unknown) => value is T,
  what: string,
): T | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (!is(value)) throw new AwsError('SerializationException', `${key} must be ${what}`);
  return value;
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isNumber = (value: unknown): value is number => typeof value === 'number';
const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';

export function optString(input: Json, key: string): string | undefined {
  return optMember(input, key, isString, 'a string');
}

export function reqString(input: Json, key: string): string {
  const value = optString(input, key);
  if (value === undefined) throw validation(memberName(key), undefined, 'Member must not be null');
  return value;
}

export function optNumber(input: Json, key: string): number | undefined {
  return optMember(input, key, isNumber, 'a number');
}

/** Absent or null: false. */
export function optBoolean(input: Json, key: string): boolean {
  return optMember(input, key, isBoolean, 'a boolean') ?? false;
}

export function optArray(input: Json, key: string): unknown[] | undefined {
  return optMember(input, key, Array.isArray, 'a list');
}

export function stringList(input: Json, key: string): string[] | undefined {
  const list = optArray(input, key);
  if (list?.some((item) => typeof item !== 'string')) {
    throw new AwsError('SerializationException', `${key} must be a list of strings`);
  }
  return list as string[] | undefined;
}

export function validateName(name: string): void {
  if (name.length < 1 || name.length > 512) {
    throw validation('name', name, 'Member must have length between 1 and 512');
  }
  if (!NAME_PATTERN.test(name)) {
    throw invalidParameter(
      'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
    );
  }
}

export function readToken(input: Json): string | undefined {
  const token = optString(input, 'ClientRequestToken');
  if (token !== undefined && (token.length < 32 || token.length > 64)) {
    throw validation('clientRequestToken', token, 'Member must have length between 32 and 64');
  }
  return token;
}

export function readDescription(input: Json): string | undefined {
  const description = optString(input, 'Description');
  if (description !== undefined && description.length > 2048) {
    throw validation('description', description, 'Member must have length less than or equal to 2048');
  }
  return description;
}

export interface SecretValue {
  string?: string;
  binary?: Uint8Array;
}

export function checkValueSize(bytes: number, member: string): void {
  if (bytes > MAX_VALUE_BYTES) {
    throw validation(member, '***', `Member must have length less than or equal to ${MAX_VALUE_BYTES}`);
  }
}

export function readValue(input: Json): SecretValue | undefined {
  const text = optString(input, 'SecretString');
  const base64 = optString(input, 'SecretBinary');
  if (text !== undefined && base64 !== undefined) {
    throw invalidParameter(
      "You can't specify both a binary secret value and a string secret value in the same secret.",
    );
  }
  if (text !== undefined) {
    checkValueSize(Buffer.byteLength(text, 'utf8'), 'secretString');
    return { string: text };
  }
  if (base64 === undefined) return undefined;
  const binary = new Uint8Array(Buffer.from(base64, 'base64'));
  checkValueSize(binary.length, 'secretBinary');
  return { binary };
}

export function toValue(value: string | Uint8Array): SecretValue {
  return typeof value === 'string' ? { string: value } : { binary: new Uint8Array(value) };
}

export function readTags(raw: unknown[] | undefined): AwsTag[] {
  return (raw ?? []).map((item, index) => {
    const tag = (item ?? {}) as Json;
    const key = optString(tag, 'Key') ?? '';
    const value = optString(tag, 'Value') ?? '';
    if (key.length < 1 || key.length > 128) {
      throw validation(`tags.${index + 1}.member.key`, key, 'Member must have length between 1 and 128');
    }
    if (value.length > 256) {
      throw validation(
        `tags.${index + 1}.member.value`,
        value,
        'Member must have length less than or equal to 256',
      );
    }
    return { Key: key, Value: value };
  });
}

export function readStages(input: Json): string[] | undefined {
  const stages = stringList(input, 'VersionStages');
  if (stages === undefined) return undefined;
  if (stages.length < 1 || stages.length > 20) {
    throw validation('versionStages', stages.join(','), 'Member must have length between 1 and 20');
  }
  return [...new Set(stages)];
}
