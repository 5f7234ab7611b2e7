# syntax=docker/dockerfile:1
# incident-hub in a container: one stage compiles the TypeScript, the other runs the compiled
# JavaScript with production dependencies only, as the unprivileged `node` user. CI has no Docker
# engine: test/unit/container.test.ts lints this file and checks its structure instead of building.

# ---- build: all dependencies, compile to dist/ ----
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# The build compiles src/, migrations/, scripts/ and bench/ (scripts import test fakes), as locally.
COPY . .
RUN npm run build

# ---- runtime: production dependencies, the compiled hub and the files it reads at run time ----
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=4000 \
    DATA_DIR=/app/.data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# dist/src (the hub) and dist/migrations (run at start); templates/ (postmortem, email) and public/
# (GraphiQL, wallboard, insights) are read from the package root, the folder holding package.json.
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/migrations ./dist/migrations
COPY templates ./templates
COPY public ./public
# The application files stay root-owned (read-only to the hub); only DATA_DIR (the embedded
# database, used when DATABASE_URL is unset) is the hub's.
RUN mkdir -p /app/.data && chown node:node /app/.data
# The commit shown by GET /version: docker build --build-arg GIT_COMMIT=$(git rev-parse HEAD).
ARG GIT_COMMIT=""
ENV GIT_COMMIT=${GIT_COMMIT}
USER node
EXPOSE 4000
# Liveness with node itself (no curl in slim images); /readyz would also check the database.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Not `npm start`: it would compile again. main.js handles SIGTERM (closes in order within 10 s).
CMD ["node", "--enable-source-maps", "dist/src/main.js"]
