import { PyDate, PyDateTime, PyFloat, PyInt, type PyValue } from './python-values.js';

/**
 * PyYAML's implicit resolvers (YAML 1.1, `resolver.py`): which tag a plain scalar gets, tried
 * in PyYAML's order among the resolvers registered for its first character.
 */
type Tag = 'bool' | 'float' | 'int' | 'merge' | 'null' | 'timestamp' | 'value' | 'yaml' | 'str';

const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const NULL = /^(?:~|null|Null|NULL|)$/;
const TIMESTAMP =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;

const RESOLVERS: Array<[Tag, RegExp, string[]]> = [
  ['bool', BOOL, [...'yYnNtTfFoO']],
  ['float', FLOAT, [...'-+0123456789.']],
  ['int', INT, [...'-+0123456789']],
  ['merge', /^<<$/, ['<']],
  ['null', NULL, ['~', 'n', 'N', '']],
  ['timestamp', TIMESTAMP, [...'0123456789']],
  ['value', /^=$/, ['=']],
  ['yaml', /^(?:!|&|\*)$/, [...'!&*']],
];

/** Python's `re.match` with `$`: the pattern may also end just before a final newline. */
function pythonMatch(pattern: RegExp, text: string): boolean {
  return pattern.test(text) || (text.endsWith('\n') && pattern.test(text.slice(0, -1)));
}

/** The tag PyYAML gives `text` as a plain scalar (`Resolver.resolve`). */
export function plainTag(text: string): Tag {
  const first = text === '' ? '' : String.fromCodePoint(text.codePointAt(0)!);
  for (const [tag, pattern, firsts] of RESOLVERS) {
    if (firsts.includes(first) && pythonMatch(pattern, text)) return tag;
  }
  return 'str';
}

function yamlInt(text: string): PyInt {
  let value = text.replaceAll('_', '');
  const sign = value[0] === '-' ? -1n : 1n;
  if ('+-'.includes(value[0])) value = value.slice(1);
  if (value === '0') return new PyInt(0n);
  if (value.startsWith('0b')) return new PyInt(sign * BigInt(value));
  if (value.startsWith('0x')) return new PyInt(sign * BigInt(value));
  if (value[0] === '0') return new PyInt(sign * BigInt(`0o${value.slice(1) || '0'}`));
  if (value.includes(':')) {
    const total = value.split(':').reduce((sum, part) => sum * 60n + BigInt(part), 0n);
    return new PyInt(sign * total);
  }
  return new PyInt(sign * BigInt(value));
}

function yamlFloat(text: string): PyFloat {
  let value = text.replaceAll('_', '').toLowerCase();
  const sign = value[0] === '-' ? -1 : 1;
  if ('+-'.includes(value[0])) value = value.slice(1);
  if (value === '.inf') return new PyFloat(sign * Number.POSITIVE_INFINITY);
  if (value === '.nan') return new PyFloat(Number.NaN);
  if (value.includes(':')) {
    // Python's order: the last part first, each times its power of 60.
    let total = 0;
    let base = 1;
    for (const part of value.split(':').reverse()) {
      total += Number(part) * base;
      base *= 60;
    }
    return new PyFloat(sign * total);
  }
  return new PyFloat(sign * Number(value));
}

const TIMESTAMP_PARTS =
  /^(\d{4})-(\d\d?)-(\d\d?)(?:(?:[Tt]|[ \t]+)(\d\d?):(\d\d):(\d\d)(?:\.(\d*))?(?:[ \t]*(Z|([-+])(\d\d?)(?::(\d\d))?))?)?$/;

function validDate(year: number, month: number, day: number): boolean {
  const probe = new Date(Date.UTC(2000, month - 1, day));
  return (
    year >= 1 && month >= 1 && month <= 12 && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day
  );
}

/** `construct_yaml_timestamp`; undefined where Python's `datetime` would refuse the value. */
function yamlTimestamp(text: string): PyDate | PyDateTime | undefined {
  const m = TIMESTAMP_PARTS.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leapOk = month !== 2 || day !== 29 || (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0));
  if (!validDate(year, month, day) || !leapOk) return undefined;
  const date = new PyDate(year, month, day);
  if (m[4] === undefined) return date;
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6])];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const microsecond = m[7] ? Number(m[7].slice(0, 6).padEnd(6, '0')) : 0;
  let offset: number | undefined;
  if (m[9]) offset = (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11] ?? 0));
  else if (m[8]) offset = 0;
  if (offset !== undefined && Math.abs(offset) >= 24 * 60) return undefined;
  return new PyDateTime(date, hour, minute, second, microsecond, offset);
}

/**
 * The value `yaml.safe_load` builds from a plain scalar. Where PyYAML itself fails (`=`, `<<`
 * as a value, an impossible date) the text is kept as a string.
 */
export function resolvePlain(text: string): PyValue {
  switch (plainTag(text)) {
    case 'bool':
      return ['yes', 'true', 'on'].includes(text.replace(/\n$/, '').toLowerCase());
    case 'int':
      return yamlInt(text.replace(/\n$/, ''));
    case 'float':
      return yamlFloat(text.replace(/\n$/, ''));
    case 'null':
      return null;
    case 'timestamp':
      return yamlTimestamp(text.replace(/\n$/, '')) ?? text;
    default:
      return text;
  }
}
