import { type RawBuilder, sql } from 'kysely';
import type { Executor } from '../../database/database.js';
import type { AuditEventRow } from '../../database/tables/audit-events-table.js';
import type { AuditFilter } from './audit-event.js';

/** One page of the log: filter, exclusive bounds, size and order. */
export interface AuditPageQuery {
  filter?: AuditFilter | null;
  /** Exclusive cursor (event id). */
  after?: string | null;
  /** Exclusive upper bound (event id). */
  before?: string | null;
  limit: number;
  newestFirst?: boolean;
}

/**
 * Up to this many distinct `actions` are read as one ordered index range each (merged);
 * beyond it, one `action in (…)` range sorted as a whole.
 */
export const ACTION_BRANCHES_MAX = 48;

/** Whether a filter asks for anything (an empty `actions` list asks for nothing). */
export function isFiltered(filter: AuditFilter | null | undefined): boolean {
  if (!filter) return false;
  return Boolean(
    filter.actions?.length || filter.actor || filter.secretName || filter.migrationId || filter.since,
  );
}

/** Where a branch finds the secret name: `target.name`, or the `target.secrets` array. */
type SecretVariant = 'name' | 'array' | null;

interface Branch {
  actions: string[];
  secret: SecretVariant;
}

/**
 * The filter as a union of branches, each one ordered index range: one per distinct action
 * (when a few are asked) times, with `secretName`, one for `target.name` and one for the names in
 * `target.secrets` (`audit_event_secrets`).
 */
export function auditBranches(filter: AuditFilter | null | undefined): Branch[] {
  const actions = [...new Set(filter?.actions ?? [])];
  const perAction = actions.length > 1 && actions.length <= ACTION_BRANCHES_MAX;
  const actionSets = perAction ? actions.map((a) => [a]) : [actions];
  const variants: SecretVariant[] = filter?.secretName ? ['name', 'array'] : [null];
  return actionSets.flatMap((a) => variants.map((secret) => ({ actions: a, secret })));
}

/** A filter column of `audit_events e` and the value it must equal. */
interface Equality {
  column: RawBuilder<unknown>;
  value: string;
}

/**
 * The equalities of a branch, the leading ones being the columns of the index that should answer
 * it (before `id`): `(migrationId, action)`, `(name, action)`, `(actor, name)`, `(actor, action)`
 * or one of them alone, and through `audit_event_secrets` `(name, action)` or `(name, actor)`
 * (migration 0009).
 */
function equalities(
  filter: AuditFilter | null | undefined,
  branch: Branch,
): { key: Equality[]; rest: Equality[] } {
  const eq = (column: RawBuilder<unknown>, value: string | null | undefined) =>
    value ? [{ column, value }] : [];
  const viaArray = branch.secret === 'array';
  const col = (column: string) => sql.raw(`${viaArray ? 's' : 'e'}.${column}`);
  const migration = eq(sql`(e.target->>'migrationId')`, filter?.migrationId);
  const name = branch.secret
    ? eq(viaArray ? sql`s.secret_name` : sql`(e.target->>'name')`, filter?.secretName)
    : [];
  const action = eq(col('action'), branch.actions.length === 1 ? branch.actions[0] : null);
  const actor = eq(col('actor'), filter?.actor);
  let key: Equality[];
  if (viaArray) key = [...name, ...(action.length ? action : actor)];
  else if (migration.length) key = [...migration, ...action];
  else if (name.length) key = action.length ? [...name, ...action] : [...actor, ...name];
  else key = actor.length ? [...actor, ...action] : action;
  const rest = [...migration, ...name, ...action, ...actor].filter((e) => !key.includes(e));
  return { key, rest };
}

/** The id bounds of a page on `column` (the branch's ordering column). */
function boundConditions(q: AuditPageQuery, column: RawBuilder<unknown>): RawBuilder<unknown>[] {
  if (q.newestFirst) return q.after ? [sql`${column} < ${q.after}`] : [];
  const bounds: RawBuilder<unknown>[] = [];
  if (q.after) bounds.push(sql`${column} > ${q.after}`);
  if (q.before) bounds.push(sql`${column} < ${q.before}`);
  return bounds;
}

/**
 * One branch: the ids of its first `limit` events in page order, read from one ordered index
 * range. Without `since`, the key's last equality is written as a range (`>= v and <= v`, the same
 * rows) and leads the ORDER BY, so only that index gives the order: with `=`, Postgres treats the
 * column as a constant and may walk the primary key filtering rows, betting (it assumes independent
 * columns) that a page of matches comes soon — a whole-table walk when, say, an actor never did
 * that action. A `since` is a filter on that range, bounded below by `idFloor` when known.
 */
function branchIds(q: AuditPageQuery, branch: Branch, idFloor: string | null): RawBuilder<unknown> {
  const viaArray = branch.secret === 'array';
  const column = viaArray ? sql`s.event_id` : sql`e.id`;
  const dir = q.newestFirst ? sql`desc` : sql`asc`;
  const { key, rest } = equalities(q.filter, branch);
  const last = key.at(-1);
  const conditions = [
    ...(last ? [sql`${last.column} >= ${last.value} and ${last.column} <= ${last.value}`] : []),
    ...[...key.slice(0, -1), ...rest].map((r) => sql`${r.column} = ${r.value}`),
    ...boundConditions(q, column),
  ];
  if (branch.actions.length > 1) conditions.push(sql`e.action in (${sql.join(branch.actions)})`);
  if (q.filter?.since) conditions.push(sql`e.at >= ${q.filter.since}`);
  if (idFloor !== null) conditions.push(sql`${column} >= ${idFloor}`);
  const from = viaArray
    ? sql`audit_event_secrets s join audit_events e on e.id = s.event_id`
    : sql`audit_events e`;
  const where = conditions.length ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
  const order = sql.join([...(last ? [sql`${last.column} ${dir}`] : []), sql`${column} ${dir}`]);
  return sql`(select ${column} as id from ${from} ${where} order by ${order} limit ${q.limit})`;
}

/** Events since a time counted at most (through the `at` index) to bound a `since` page. */
export const SINCE_PROBE = 10_000;

/**
 * What bounds a `since` page, read from the `at` index (at most SINCE_PROBE entries): nothing at
 * all since then (`none`), or, when fewer than SINCE_PROBE events are, the smallest of their ids —
 * every match is at or above it, so each branch reads its id range from there, however far back
 * `at` order and id order part (an event is chained after it is timed). With more events since
 * then, no floor: newest first, the matches come at once; oldest first, the walk from the
 * oldest event to `since` is what it costs.
 */
async function sinceFloor(db: Executor, since: Date): Promise<{ none: boolean; idFloor: string | null }> {
  const { rows } = await sql<{ n: string; floor: string | null }>`select count(*) as n, min(id) as floor
    from (select id from audit_events where at >= ${since} limit ${SINCE_PROBE}) s`.execute(db);
  const n = Number(rows[0]?.n ?? 0);
  return { none: n === 0, idFloor: n < SINCE_PROBE ? (rows[0]?.floor ?? null) : null };
}

/**
 * The rows of one page: each branch is an ordered index range read up to `limit` ids, so the
 * cost is bounded by the page size (times the branches), not by how many events match or how
 * long the log is; the ids are merged, looked up by primary key and ordered.
 */
export async function findAuditRowsByBranches(db: Executor, q: AuditPageQuery): Promise<AuditEventRow[]> {
  const since = q.filter?.since ? await sinceFloor(db, q.filter.since) : { none: false, idFloor: null };
  if (since.none) return [];
  const branches = auditBranches(q.filter).map((b) => branchIds(q, b, since.idFloor));
  const order = q.newestFirst ? sql`desc` : sql`asc`;
  const result = await sql<AuditEventRow>`select * from audit_events
    where id in (${sql.join(branches, sql` union all `)}) order by id ${order} limit ${q.limit}`.execute(db);
  return result.rows;
}
