import type { Db } from '../../database/database.js';
import type { Channels } from '../../events/channels.js';
import type { EventBus } from '../../events/event-bus.js';
import { type AuditEvent, type AuditEventMessage, fromAuditMessage } from './audit-event.js';
import { AUDIT_PAGE, findAuditEvents, lastAuditEventId } from './audit-repository.js';

export interface AuditFanoutDeps {
  db: Db;
  bus: EventBus;
  channels: Channels;
}

/**
 * Followers asking for the same thing (same filter and selection): an event is matched and
 * rendered once for all of them, and the same chunk is handed to each.
 */
export interface FanoutGroupSpec {
  key: string;
  matches(event: AuditEvent): boolean;
  /** The bytes one event becomes for this group (e.g. an SSE `next` message). */
  render(event: AuditEvent): Uint8Array;
}

/** Where a follower's chunks go, and how it is told the feed failed. */
export interface FanoutSink {
  send(chunk: Uint8Array): void;
  fail(error: unknown): void;
}

interface Group extends FanoutGroupSpec {
  /** Every follower of the group, replaying or live. */
  members: Set<Follower>;
  /** Those that have caught up: each dispatched event goes to them. */
  live: Set<Follower>;
  lastId: number;
  lastChunk: Uint8Array | null;
}

interface Follower {
  sink: FanoutSink;
  group: Group;
  /** The last event id this follower has been given (or skipped as not matching). */
  cursor: number;
  /** Ended (failed or closed): nothing more is sent. */
  closed: boolean;
}

interface Hub {
  deps: AuditFanoutDeps;
  groups: Map<string, Group>;
  /** Every event up to this id has been dispatched; -1 until the hub has started. */
  cursor: number;
  started: Promise<void> | null;
  live: AsyncIterableIterator<unknown> | null;
}

/** The chunk of `event` for a group, rendered at most once per event. */
function chunkOf(group: Group, event: AuditEvent, id: number): Uint8Array | null {
  if (group.lastId !== id) {
    group.lastId = id;
    group.lastChunk = group.matches(event) ? group.render(event) : null;
  }
  return group.lastChunk;
}

/**
 * Hands one event to every live follower, synchronously, if it is the next id after the hub's
 * cursor (an event already dispatched, or one past a gap, is left: the gap fill brings it).
 */
function dispatch(hub: Hub, event: AuditEvent): void {
  const id = Number(event.id);
  if (id !== hub.cursor + 1) return;
  hub.cursor = id;
  for (const group of hub.groups.values()) {
    for (const follower of group.live) {
      if (follower.cursor >= id) continue; // it subscribed "from now" after this event
      follower.cursor = id;
      const chunk = chunkOf(group, event, id);
      if (chunk !== null) follower.sink.send(chunk);
    }
  }
}

/** Events after the hub's cursor and before `until` (exclusive), from Postgres, dispatched in order. */
async function fillGap(hub: Hub, until: number | null): Promise<void> {
  for (;;) {
    const before = until === null ? null : String(until);
    const page = await findAuditEvents(hub.deps.db, { after: String(hub.cursor), before, limit: AUDIT_PAGE });
    for (const event of page) dispatch(hub, event);
    if (page.length < AUDIT_PAGE) return;
  }
}

/** Ends every follower with `error` and stops the hub (the next follower starts it again). */
function failAll(hub: Hub, error: unknown): void {
  stop(hub);
  const groups = [...hub.groups.values()];
  hub.groups.clear();
  for (const group of groups) for (const follower of group.members) end(follower, error);
}

function end(follower: Follower, error: unknown): void {
  if (follower.closed) return;
  follower.closed = true;
  follower.sink.fail(error);
}

/** The hub's loop: live messages in id order; a jump is filled from Postgres, a repeat dropped. */
async function run(hub: Hub, live: AsyncIterableIterator<unknown>): Promise<void> {
  try {
    for (;;) {
      const next = await live.next();
      if (next.done || hub.live !== live) return;
      const event = fromAuditMessage(next.value as AuditEventMessage);
      const id = Number(event.id);
      if (id <= hub.cursor) continue;
      if (id > hub.cursor + 1) await fillGap(hub, id);
      if (hub.live !== live) return;
      dispatch(hub, event);
    }
  } catch (error) {
    if (hub.live === live) failAll(hub, error);
  }
}

/** Subscribes the hub to the live feed, then takes the log's head as its cursor. */
function start(hub: Hub): Promise<void> {
  hub.started ??= (async () => {
    const live = hub.deps.bus.subscribe(hub.deps.channels.audit);
    hub.live = live;
    try {
      await live.ready;
      const head = Number(await lastAuditEventId(hub.deps.db));
      if (hub.live !== live) return;
      hub.cursor = head;
      void run(hub, live);
    } catch (error) {
      if (hub.live === live) failAll(hub, error);
      throw error;
    }
  })();
  return hub.started;
}

/** Replays from Postgres what the follower has not seen, up to the hub, then makes it live. */
async function catchUp(hub: Hub, follower: Follower): Promise<void> {
  const { group } = follower;
  for (;;) {
    if (follower.closed) return;
    if (follower.cursor >= hub.cursor) {
      group.live.add(follower); // same tick as the check: the next dispatched event is cursor + 1
      return;
    }
    const until = String(hub.cursor + 1);
    const page = await findAuditEvents(hub.deps.db, {
      after: String(follower.cursor),
      before: until,
      limit: AUDIT_PAGE,
    });
    if (follower.closed) return;
    for (const event of page) {
      follower.cursor = Number(event.id);
      if (group.matches(event)) follower.sink.send(group.render(event));
    }
    if (page.length === 0) follower.cursor = Math.max(follower.cursor, Number(until) - 1);
  }
}

/** Takes a follower out of its group; the hub stops with its last follower. */
function leave(hub: Hub, follower: Follower): void {
  follower.closed = true;
  const { group } = follower;
  if (!group.members.delete(follower)) return;
  group.live.delete(follower);
  if (group.members.size > 0 || hub.groups.get(group.key) !== group) return;
  hub.groups.delete(group.key);
  if (hub.groups.size === 0) stop(hub);
}

function stop(hub: Hub): void {
  const live = hub.live;
  hub.live = null;
  hub.started = null;
  hub.cursor = -1;
  live?.return?.();
}

/** The group of `spec`, created on first use, with `follower` in it. */
function join(hub: Hub, spec: FanoutGroupSpec, sink: FanoutSink): Follower {
  let group = hub.groups.get(spec.key);
  if (!group) {
    group = { ...spec, members: new Set(), live: new Set(), lastId: -1, lastChunk: null };
    hub.groups.set(spec.key, group);
  }
  const follower: Follower = { sink, group, cursor: -1, closed: false };
  group.members.add(follower);
  return follower;
}

/** Starts the hub if need be, places the follower's cursor, then replays and goes live. */
async function begin(hub: Hub, follower: Follower, after: string | null): Promise<void> {
  await start(hub);
  const cursor = after === null ? Number(await lastAuditEventId(hub.deps.db)) : Number(after);
  if (follower.closed) return;
  follower.cursor = cursor;
  await catchUp(hub, follower);
}

/**
 * One replica's audit feed for many followers: one subscription to the bus, one gap fill from
 * Postgres, and each event matched and rendered once per group of identical followers. A
 * follower gets every event after its cursor (replayed from Postgres, then live) in id order,
 * with no gap and no duplicate; without a cursor, from the log's head when it follows.
 */
export function createAuditFanout(deps: AuditFanoutDeps) {
  const hub: Hub = { deps, groups: new Map(), cursor: -1, started: null, live: null };
  return {
    /**
     * Starts following: chunks go to `sink` until `close` (idempotent); a failure to read
     * Postgres ends the follower through `sink.fail`.
     */
    follow(spec: FanoutGroupSpec, after: string | null, sink: FanoutSink): { close(): void } {
      const follower = join(hub, spec, sink);
      begin(hub, follower, after).catch((error) => {
        if (follower.closed) return;
        end(follower, error);
        leave(hub, follower);
      });
      return { close: () => leave(hub, follower) };
    },
    /**
     * Events this replica just committed, in id order: handed to its followers at once, before
     * the bus brings them back (their copies are then dropped as already sent).
     */
    offer(events: AuditEvent[]): void {
      if (hub.cursor < 0) return;
      for (const event of events) dispatch(hub, event);
    },
    /** Followers on this replica (live or replaying). */
    size: () => [...hub.groups.values()].reduce((n, g) => n + g.members.size, 0),
    close: () => stop(hub),
  };
}

export type AuditFanout = ReturnType<typeof createAuditFanout>;
