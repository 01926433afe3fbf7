import { Client } from 'pg';

/** The Postgres server tests use, and the names of this run's databases. */
export const TEST_DATABASE_SERVER = process.env.TEST_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
export const runId = () => {
  const id = process.env.PARLEY_TEST_RUN;
  if (!id) throw new Error('PARLEY_TEST_RUN is not set: run the suite through jest (global-setup sets it)');
  return id;
};
export const templateDatabase = (run: string) => `parley_test_${run}_tpl`;
export const databaseUrl = (name: string) => `${TEST_DATABASE_SERVER}/${name}`;

export async function withAdminClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
