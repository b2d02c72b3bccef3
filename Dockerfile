# The model-rollout image: the worker and the emulator (docker-compose.yml runs one container of each).
# Runs the TypeScript sources through tsx, like a clone does: no build step, one code path.
FROM node:24-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production NO_UPDATE_NOTIFIER=1

# Dependencies first, so code changes do not reinstall them. Install scripts stay off, as in package.json's
# allowScripts: esbuild's platform binary arrives as an optional dependency without one.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
# The demo models and replay data: `emulator --seed-demo` copies them into its data dir.
COPY examples ./examples
# The worker's IAM policy: the emulator's aws profile binds its callers by it unless --iam-policy names another.
COPY deploy ./deploy

USER node
ENTRYPOINT ["npx", "--offline", "model-rollout"]
CMD ["worker"]
