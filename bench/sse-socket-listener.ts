import { connect } from 'node:net';

const NEXT = 'event: next';

/**
 * A bare SSE subscriber on its own TCP connection (a few KiB each, so one process can hold
 * 10,000): POSTs `body`, then calls `onEvent` for each `next` event of the answer.
 */
export function openSseSocket(
  url: string,
  headers: Record<string, string>,
  body: string,
  onEvent: () => void,
): Promise<{ close(): void }> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const lines = Object.entries({
      ...headers,
      host: `${hostname}:${port}`,
      'content-length': String(Buffer.byteLength(body)),
    })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.write(`POST ${pathname} HTTP/1.1\r\n${lines}\r\n${body}`);
    let tail = '';
    let started = false;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const text = tail + chunk;
      if (!started) {
        if (!text.startsWith('HTTP/1.1 200')) return reject(new Error(`SSE refused: ${text.slice(0, 200)}`));
        started = true;
        resolve({ close: () => socket.destroy() });
      }
      for (let at = text.indexOf(NEXT); at >= 0; at = text.indexOf(NEXT, at + NEXT.length)) onEvent();
      tail = text.slice(-(NEXT.length - 1));
    });
    socket.on('error', reject);
  });
}
