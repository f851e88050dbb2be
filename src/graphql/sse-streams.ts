import type { ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { maskError, toPublicError } from './errors.js';

/** What yoga's SSE answer carries (graphql-sse "distinct connections"), so clients see no difference. */
const SSE_HEADERS = {
  'Content-Type': 'text/event-stream',
  Connection: 'keep-alive',
  'Cache-Control': 'no-cache',
  'Content-Encoding': 'none',
};
const PING = Buffer.from(':\n\n');
const COMPLETE = 'event: complete\ndata:\n\n';
/** Yoga's keep-alive period; here one timer pings every open stream. */
const PING_MS = 12_000;

/** One SSE `next` message. */
export function nextMessage(result: unknown): string {
  return `event: next\ndata: ${JSON.stringify(result)}\n\n`;
}

/** One open stream: what ends it with it, and its end (the last result if any, `complete`). */
export interface SseStream {
  /** Closed with the stream (at once if it has already ended). */
  attach(follower: { close(): void }): void;
  /** Ends the stream, after one result carrying `error` if given; idempotent. */
  finish(error?: unknown): void;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Server-sent event streams written straight to the response, as yoga writes them: headers, a
 * first ping, `next` messages, `complete`. No per-stream timer or web stream: one interval pings
 * every open stream that is not backed up.
 */
export function createSseStreams(metrics?: Pick<GatewayMetrics, 'graphqlError'>) {
  const open = new Set<ServerResponse>();
  let pinger: NodeJS.Timeout | undefined;
  const ping = () => {
    for (const res of open) if (!res.writableNeedDrain) res.write(PING);
  };

  /** A result carrying one error, masked as yoga masks every error and counted as its metrics count it. */
  function errorMessage(error: unknown): string {
    const graphqlError =
      error instanceof GraphQLError
        ? error
        : new GraphQLError(asError(error).message, { originalError: asError(error) });
    const masked = maskError(graphqlError);
    metrics?.graphqlError(String(toPublicError(masked).extensions.code));
    return nextMessage({ errors: [masked] });
  }

  function start(res: ServerResponse, release: () => void): SseStream {
    let done = false;
    let closeFollower = () => {};
    res.writeHead(200, SSE_HEADERS);
    res.write(PING);
    open.add(res);
    pinger ??= setInterval(ping, PING_MS).unref();
    const stream: SseStream = {
      attach(follower) {
        if (done) follower.close();
        else closeFollower = () => follower.close();
      },
      finish(error) {
        if (done) return;
        done = true;
        closeFollower();
        release();
        open.delete(res);
        if (open.size === 0 && pinger) pinger = void clearInterval(pinger);
        if (res.destroyed) return;
        if (error !== undefined) res.write(errorMessage(error));
        res.end(COMPLETE);
      },
    };
    res.on('close', () => stream.finish());
    return stream;
  }

  return {
    /** Answers `res` as an SSE stream; `release` runs once when it ends (either side). */
    start,
    /** Streams open now. */
    size: () => open.size,
  };
}

export type SseStreams = ReturnType<typeof createSseStreams>;
