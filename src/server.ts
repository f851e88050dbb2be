import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Gateway } from './gateway/create-gateway.js';
import { createAuditSseRoute } from './graphql/audit-sse-route.js';
import { serveMetrics } from './metrics/metrics-endpoint.js';

export { createGateway, type Gateway, type GatewayOptions } from './gateway/create-gateway.js';

export interface RunningServer {
  gateway: Gateway;
  server: Server;
  url: string;
  /** `auditEvents` SSE streams open on the lean path (src/graphql/audit-sse-route.ts). */
  auditSseStreams(): number;
  close(): Promise<void>;
}

/** Serves a gateway over HTTP: /metrics here, everything else (GraphQL, SSE, /healthz, /readyz) by yoga; graphql-ws. */
export async function startServer(gateway: Gateway): Promise<RunningServer> {
  const { yoga, config } = gateway;
  const auditSse = createAuditSseRoute({
    fallback: (req, res) => void yoga(req, res),
    services: gateway.services,
    endpoint: yoga.graphqlEndpoint,
    maxBodyBytes: config.maxBodyBytes,
    metrics: gateway.metrics,
  });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    if (url === '/metrics' || url.startsWith('/metrics?'))
      return serveMetrics(req, res, gateway.metrics, config.metricsToken);
    if (auditSse.wants(req)) return void auditSse.serve(req, res);
    yoga(req, res);
  });
  const wsServer = new WebSocketServer({
    server,
    path: yoga.graphqlEndpoint,
    maxPayload: config.maxBodyBytes,
  });
  const wsCleanup = useServer(
    {
      execute: (args) => (args.rootValue as { execute: (a: unknown) => unknown }).execute(args) as never,
      subscribe: (args) =>
        (args.rootValue as { subscribe: (a: unknown) => unknown }).subscribe(args) as never,
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          connectionParams: ctx.connectionParams,
          connection: ctx.extra.socket,
        });
        const document = parse(params.query);
        const errors = validate(schema, document);
        if (errors.length) return errors;
        return {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
      },
    },
    wsServer,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    gateway,
    server,
    url: `http://${host}:${address.port}`,
    auditSseStreams: auditSse.size,
    async close() {
      await wsCleanup.dispose();
      wsServer.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
    },
  };
}
