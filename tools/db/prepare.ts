import { loadConfig } from '@parley/config/config';
import { postgresDependency, waitForDependencies } from '@parley/runtime/dependencies';
import { ensureDatabase, migrate } from './prepare-database';

/** `node dist/tools/db/prepare.js`: create the database if missing and run pending migrations. */
async function main() {
  const config = loadConfig();
  // The server, not the database: creating the database is this command's job.
  const server = new URL(config.databaseUrl);
  server.pathname = '/postgres';
  await waitForDependencies([postgresDependency(server.toString())], (line) =>
    process.stderr.write(`parley: prepare: ${line}\n`),
  );
  await ensureDatabase(config.databaseUrl);
  const ran = await migrate(config.databaseUrl);
  process.stdout.write(
    ran.length ? `migrations applied: ${ran.join(', ')}\n` : 'database schema is up to date\n',
  );
}

main().catch((error: Error) => {
  process.stderr.write(`parley: database preparation failed: ${error.message}\n`);
  process.exit(1);
});
