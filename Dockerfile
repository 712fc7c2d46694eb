# The selfheal API and worker image (one image, two commands; see docker-compose.yml). Node 22 LTS: package.json's
# engines (>=20.10) admits it, and @temporalio/* 1.24 ships its native core for it (docs/deployment.md).

# Build: compile TypeScript, then bundle the workflow code once, so a worker does not run webpack at every start.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY workflows workflows
COPY activities activities
COPY bench bench
RUN npm run build \
 && node dist/src/main/workflow-bundle.js \
 && test -s dist/workflow-bundle.js

# Runtime: production dependencies only, installed from the lock file, and the compiled code; runs as `node` (uid
# 1000, the owner docker-compose.yml's Docker proxy socket is created for).
FROM node:22-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force
COPY --from=build /app/dist dist
COPY bin bin
USER node
# The compose file sets the command per service; the API by default.
CMD ["node", "dist/src/main/api.js"]
