#!/usr/bin/env bash
# Author a migration by diffing the committed schema.prisma against the edited one
# (prisma migrate dev needs a binary engine that cannot be downloaded here).
# Usage: npm run db:new-migration -- <name>
set -euo pipefail
name=${1:?usage: npm run db:new-migration -- <name>}
dir="prisma/migrations/$(date -u +%Y%m%d%H%M%S)_${name}"
export DATABASE_URL=${DATABASE_URL:-postgresql://root@127.0.0.1:5432/postgres}  # the CLI wants a reachable server; the diff changes nothing in it
prev=$(mktemp --suffix=.prisma)
trap 'rm -f "$prev"' EXIT
mkdir -p "$dir"
if git cat-file -e HEAD:prisma/schema.prisma 2>/dev/null && [ -n "$(ls prisma/migrations | grep -v migration_lock)" ] && [ "$(ls -d prisma/migrations/*/ | wc -l)" -gt 1 ]; then
  git show HEAD:prisma/schema.prisma > "$prev"
  npx prisma migrate diff --from-schema-datamodel "$prev" --to-schema-datamodel prisma/schema.prisma --script > "$dir/migration.sql"
else
  npx prisma migrate diff --from-empty --to-schema-datamodel prisma/schema.prisma --script > "$dir/migration.sql"
fi
printf 'provider = "postgresql"\n' > prisma/migrations/migration_lock.toml
echo "wrote $dir/migration.sql"
