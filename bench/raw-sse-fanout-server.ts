import { createServer, type ServerResponse } from 'node:http';

/**
 * Baseline for audit fan-out: a bare HTTP server that keeps SSE connections and writes one
 * event to all of them on POST /emit (no GraphQL, no auth, no database). Prints its URL.
 */
const clients = new Set<ServerResponse>();
const server = createServer((req, res) => {
  if (req.url === '/events') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(':\n\n');
    clients.add(res);
    req.on('close', () => clients.delete(res));
    return;
  }
  if (req.url === '/emit' && req.method === 'POST') {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const message = `event: next\ndata: ${body}\n\n`;
      for (const client of clients) client.write(message);
      res.end('ok');
    });
    return;
  }
  res.statusCode = 404;
  res.end();
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`listening on http://127.0.0.1:${port}/graphql\n`);
});
