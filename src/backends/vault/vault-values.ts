import { pythonFloatRepr } from '../../python/python-str.js';
import type { SecretValues } from '../backend.js';

/**
 * A KV value as text: strings as they are, booleans and numbers as Python's `str()` gives them
 * (ZenML read them with hvac; JSON numbers reach us without their int/float spelling, so an
 * integral float reads as an int), anything else as its JSON text.
 */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number')
    return Number.isInteger(value) ? BigInt(value).toString() : pythonFloatRepr(value);
  return JSON.stringify(value);
}

export function valuesOf(data: unknown): SecretValues {
  if (typeof data !== 'object' || data === null) return {};
  const values: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(data))
    if (value !== null && value !== undefined) values.push([key, textOf(value)]);
  return Object.fromEntries(values);
}
