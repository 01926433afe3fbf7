import { Pool } from 'pg';
import { loadConfig } from '@parley/config/config';
import { DEMO_EMAIL } from '../seed/demo-login';
import { DEFAULT_SHOP_PORT, startShop } from './shop';

/** `node dist/tools/demo-shop/main.js`: the demo's sample shop, with the demo workspace's website widget. */
async function main() {
  const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  const pool = new Pool({ connectionString: config.databaseUrl, max: 2 });
  const channelId = async () => {
    const rows = await pool.query<{ id: string }>(
      `SELECT c.id FROM channel c JOIN agent a ON a.workspace_id = c.workspace_id
        WHERE a.email = $1 AND c.type = 'web' AND c.deleted_at IS NULL ORDER BY c.created_at LIMIT 1`,
      [DEMO_EMAIL],
    );
    return rows.rows[0]?.id ?? null;
  };
  const shop = await startShop({
    port: Number(process.env.SHOP_PORT ?? DEFAULT_SHOP_PORT),
    apiUrl: config.apiPublicUrl,
    channelId,
  });
  process.stdout.write(`parley-demo-shop: a sample shop with the chat widget on ${shop.url}/\n`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      shop.close();
      void pool.end().then(() => process.exit(0));
    });
  }
}

main().catch((error: Error) => {
  process.stderr.write(`parley-demo-shop: ${error.message}\n`);
  process.exit(1);
});
