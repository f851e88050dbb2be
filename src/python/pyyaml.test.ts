import { describe, expect, it } from 'vitest';
import { pythonStr } from './python-str.js';
import { pyyamlDump } from './pyyaml-dump.js';
import { pyyamlSafeLoad } from './pyyaml-load.js';

// Expected bytes: PyYAML 6.0 in Python 3, `yaml.dump({'k': s})` and `yaml.dump({s: 'v'})` (ZenML's
// append_yaml/write_yaml call: PyYAML defaults), pasted literally.
describe('pyyamlDump: what PyYAML yaml.dump writes', () => {
  it.each([
    ['on', "k: 'on'\n", "'on': v\n"],
    ['Off', "k: 'Off'\n", "'Off': v\n"],
    ['no', "k: 'no'\n", "'no': v\n"],
    ['YES', "k: 'YES'\n", "'YES': v\n"],
    ['y', 'k: y\n', 'y: v\n'],
    ['n', 'k: n\n', 'n: v\n'],
    ['true', "k: 'true'\n", "'true': v\n"],
    ['False', "k: 'False'\n", "'False': v\n"],
    ['null', "k: 'null'\n", "'null': v\n"],
    ['Null', "k: 'Null'\n", "'Null': v\n"],
    ['~', "k: '~'\n", "'~': v\n"],
    ['', "k: ''\n", "? ''\n: v\n"],
    ['123', "k: '123'\n", "'123': v\n"],
    ['-1_000', "k: '-1_000'\n", "'-1_000': v\n"],
    ['0x1F', "k: '0x1F'\n", "'0x1F': v\n"],
    ['0o17', 'k: 0o17\n', '0o17: v\n'],
    ['017', "k: '017'\n", "'017': v\n"],
    ['08', 'k: 08\n', '08: v\n'],
    ['0b101', "k: '0b101'\n", "'0b101': v\n"],
    ['1:20', "k: '1:20'\n", "'1:20': v\n"],
    ['1.0', "k: '1.0'\n", "'1.0': v\n"],
    ['.5', "k: '.5'\n", "'.5': v\n"],
    ['1e5', 'k: 1e5\n', '1e5: v\n'],
    ['1.0e+5', "k: '1.0e+5'\n", "'1.0e+5': v\n"],
    ['.inf', "k: '.inf'\n", "'.inf': v\n"],
    ['-.Inf', "k: '-.Inf'\n", "'-.Inf': v\n"],
    ['.NaN', "k: '.NaN'\n", "'.NaN': v\n"],
    ['2001-12-14', "k: '2001-12-14'\n", "'2001-12-14': v\n"],
    ['2001-12-14 21:59:43.10 -5', "k: '2001-12-14 21:59:43.10 -5'\n", "'2001-12-14 21:59:43.10 -5': v\n"],
    ['=', "k: '='\n", "'=': v\n"],
    ['<<', "k: '<<'\n", "'<<': v\n"],
    ['-', "k: '-'\n", "'-': v\n"],
    ['- x', "k: '- x'\n", "'- x': v\n"],
    ['---', "k: '---'\n", "'---': v\n"],
    ['...x', "k: '...x'\n", "'...x': v\n"],
    ['? x', "k: '? x'\n", "'? x': v\n"],
    [':x', 'k: :x\n', ':x: v\n'],
    ['a:b', 'k: a:b\n', 'a:b: v\n'],
    ['a: b', "k: 'a: b'\n", "'a: b': v\n"],
    ['#c', "k: '#c'\n", "'#c': v\n"],
    ['a #c', "k: 'a #c'\n", "'a #c': v\n"],
    ['a#c', 'k: a#c\n', 'a#c: v\n'],
    ["it's", "k: it's\n", "it's: v\n"],
    ['"q"', 'k: \'"q"\'\n', '\'"q"\': v\n'],
    [' lead', "k: ' lead'\n", "' lead': v\n"],
    ['trail ', "k: 'trail '\n", "'trail ': v\n"],
    ['tab\tx', 'k: "tab\\tx"\n', '"tab\\tx": v\n'],
    ['line1\nline2', "k: 'line1\n\n  line2'\n", "? 'line1\n\n  line2'\n: v\n"],
    ['a\n', "k: 'a\n\n  '\n", "? 'a\n\n  '\n: v\n"],
    ['\u00e9', 'k: "\\xE9"\n', '"\\xE9": v\n'],
    ['\ud83d\ude00', 'k: "\\U0001F600"\n', '"\\U0001F600": v\n'],
    ['\u0000', 'k: "\\0"\n', '"\\0": v\n'],
    ['\u2028', 'k: "\\L"\n', '? "\\L"\n: v\n'],
    ['\ufeff', 'k: "\\uFEFF"\n', '"\\uFEFF": v\n'],
    ['%x', "k: '%x'\n", "'%x': v\n"],
    ['@x', "k: '@x'\n", "'@x': v\n"],
    ['`x', "k: '`x'\n", "'`x': v\n"],
    ['!x', "k: '!x'\n", "'!x': v\n"],
    ['&x', "k: '&x'\n", "'&x': v\n"],
    ['*x', "k: '*x'\n", "'*x': v\n"],
    ['|x', "k: '|x'\n", "'|x': v\n"],
    ['>x', "k: '>x'\n", "'>x': v\n"],
    ['[x', "k: '[x'\n", "'[x': v\n"],
    ['{x', "k: '{x'\n", "'{x': v\n"],
    ['x,y', 'k: x,y\n', 'x,y: v\n'],
    ['x[y]', 'k: x[y]\n', 'x[y]: v\n'],
  ])('%j as a value and as a key', (text, asValue, asKey) => {
    expect(pyyamlDump({ k: text })).toBe(asValue);
    expect(pyyamlDump({ [text]: 'v' })).toBe(asKey);
  });

  it('sorts keys by code point, nests two spaces, writes an empty map as {}', () => {
    const tree = { b: { z: '1', a: '2' }, '\u{1F600}': {}, '\uFFFD': {}, A: {} };
    expect(pyyamlDump(tree)).toBe('A: {}\nb:\n  a: \'2\'\n  z: \'1\'\n"\\uFFFD": {}\n"\\U0001F600": {}\n');
    expect(pyyamlDump({})).toBe('{}\n');
  });

  it('wraps long plain and quoted values at 80 columns as PyYAML does; long keys become ? keys', () => {
    const words = Array(30).fill('word').join(' ');
    expect(pyyamlDump({ k: words })).toBe(
      'k: word word word word word word word word word word word word word word word word\n  word word word word word word word word word word word word word word\n',
    );
    expect(pyyamlDump({ ['x'.repeat(130)]: 'v' })).toBe(`? ${'x'.repeat(130)}\n: v\n`);
  });
});

// Expected text: `str(yaml.safe_load('k: ' + s)['k'])` with PyYAML 6.0 (YAML 1.1 resolution).
describe('pyyamlSafeLoad + pythonStr: YAML 1.1 resolution as PyYAML, then str()', () => {
  it.each([
    ['on', 'True'],
    ['Off', 'False'],
    ['yes', 'True'],
    ['y', 'y'],
    ['n', 'n'],
    ['~', 'None'],
    ['null', 'None'],
    ['123', '123'],
    ['-0', '0'],
    ['+12', '12'],
    ['0_0', '0'],
    ['017', '15'],
    ['0x1F', '31'],
    ['0b101', '5'],
    ['1:20', '80'],
    ['-1:2:3', '-3723'],
    ['1_000', '1000'],
    ['1.0', '1.0'],
    ['-0.0', '-0.0'],
    ['.5', '0.5'],
    ['1.', '1.0'],
    ['1.e+5', '100000.0'],
    ['1.0e+5', '100000.0'],
    ['1e5', '1e5'],
    ['-1_0.5_0e+3', '-10500.0'],
    ['190:20:30.15', '685230.15'],
    ['.inf', 'inf'],
    ['-.Inf', '-inf'],
    ['.NaN', 'nan'],
    ['2001-12-14', '2001-12-14'],
    ['2001-1-2T3:04:05Z', '2001-01-02 03:04:05+00:00'],
    ['2001-12-14t21:59:43.1234567+05:30', '2001-12-14 21:59:43.123456+05:30'],
    ['2001-12-14 21:59:43.10 -5', '2001-12-14 21:59:43.100000-05:00'],
    ['2001-12-14 21:59:43', '2001-12-14 21:59:43'],
    ['0o17', '0o17'],
    ['08', '08'],
    ['plain text', 'plain text'],
  ])('plain %j reads as %j', (text, expected) => {
    const loaded = pyyamlSafeLoad(`k: ${text}\n`) as Record<string, never>;
    expect(pythonStr(loaded.k)).toBe(expected);
    const asKey = pyyamlSafeLoad(`${text}: v\n`) as Record<string, unknown>;
    expect(Object.keys(asKey)).toEqual([expected]);
  });

  it('quoted scalars stay strings; an alias reads its anchor; a merge key merges', () => {
    expect(pyyamlSafeLoad('a: \'on\'\nb: "1.0"\nc: &x yes\nd: *x\n')).toEqual({
      a: 'on',
      b: '1.0',
      c: true,
      d: true,
    });
    expect(pyyamlSafeLoad('base: &b {k: v}\nm:\n  <<: *b\n  o: p\n')).toEqual({
      base: { k: 'v' },
      m: { o: 'p', k: 'v' },
    });
  });
});
