import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One POST the receiver got, whatever it answered. */
export interface ReceivedRequest {
  body: string;
  signature: string | undefined;
  /** Ids of the batch, in body order. */
  ids: string[];
  /** What the receiver answered (0: never answered — held, then dropped). */
  status: number;
}

/** How the receiver answers: 2xx, 503, or not at all until released. */
export type ReceiverMode = 'ok' | 'fail' | 'hold';

/**
 * A real HTTP receiver for the webhook sink, as an operator would write one: it checks nothing
 * itself (the test does) but records every request. It can fail (503), hold requests without
 * answering, disappear (its port refuses connections) and come back on the same port.
 */
export async function startWebhookReceiver(options: { delayMs?: number } = {}) {
  const requests: ReceivedRequest[] = [];
  const held: Array<{ record: ReceivedRequest; res: http.ServerResponse }> = [];
  const sockets = new Set<Socket>();
  /** Received, not yet answered. */
  const open = new Set<ReceivedRequest>();
  let mode: ReceiverMode = 'ok';
  let inFlight = 0;
  let maxInFlight = 0;

  const server = http.createServer((req, res) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let done = false;
    const finish = () => {
      if (!done) inFlight -= 1;
      done = true;
    };
    res.on('close', finish);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const ids = (JSON.parse(body) as { events: Array<{ id: string }> }).events.map((e) => e.id);
      const record: ReceivedRequest = {
        body,
        signature: req.headers['x-sgw-signature'] as string,
        ids,
        status: 0,
      };
      requests.push(record);
      if (mode === 'hold') return void held.push({ record, res });
      open.add(record);
      const answer = () => {
        open.delete(record);
        record.status = mode === 'ok' ? 204 : 503;
        res.writeHead(record.status).end();
      };
      if (options.delayMs) setTimeout(answer, options.delayMs);
      else answer();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/audit`,
    port,
    requests,
    /** Batches answered 2xx, in the order they were answered. */
    accepted: () => requests.filter((r) => r.status >= 200 && r.status < 300),
    maxInFlight: () => maxInFlight,
    heldCount: () => held.length,
    /** Requests received and not answered yet (in `ok`/`fail` mode, during `delayMs`). */
    unanswered: () => [...open],
    setMode(next: ReceiverMode) {
      mode = next;
    },
    /** Answers every held request 2xx. */
    release() {
      for (const { record, res } of held.splice(0)) {
        record.status = 204;
        res.writeHead(204).end();
      }
    },
    /** Gone: the port refuses connections until `up()`. */
    async down() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    async up() {
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    async close() {
      held.splice(0);
      for (const socket of sockets) socket.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;

/** Whether `signature` is `sha256=<hex HMAC-SHA256 of body with secret>`: the check a receiver makes. */
export function signatureHolds(secret: string, body: string, signature: string | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(signature ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The ids a receiver holds once it dedupes by id, checking the order on the way: each accepted
 * batch is ascending and consecutive, and starts no later than one past what came before (a
 * batch may repeat what was held already: at least once).
 */
export function dedupedIds(batches: Array<{ ids: string[] }>): { ids: number[]; duplicates: number } {
  const seen = new Set<number>();
  let highest = 0;
  let duplicates = 0;
  for (const batch of batches) {
    const ids = batch.ids.map(Number);
    ids.forEach((id, i) => {
      if (i > 0 && id !== ids[i - 1] + 1) throw new Error(`batch not consecutive at ${id}`);
    });
    if (ids[0] > highest + 1) throw new Error(`gap: ${highest} then ${ids[0]}`);
    for (const id of ids) {
      if (seen.has(id)) duplicates += 1;
      seen.add(id);
    }
    highest = Math.max(highest, ids[ids.length - 1]);
  }
  return { ids: [...seen].sort((a, b) => a - b), duplicates };
}

/** Polls `check` until it returns true (every 50 ms), failing after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
