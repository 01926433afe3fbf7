import { ensureDatabase, migrate } from '../../tools/db/prepare-database';
import { databaseUrl, templateDatabase, withAdminClient } from './test-env';

/** Migrates one template database per run; each test file clones it (CREATE DATABASE … TEMPLATE). */
export default async function globalSetup(): Promise<void> {
  const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  process.env.PARLEY_TEST_RUN = run;
  const template = templateDatabase(run);
  await ensureDatabase(databaseUrl(template));
  await migrate(databaseUrl(template));
  // Nobody may stay connected to a template while it is cloned.
  await withAdminClient((client) =>
    client.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [template],
    ),
  );
}
