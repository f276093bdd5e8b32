# The service's image: one image, two processes — `node dist/processes/api-main.js` (the default) and
# `node dist/processes/worker-main.js` — compiled and with the workflow code prebundled at build time, production
# dependencies only, running as the unprivileged `node` user. docker-compose.yml shows both in use.
FROM node:20.19.5-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/bundle-workflows.ts ./scripts/
# tsc into dist/, then the workflow bundle into dist/workflow-bundle.js (loaded by the worker at start).
RUN npm run build

FROM node:20.19.5-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

FROM node:20.19.5-bookworm-slim
ENV NODE_ENV=production \
    DATA_DIR=/data \
    API_HOST=0.0.0.0 \
    API_PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The SQLite settings file lives in /data (a volume); the node user owns it so the volume inherits that.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
CMD ["node", "dist/processes/api-main.js"]
