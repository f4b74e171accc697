# One image for both roles: `docker run IMAGE web` (the default) or `docker run IMAGE worker`.
# Other commands: `docker run --entrypoint node IMAGE dist/src/cli/<name>.js` (migrate, stripe-setup,
# staff-create, export).

# 1. Build: all dependencies, the TypeScript compiled to dist/, then development packages removed.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm install, not ci: the lock omits other platforms' optional binaries. No install scripts: the
# packages that have one (esbuild, msgpackr-extract) work without them or are development-only.
RUN npm install --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY config ./config
COPY jobs ./jobs
COPY src ./src
# After the prune, typescript must not survive as some package's optional peer dependency, and of
# the font package only the weights receipt PDFs embed stay (Regular and Bold, see
# src/features/giving/receipt-pdf-font.ts).
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts \
 && if npm ls typescript; then rm -rf node_modules/typescript; fi \
 && find node_modules/@expo-google-fonts/noto-sans-jp -mindepth 1 -maxdepth 1 -type d \
      ! -name 400Regular ! -name 700Bold -exec rm -rf {} + \
 && rm -rf node_modules/.cache

# 2. Runtime: compiled JavaScript, production dependencies and the files the app reads at run time
#    (views, locales, SQL migrations). Owned by root and read-only to the app; it runs as `node`.
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/data \
    NODE_OPTIONS=--enable-source-maps
COPY package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY views ./views
COPY src/locales ./src/locales
COPY src/db/migrations ./src/db/migrations
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
# GET /healthz answers 200 once the database and Redis answer (web role; the worker has no HTTP port).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "dist/src/main.js"]
CMD ["web"]
