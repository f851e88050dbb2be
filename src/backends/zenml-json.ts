/**
 * Python's `json.dumps(value)` with its defaults (separators `", "` and `": "`, `ensure_ascii`:
 * every character outside printable ASCII escaped as a lowercase `\uXXXX`, DEL included), for the
 * flat or nested string maps ZenML's secrets stores write. The one serializer of the centralized
 * store layout: swap it for the shared Python-json module when that lands.
 */
export function pythonJsonDumps(value: unknown): string {
  if (typeof value === 'string') return pythonJsonString(value);
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (typeof value === 'object') {
    const members = Object.entries(value as Record<string, unknown>).map(
      ([key, member]) => `${pythonJsonString(key)}: ${pythonJsonDumps(member)}`,
    );
    return `{${members.join(', ')}}`;
  }
  throw new TypeError(`Object of type ${typeof value} is not JSON serializable`);
}

/** A JSON string as Python writes it with ensure_ascii (JSON.stringify leaves DEL and non-ASCII raw). */
function pythonJsonString(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
