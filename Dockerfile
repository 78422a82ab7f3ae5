# The callguard CLI and services. `docker compose` runs one container per
# service with a subcommand: detect, enforce, investigate, or `stack init`.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY services ./services
COPY shared ./shared
COPY schemas ./schemas
COPY tsconfig.json ./
USER node
ENTRYPOINT ["node", "bin/callguard.mjs"]
CMD ["--help"]
