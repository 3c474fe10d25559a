# The app node for docker-compose.yml. Node 20 on Debian 12, as on the development machines.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci's postinstall patches postgres.js's pool queue (the script says why).
COPY scripts/patch-dependencies.mjs scripts/
RUN npm ci --no-audit --no-fund
COPY . .
# The web client (web/dist) and the server compiled to plain JavaScript (dist/).
RUN npm run build
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
EXPOSE 3000
# node itself, not npm: SIGTERM reaches the server (it drains its sockets), and nothing is rebuilt at each start.
# The same flags as `npm start` (package.json; README, "Scripts", says why the young generation is capped).
CMD ["node", "--max-semi-space-size=8", "dist/main.js"]
