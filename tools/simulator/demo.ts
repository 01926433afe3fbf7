/** The demo's simulated accounts, shared by the simulator's entry point and the seed. */
export const DEMO_INSTAGRAM = {
  igUserId: '17841400000000001',
  accessToken: 'IGQVdemo-access-token-for-the-simulator',
};
export const DEMO_BOT_TOKEN = '100000001:demo-token-for-the-platform-simulator';
