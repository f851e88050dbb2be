# Secrets Gateway image. The gateway runs its TypeScript sources with tsx, which is a runtime
# dependency in package.json, so the production dependencies are all it needs.
FROM node:20-slim

ENV NODE_ENV=production
WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# What `npm start` loads: src/ (entry src/main.ts), db/migrations (imported by src/database),
# bin/ for the `sgw` CLI, and the custom secrets store example.
COPY tsconfig.json ./
COPY bin/ ./bin/
COPY db/ ./db/
COPY src/ ./src/
COPY examples/ ./examples/

# Embedded mode (no DATABASE_URL) keeps PGlite files and generated keys here.
RUN mkdir -p /app/.sgw && chown node:node /app/.sgw

USER node
ENV HOST=0.0.0.0 PORT=4000
EXPOSE 4000

# The slim image has no curl: ask Node (global fetch) for /healthz.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Same as `npm start` (tsx src/main.ts), but one Node process that receives SIGTERM directly.
CMD ["node", "--import", "tsx", "src/main.ts"]
