# syntax=docker/dockerfile:1
# Release Console: build with dev dependencies, run with production dependencies only, as user `node`.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
COPY jobs ./jobs
COPY migrations ./migrations
RUN npm run build

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The migration runner checksums the migration sources, so they ship beside the compiled files.
COPY migrations ./migrations
COPY scripts/run-ts.mjs ./scripts/run-ts.mjs
COPY config ./config
USER node
EXPOSE 8080
ENV PORT=8080
CMD ["node", "dist/src/main.js"]
