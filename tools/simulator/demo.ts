/** The demo's simulated accounts, shared by the simulator's entry point and the seed. */
export const DEMO_INSTAGRAM = {
  igUserId: '17841400000000001',
  accessToken: 'IGQVdemo-access-token-for-the-simulator',
};
/** The demo's Kenar app: the simulator knows it from the start; the seed connects it and grants it by OAuth. */
export const DEMO_DIVAR = {
  slug: 'parley-demo',
  apiKey: 'divar-demo-api-key-for-the-simulator',
  identificationKey: 'divar-demo-identification-key',
  clientSecret: 'divar-demo-client-secret',
  userId: 'demo-divar-owner',
};
export const DEMO_BOT_TOKEN = '100000001:demo-token-for-the-platform-simulator';
