# One image for both roles: `docker run IMAGE web` or `docker run IMAGE worker`.

# 1. Dependencies and a type check of the whole codebase.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm install, not ci: the lock omits other platforms' optional binaries.
RUN npm install --no-audit --no-fund
COPY tsconfig.json ./
COPY config ./config
COPY src ./src
COPY jobs ./jobs
COPY test ./test
COPY bench ./bench
RUN npx tsc --noEmit && npm prune --omit=dev

# 2. Runtime: production dependencies only, non-root, CJK fonts for PDF receipts.
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production PORT=3000
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json tsconfig.json ./
COPY --chown=node:node config ./config
COPY --chown=node:node src ./src
COPY --chown=node:node jobs ./jobs
COPY --chown=node:node views ./views
USER node
EXPOSE 3000
ENTRYPOINT ["/usr/bin/tini", "--", "node_modules/.bin/tsx", "src/main.ts"]
CMD ["web"]
