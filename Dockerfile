# Secrets Gateway image: TypeScript compiled in a build stage, only compiled JavaScript and the
# production dependencies in the image.
FROM node:24-slim AS build
WORKDIR /app
# bin/ is a local package (the `sgw` command) that package.json depends on.
COPY package.json package-lock.json ./
COPY bin/ ./bin/
# --ignore-scripts: the image's Node is 24 already, so the `node` devDependency (which brings
# Node 24 onto machines whose own Node is older) stays without its binary.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src/ ./src/
COPY db/ ./db/
COPY examples/ ./examples/
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app

COPY package.json package-lock.json ./
COPY bin/ ./bin/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# What `npm start` loads: dist/ (entry dist/src/main.js; the custom secrets store example is
# dist/examples/custom-secrets-store.js).
COPY --from=build /app/dist/ ./dist/

# Embedded mode (no DATABASE_URL) keeps PGlite files and generated keys here.
RUN mkdir -p /app/.sgw && chown node:node /app/.sgw

USER node
ENV HOST=0.0.0.0 PORT=4000
EXPOSE 4000

# The slim image has no curl: ask Node (global fetch) for /healthz.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Same as `npm start`, but one Node process that receives SIGTERM directly.
CMD ["node", "dist/src/main.js"]
