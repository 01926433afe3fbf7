import { DEMO_DIVAR } from './demo';
import { PlatformSimulator } from './simulator';

/** The demo's stand-in for Telegram and Instagram: `node dist/tools/simulator/main.js`. */
export const DEMO_INSTAGRAM = {
  igUserId: '17841400000000001',
  accessToken: 'IGQVdemo-access-token-for-the-simulator',
};

async function main() {
  const publicUrl = (process.env.PUBLIC_URL ?? 'http://127.0.0.1:3001').replace(/\/+$/, '');
  const port = Number(process.env.SIMULATOR_PORT ?? 3003);
  const simulator = await new PlatformSimulator({
    port,
    cdnPort: Number(process.env.SIMULATOR_CDN_PORT ?? port + 1),
    instagramWebhookUrl: `${publicUrl}/webhooks/instagram`,
    instagramAppSecret: process.env.INSTAGRAM_APP_SECRET,
  }).start();
  simulator.addInstagramAccount(DEMO_INSTAGRAM.igUserId, DEMO_INSTAGRAM.accessToken);
  // The demo channel's id, hence its events URL, is known once the seed created it (POST /divar/_sim/apps).
  simulator.divar.addApp(DEMO_DIVAR);
  process.stdout.write(`parley-simulator: Telegram Bot API and Graph API stand-in on ${simulator.url}\n`);
  process.stdout.write(`parley-simulator: Instagram media CDN stand-in on ${simulator.cdnUrl}\n`);
  process.stdout.write(
    `parley-simulator: Divar (Kenar) API, OAuth and upload stand-in on ${simulator.url}/divar\n`,
  );
  process.stdout.write(`parley-simulator: write to the inbox as a customer at ${simulator.url}/\n`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void simulator.stop().then(() => process.exit(0)));
  }
}

void main();
