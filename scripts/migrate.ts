// `npm run db:migrate`: apply pending migrations to DATABASE_URL (for deployments that migrate
// separately and run the service with MIGRATE_ON_START=false).
import { migrateDeploy } from "../src/db/migrate.js";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL is not set: name the Postgres database to migrate.");
  process.exit(1);
}
try {
  process.stdout.write(await migrateDeploy(url));
} catch (error) {
  console.error("Migration failed:", error instanceof Error ? error.message : error);
  process.exit(1);
}
