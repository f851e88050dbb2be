/** ListSecrets: filters, creation order and page tokens, as Secrets Manager reads them. */
import { AwsError, validation } from './aws-fake-error.js';
import { type Json, optArray, optBoolean, optNumber, optString, stringList } from './aws-fake-input.js';
import { type AwsSecret, secretSummary, versionsToStages } from './aws-fake-secret.js';

/** Creation sequence numbers of the secrets: the listing order. */
export type Order = WeakMap<AwsSecret, number>;

const FILTER_VALUE_PATTERN = /^!?[a-zA-Z0-9 :_@/+=.\-!]*$/;
const FILTER_KEYS = [
  'all',
  'description',
  'name',
  'tag-key',
  'tag-value',
  'primary-region',
  'owning-service',
];

export interface Filter {
  key: string;
  values: string[];
}

export function readFilters(raw: unknown[] | undefined): Filter[] {
  const filters = raw ?? [];
  if (filters.length > 10)
    throw validation('filters', filters.length, 'Member must have length less than or equal to 10');
  return filters.map((item, index) => {
    const filter = (item ?? {}) as Json;
    const member = `filters.${index + 1}.member`;
    const key = optString(filter, 'Key');
    if (key === undefined || !FILTER_KEYS.includes(key)) {
      throw validation(
        `${member}.key`,
        key,
        `Member must satisfy enum value set: [${FILTER_KEYS.join(', ')}]`,
      );
    }
    const values = stringList(filter, 'Values') ?? [];
    if (values.length < 1 || values.length > 10) {
      throw validation(`${member}.values`, values.join(','), 'Member must have length between 1 and 10');
    }
    for (const value of values) {
      if (value.length > 512 || !FILTER_VALUE_PATTERN.test(value)) {
        throw validation(
          `${member}.values`,
          value,
          `Member must satisfy regular expression pattern: ${FILTER_VALUE_PATTERN.source}`,
        );
      }
    }
    return { key, values };
  });
}

export const words = (text: string) =>
  text
    .toLowerCase()
    .split(/[\s/_+=.@:-]+/)
    .filter(Boolean);

/** `all`: every word of the pattern must start some word of one attribute, ignoring case. */
export function wordMatch(attributes: string[], pattern: string): boolean {
  const wanted = words(pattern);
  if (wanted.length === 0) return false;
  return attributes.some((attribute) => {
    const have = words(attribute);
    return wanted.every((word) => have.some((candidate) => candidate.startsWith(word)));
  });
}

export function attributeMatch(secret: AwsSecret, key: string, pattern: string): boolean {
  const prefixed = (values: string[]) => values.some((value) => value.startsWith(pattern));
  const description = secret.description === undefined ? [] : [secret.description];
  switch (key) {
    case 'name':
      return prefixed([secret.name]);
    case 'description':
      return description.some((value) => value.toLowerCase().startsWith(pattern.toLowerCase()));
    case 'tag-key':
      return prefixed(secret.tags.map((tag) => tag.Key));
    case 'tag-value':
      return prefixed(secret.tags.map((tag) => tag.Value));
    case 'all': {
      const tagWords = secret.tags.flatMap((tag) => [tag.Key, tag.Value]);
      return wordMatch([secret.name, ...description, ...tagWords], pattern);
    }
    default:
      return false; // primary-region / owning-service: the fake has no replicas or managed secrets
  }
}

/** A leading `!` negates: the value matches when no attribute matches the rest. Values OR, filters AND. */
export function matchesFilters(secret: AwsSecret, filters: Filter[]): boolean {
  return filters.every((filter) =>
    filter.values.some((value) => {
      const negated = value.startsWith('!');
      const hit = attributeMatch(secret, filter.key, negated ? value.slice(1) : value);
      return negated ? !hit : hit;
    }),
  );
}

/**
 * One ListSecrets page of `secrets` (creation order from `order`): MaxResults, SortOrder,
 * Filters, IncludePlannedDeletion and NextToken as Secrets Manager reads them.
 */
export function listSecrets(secrets: Iterable<AwsSecret>, order: Order, input: Json): Json {
  const maxResults = optNumber(input, 'MaxResults') ?? 100;
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 100) {
    throw validation('maxResults', maxResults, 'Member must have value between 1 and 100');
  }
  const sortOrder = optString(input, 'SortOrder') ?? 'asc';
  if (sortOrder !== 'asc' && sortOrder !== 'desc') {
    throw validation('sortOrder', sortOrder, 'Member must satisfy enum value set: [asc, desc]');
  }
  const filters = readFilters(optArray(input, 'Filters'));
  const includeDeleted = optBoolean(input, 'IncludePlannedDeletion');
  const matching = [...secrets]
    .filter(
      (secret) => (includeDeleted || secret.deletedDate === undefined) && matchesFilters(secret, filters),
    )
    .sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  if (sortOrder === 'desc') matching.reverse();
  const start = pageStart(order, matching, optString(input, 'NextToken'), sortOrder);
  const page = matching.slice(start, start + maxResults);
  const more = start + maxResults < matching.length;
  return {
    SecretList: page.map((secret) => ({
      ...secretSummary(secret),
      SecretVersionsToStages: versionsToStages(secret),
    })),
    NextToken: more ? encodeToken(order, page[page.length - 1], sortOrder) : undefined,
  };
}

/** Tokens carry the creation sequence of the last secret returned, so pages stay stable under writes. */
function encodeToken(order: Order, last: AwsSecret, sortOrder: string): string {
  return Buffer.from(JSON.stringify({ after: order.get(last), sortOrder })).toString('base64');
}

function pageStart(
  order: Order,
  matching: AwsSecret[],
  token: string | undefined,
  sortOrder: string,
): number {
  if (token === undefined) return 0;
  let after: unknown;
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as Json;
    if (decoded.sortOrder === sortOrder) after = decoded.after;
  } catch {
    after = undefined;
  }
  if (typeof after !== 'number')
    throw new AwsError('InvalidNextTokenException', 'The NextToken value is invalid.');
  const index = matching.findIndex((secret) => {
    const position = order.get(secret) ?? 0;
    return sortOrder === 'asc' ? position > after : position < after;
  });
  return index < 0 ? matching.length : index;
}
