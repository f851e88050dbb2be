/**
 * List filters of the GCP Secret Manager fake: the AIP-160 subset the service takes, restrictions
 * `field op value`, NOT / -, AND, OR and parentheses. As in AIP-160, OR binds tighter than AND;
 * adjacent terms are ANDed. A filter that does not parse is INVALID_ARGUMENT.
 */
import { invalid, type RpcError } from './gcp-fake-wire.js';

export type FieldValue = string | Date | Record<string, string> | undefined;
export type FieldLookup = (field: string) => FieldValue;
type Predicate = (lookup: FieldLookup) => boolean;
type Operator = '=' | '!=' | '<' | '<=' | '>' | '>=' | ':';

const OPERATORS: Operator[] = ['!=', '<=', '>=', '=', '<', '>', ':'];

/** Recursive-descent parser for list filters. */
class FilterParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parse(): Predicate {
    const predicate = this.expression();
    this.skipSpace();
    if (this.pos < this.text.length) throw this.error('unexpected input');
    return predicate;
  }

  private expression(): Predicate {
    const parts = [this.sequence()];
    while (this.keyword('AND')) parts.push(this.sequence());
    return (lookup) => parts.every((p) => p(lookup));
  }

  private sequence(): Predicate {
    const parts = [this.factor()];
    while (this.startsTerm()) parts.push(this.factor());
    return (lookup) => parts.every((p) => p(lookup));
  }

  private factor(): Predicate {
    const parts = [this.term()];
    while (this.keyword('OR')) parts.push(this.term());
    return (lookup) => parts.some((p) => p(lookup));
  }

  private term(): Predicate {
    this.skipSpace();
    if (this.keyword('NOT') || this.consume('-')) {
      const inner = this.simple();
      return (lookup) => !inner(lookup);
    }
    return this.simple();
  }

  private simple(): Predicate {
    this.skipSpace();
    if (this.consume('(')) {
      const inner = this.expression();
      this.skipSpace();
      if (!this.consume(')')) throw this.error('missing )');
      return inner;
    }
    return this.restriction();
  }

  private restriction(): Predicate {
    const field = this.match(/[A-Za-z_][A-Za-z0-9_.]*/y);
    if (!field) throw this.error('expected a field name');
    this.skipSpace();
    const op = OPERATORS.find((candidate) => this.consume(candidate));
    if (!op) throw this.error(`expected an operator after ${field}`);
    this.skipSpace();
    const value = this.value();
    return (lookup) => compare(lookup(field), op, value);
  }

  private value(): string {
    if (this.consume('"')) {
      let out = '';
      while (this.pos < this.text.length && this.text[this.pos] !== '"') {
        if (this.text[this.pos] === '\\') this.pos++;
        out += this.text[this.pos++];
      }
      if (!this.consume('"')) throw this.error('unterminated string');
      return out;
    }
    const bare = this.match(/[^\s()"]+/y);
    if (!bare) throw this.error('expected a value');
    return bare;
  }

  private startsTerm(): boolean {
    this.skipSpace();
    if (this.pos >= this.text.length || this.text[this.pos] === ')') return false;
    return !this.peekKeyword('AND') && !this.peekKeyword('OR');
  }

  private peekKeyword(word: string): boolean {
    const re = new RegExp(`${word}(?=[\\s(]|$)`, 'y');
    re.lastIndex = this.pos;
    return re.test(this.text);
  }

  private keyword(word: string): boolean {
    this.skipSpace();
    if (!this.peekKeyword(word)) return false;
    this.pos += word.length;
    return true;
  }

  private consume(token: string): boolean {
    if (!this.text.startsWith(token, this.pos)) return false;
    this.pos += token.length;
    return true;
  }

  private match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  private error(what: string): RpcError {
    return invalid(`Invalid filter "${this.text}": ${what} at position ${this.pos}.`);
  }
}

/** Glob-style "has" match: `*` matches any run of characters, otherwise substring. */
function hasMatch(haystack: string, pattern: string): boolean {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(escaped.join('.*')).test(haystack);
}

function compareOrdered(actual: string | Date, op: Operator, value: string): boolean {
  const left = actual instanceof Date ? actual.getTime() : actual;
  const right = actual instanceof Date ? Date.parse(value) : value;
  if (actual instanceof Date && Number.isNaN(right)) throw invalid(`Invalid timestamp in filter: ${value}`);
  if (op === '<') return left < right;
  if (op === '<=') return left <= right;
  if (op === '>') return left > right;
  return left >= right;
}

function compare(actual: FieldValue, op: Operator, value: string): boolean {
  if (op === ':' && value === '*') return actual !== undefined;
  if (actual === undefined) return op === '!=';
  if (typeof actual === 'object' && !(actual instanceof Date)) {
    if (op !== ':') throw invalid('Maps only support the ":" (has key) operator.');
    return Object.hasOwn(actual, value);
  }
  const text = actual instanceof Date ? actual.toISOString() : actual;
  if (op === ':') return hasMatch(text, value);
  if (op === '=') return actual instanceof Date ? actual.getTime() === Date.parse(value) : text === value;
  if (op === '!=') return actual instanceof Date ? actual.getTime() !== Date.parse(value) : text !== value;
  return compareOrdered(actual, op, value);
}

/** Parses a list filter; an empty filter matches everything. */
export function compileFilter(filter: string | undefined): Predicate {
  if (!filter?.trim()) return () => true;
  return new FilterParser(filter).parse();
}
