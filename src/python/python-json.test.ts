import { describe, expect, it } from 'vitest';
import { pythonJsonDumps, pythonJsonLoads } from './python-json.js';
import { pythonStr } from './python-str.js';
import { isPyDict } from './python-values.js';

// Expected bytes: Python 3 `json.dumps(...)` / `str(json.loads(...)[k])`, pasted literally.
describe('pythonJsonDumps: Python json.dumps defaults', () => {
  it.each([
    [
      { user: 'admin', password: 's3cr3t', zenml_schema_name: 'basic_auth' },
      '{"user": "admin", "password": "s3cr3t", "zenml_schema_name": "basic_auth"}',
    ],
    [
      { k: 'é😀\u007f"\\\n\r\t\b\f\x00\x1f~ ', zenml_schema_name: 'arbitrary' },
      '{"k": "\\u00e9\\ud83d\\ude00\\u007f\\"\\\\\\n\\r\\t\\b\\f\\u0000\\u001f~ ", "zenml_schema_name": "arbitrary"}',
    ],
    [
      { nested: { a: [1, 2.5, true, null] }, empty: {}, list: [] },
      '{"nested": {"a": [1, 2.5, true, null]}, "empty": {}, "list": []}',
    ],
  ])('%j', (value, expected) => {
    expect(pythonJsonDumps(value as never)).toBe(expected);
  });
});

describe('pythonJsonLoads + pythonStr: json.loads types, then str()', () => {
  it('gives what str() gives for every JSON type', () => {
    const parsed = pythonJsonLoads(
      '{"flag": true, "off": false, "ratio": 1.0, "tiny": 1e-05, "small": 0.0001, "big": 1e+16, "edge": 1e15, "neg": -2.50, "count": 1, "huge": 12345678901234567890, "nothing": null, "inf": 1e400, "zero": -0, "nzero": -0.0, "list": [1, "a\'b", {"x": null}]}',
    );
    expect(isPyDict(parsed)).toBe(true);
    const text = Object.fromEntries(Object.entries(parsed as object).map(([k, v]) => [k, pythonStr(v)]));
    expect(text).toEqual({
      flag: 'True',
      off: 'False',
      ratio: '1.0',
      tiny: '1e-05',
      small: '0.0001',
      big: '1e+16',
      edge: '1000000000000000.0',
      neg: '-2.5',
      count: '1',
      huge: '12345678901234567890',
      nothing: 'None',
      inf: 'inf',
      zero: '0',
      nzero: '-0.0',
      list: `[1, "a'b", {'x': None}]`,
    });
  });

  it('writes back the same bytes for a payload Python wrote', () => {
    const payload = '{"a": 1, "b": 1.0, "c": 12345678901234567890, "d": 1e-05, "e": [true, null]}';
    expect(pythonJsonDumps(pythonJsonLoads(payload))).toBe(payload);
  });
});
