/** The demo workspace's admin, printed by the seed (the demo shop finds its website channel by it). */
export const DEMO_EMAIL = process.env.DEMO_ADMIN_EMAIL ?? 'admin@demo.parley.local';
export const DEMO_PASSWORD = process.env.DEMO_ADMIN_PASSWORD ?? 'parley-demo-2026';
