# syntax=docker/dockerfile:1
# Release Console: build with dev dependencies, run with production dependencies only, as user `node`.
#
# The base image is pinned by digest: node:24.18.0-bookworm-slim (Node 24 LTS), the multi-platform index
# digest published for that tag. Dependabot's weekly docker update moves the tag and the digest together;
# to pin by hand, take the digest from `docker buildx imagetools inspect node:24-bookworm-slim`.

FROM node:24.18.0-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
COPY jobs ./jobs
COPY migrations ./migrations
# The sandbox (local Discord, local GitHub) serves only `npm start` without a token, through src/cli.ts;
# the image runs dist/src/main.js and dist/src/migrate-cli.js, which never import it.
RUN npm run build \
  && rm -rf dist/src/sandbox dist/src/cli.js dist/src/cli.js.map

FROM node:24.18.0-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# No production dependency has an install script, so none runs.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The migration runner checksums the migration sources, so they ship beside the compiled files.
COPY migrations ./migrations
COPY scripts/run-ts.mjs ./scripts/run-ts.mjs
COPY config ./config
USER node
ENV PORT=8080
EXPOSE 8080
# The slim image has no curl: Node's own fetch asks /healthz (process alive), as Fly's check does.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
