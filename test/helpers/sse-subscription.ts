/** One GraphQL subscription over SSE (graphql-yoga's distinct-connections mode). */
export interface SseSubscription<T = any> {
  /** Payloads received so far. */
  received: Array<{ data?: T; errors?: Array<{ message: string; extensions?: any }> }>;
  /** Resolves once `count` payloads have arrived (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<SseSubscription<T>['received']>;
  /** Resolves when the stream ends (the server completed it, or `close`). */
  ended: Promise<void>;
  close(): void;
}

/** Opens an SSE subscription and collects its `next` events. */
export async function subscribeSse<T = any>(
  url: string,
  token: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<SseSubscription<T>> {
  const controller = new AbortController();
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  if (!response.ok || !response.body) throw new Error(`SSE subscription failed: ${response.status}`);
  const received: SseSubscription<T>['received'] = [];
  const waiters: Array<() => void> = [];
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trim())
            .join('\n');
          if ((event === 'next' || event === undefined) && data) {
            received.push(JSON.parse(data));
            for (const wake of waiters.splice(0)) wake();
          }
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
    }
    for (const wake of waiters.splice(0)) wake();
  })();
  return {
    received,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`expected ${count} events, got ${received.length}: ${JSON.stringify(received)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return received;
    },
    ended,
    close: () => controller.abort(),
  };
}
