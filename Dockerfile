# The service image: Node 20, dependencies from the lock file, Prisma client generated at build.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx prisma generate
EXPOSE 3000
USER node
CMD ["npx", "tsx", "src/main.ts"]
