import { once } from 'node:events';
import WebSocket from 'ws';

/** NODE_OPTIONS for a process whose heap a bench reads (the inspector on a free loopback port). */
export const INSPECTABLE = { NODE_OPTIONS: '--inspect=127.0.0.1:0' };

/** The inspector address a process started with INSPECTABLE printed on stderr. */
export function inspectorUrlOf(stderr: string[]): string {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(stderr.join(''))?.[1];
  if (!url) throw new Error('the process has no inspector (start it with INSPECTABLE)');
  return url;
}

/**
 * The JS heap a process uses after full garbage collections (bytes), read through the
 * inspector protocol: what its live objects hold, without the garbage RSS also counts.
 */
export async function heapAfterGc(inspectorUrl: string): Promise<number> {
  const ws = new WebSocket(inspectorUrl);
  await once(ws, 'open');
  const pending = new Map<number, (result: Record<string, number>) => void>();
  ws.on('message', (raw) => {
    const message = JSON.parse(String(raw)) as { id?: number; result?: Record<string, number> };
    if (message.id !== undefined) pending.get(message.id)?.(message.result ?? {});
  });
  let next = 0;
  const call = (method: string) =>
    new Promise<Record<string, number>>((resolve) => {
      next += 1;
      pending.set(next, resolve);
      ws.send(JSON.stringify({ id: next, method }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    return (await call('Runtime.getHeapUsage')).usedSize;
  } finally {
    ws.close();
  }
}
