# syntax=docker/dockerfile:1

# One image for every service; the command picks which one runs:
#   gateway  node dist/gateway/src/main.js            (default)
#   product  node dist/subgraphs/product/src/main.js  (and order, user, cart, search)
#   reindex  node dist/subgraphs/search/src/reindex.js (one-shot)
# Settings come from the environment (README.md, Configuration). The image sets PORT=4000, so a
# subgraph run from it listens on 4000 unless PORT says otherwise.
#
# The `runtime` stage (the last, so the default) holds the services only: no embedded stores, no seed, no
# tests, no development dependencies. The `tools` stage adds the local stand-ins and the seed
# that docker-compose runs beside the services (dist/scripts/*).
#
# Every service serves /healthz and /readyz on PORT and its metrics on METRICS_PORT (9400 the
# gateway, 9401-9405 the subgraphs; deploy/ sets it). On SIGTERM it stops taking requests,
# finishes those in flight (and ends live subscriptions), then exits (common/shutdown.ts).

FROM node:22-bookworm-slim AS base
# npm 11 applies package.json#allowScripts (the npm bundled with Node 22 may not).
ARG NPM_VERSION=11
RUN npm install -g npm@${NPM_VERSION} --no-audit --no-fund && npm cache clean --force
WORKDIR /app

FROM base AS build
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM base AS production-dependencies
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

# Local stand-ins and the seed, for docker-compose only: never deployed.
FROM build AS tools
ENV NODE_ENV=development
USER node

FROM base AS runtime
ENV NODE_ENV=production \
    PORT=4000
COPY package.json package-lock.json ./
COPY --from=production-dependencies /app/node_modules ./node_modules
# The services' compiled code, and what they read at run time from the project root (the folder
# holding package.json): the gateway's supergraph and trusted documents, the subgraphs' SQL
# migrations.
COPY --from=build /app/dist/common ./dist/common
COPY --from=build /app/dist/gateway/src ./dist/gateway/src
COPY --from=build /app/dist/subgraphs ./dist/subgraphs
COPY --from=build /app/schema/supergraph.graphql ./schema/supergraph.graphql
COPY --from=build /app/schema/persisted-operations.json ./schema/persisted-operations.json
COPY --from=build /app/subgraphs/order/migrations ./subgraphs/order/migrations
COPY --from=build /app/subgraphs/user/migrations ./subgraphs/user/migrations
COPY --from=build /app/subgraphs/search/migrations ./subgraphs/search/migrations

# The image's unprivileged user (uid 1000), never root.
USER node
EXPOSE 4000 9400
STOPSIGNAL SIGTERM
# Liveness only (/readyz also checks the service's stores). PORT is what the service listens on.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/gateway/src/main.js"]
