import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { loadConfig } from '@parley/config/config';
import { Agent } from '@parley/database/entities/agent.entity';
import { Channel } from '@parley/database/entities/channel.entity';
import { DomainModule } from '@parley/domain/domain.module';
import { AuthService } from '@parley/domain/services/auth.service';
import { ChannelOAuthService } from '@parley/domain/services/channel-oauth.service';
import { ChannelService } from '@parley/domain/services/channel.service';
import { InboundMessageService } from '@parley/domain/services/inbound-message.service';
import { postgresDependency, redisDependency, waitForDependencies } from '@parley/runtime/dependencies';
import { RuntimeModule } from '@parley/runtime/runtime.module';
import { webhookPath } from '@parley/platforms/webhook';
import { PlatformRegistry } from '@parley/platforms/platform.registry';
import { DEMO_BOT_TOKEN, DEMO_DIVAR, DEMO_INSTAGRAM } from '../simulator/demo';
import { DEFAULT_SHOP_PORT } from '../demo-shop/shop';
import { DEMO_EMAIL, DEMO_PASSWORD } from './demo-login';

/**
 * Connects the demo Divar channel as an admin would: its events URL into the (simulated) panel, then
 * the owner's OAuth grant, walked against the simulator's consent page; the callback's work is done
 * here, in process, since the api is not up yet. Run again on every start: the simulator forgets.
 */
async function grantDemoDivar(
  app: { get<T>(type: new (...args: never[]) => T): T },
  config: ReturnType<typeof loadConfig>,
  admin: Agent,
  channelId: string,
) {
  const webhook = app.get(PlatformRegistry).adapter('divar').webhook;
  const register = await fetch(`${config.divar.apiUrl}/_sim/apps`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      slug: DEMO_DIVAR.slug,
      api_key: DEMO_DIVAR.apiKey,
      identification_key: DEMO_DIVAR.identificationKey,
      client_secret: DEMO_DIVAR.clientSecret,
      user_id: DEMO_DIVAR.userId,
      events_url: `${config.publicUrl}${webhookPath('divar', webhook, channelId)}`,
    }),
  });
  if (!register.ok) throw new Error(`the simulator did not take the demo Divar app (${register.status})`);
  const oauth = app.get(ChannelOAuthService);
  const authorize = await oauth.authorizeUrl(admin.workspaceId, admin.id, 'divar', channelId);
  const consent = await fetch(authorize, { redirect: 'manual' });
  const back = new URL(consent.headers.get('location') ?? '', config.apiPublicUrl);
  const outcome = await oauth.complete('divar', {
    state: back.searchParams.get('state') ?? undefined,
    code: back.searchParams.get('code') ?? undefined,
  });
  if (outcome.result !== 'connected') throw new Error(`the demo Divar grant ended ${outcome.result}`);
}

export { DEMO_EMAIL, DEMO_PASSWORD };

/**
 * Idempotent: creates the demo workspace, its admin, and (when the platform simulator stands in
 * for Telegram, Instagram and Divar) a demo bot, Instagram account and Divar app (granted by OAuth
 * against the simulator) with a few conversations. On later starts it registers the demo webhooks
 * and the Divar grant again, since the simulator keeps them in memory.
 */
async function seed() {
  const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  if (config.env === 'production') {
    // Its password is printed in the README: on a real install it would be a door left open.
    process.stderr.write(
      'parley: the demo workspace is never seeded when NODE_ENV=production; sign up your own workspace (POST /api/v1/auth/signup)\n',
    );
    process.exit(1);
  }
  const withSimulator = process.env.PARLEY_SIMULATOR === '1';
  await waitForDependencies([postgresDependency(config.databaseUrl), redisDependency(config)], (line) =>
    process.stderr.write(`parley: seed: ${line}\n`),
  );
  @Module({ imports: [RuntimeModule.forRoot(config, 'seed'), DomainModule] })
  class SeedModule {}
  const app = await NestFactory.createApplicationContext(SeedModule, { logger: ['error'] });
  try {
    const db = app.get(DataSource);
    const channels = app.get(ChannelService);
    let admin = await db.getRepository(Agent).findOneBy({ email: DEMO_EMAIL });
    if (!admin) {
      const session = await app.get(AuthService).signup({
        workspaceName: 'Demo workspace',
        name: 'Demo Admin',
        email: DEMO_EMAIL,
        password: DEMO_PASSWORD,
      });
      admin = await db.getRepository(Agent).findOneByOrFail({ id: session.agent.id });
      if (withSimulator) {
        const telegram = await channels.create(admin.workspaceId, {
          type: 'telegram',
          name: 'Demo Telegram bot',
          bot_token: DEMO_BOT_TOKEN,
        });
        await channels.create(admin.workspaceId, {
          type: 'instagram',
          name: 'Demo Instagram',
          ig_user_id: DEMO_INSTAGRAM.igUserId,
          access_token: DEMO_INSTAGRAM.accessToken,
        });
        const divar = await channels.create(admin.workspaceId, {
          type: 'divar',
          name: 'Demo Divar app',
          app_slug: DEMO_DIVAR.slug,
          api_key: DEMO_DIVAR.apiKey,
          identification_key: DEMO_DIVAR.identificationKey,
          client_secret: DEMO_DIVAR.clientSecret,
        });
        await grantDemoDivar(app, config, admin, divar.id);
        // A buyer asking about an ad, so the inbox shows a Divar conversation with its ad from the start.
        await app.get(InboundMessageService).receive({
          workspaceId: admin.workspaceId,
          channelId: divar.id,
          platformUserId: 'post:demo-conversation-1',
          profile: {},
          externalId: 'demo-divar-message-1',
          content: 'سلام، این آگهی هنوز موجوده؟ قیمت نهایی چنده؟',
          ad: { post_token: 'gZd7omnS' },
        });
        const samples = [
          {
            user: '5001',
            name: 'Sara Ahmadi',
            username: 'sara_a',
            text: 'سلام، سفارش من هنوز نرسیده. کی می‌رسد؟',
          },
          {
            user: '5002',
            name: 'Omar Haddad',
            username: 'omar_h',
            text: 'مرحباً، أريد تغيير عنوان التوصيل من فضلك.',
          },
          {
            user: '5003',
            name: 'Lena Fischer',
            username: 'lena_f',
            text: 'Hi! Can I get an invoice for order #1042?',
          },
        ];
        for (const sample of samples) {
          await app.get(InboundMessageService).receive({
            workspaceId: admin.workspaceId,
            channelId: telegram.id,
            platformUserId: sample.user,
            profile: { name: sample.name, username: sample.username },
            externalId: `${sample.user}:1`,
            content: sample.text,
          });
        }
      }
    } else if (withSimulator) {
      for (const channel of await db.getRepository(Channel).findBy({ workspaceId: admin.workspaceId })) {
        await channels.reconnect(admin.workspaceId, channel.id);
        if (channel.type === 'divar') await grantDemoDivar(app, config, admin, channel.id);
      }
    }
    // The demo shop's website channel (needs no platform): its origins are the shop's, on this SHOP_PORT.
    const shopPort = Number(process.env.SHOP_PORT ?? DEFAULT_SHOP_PORT);
    const shopOrigins = [`http://127.0.0.1:${shopPort}`, `http://localhost:${shopPort}`];
    const website = await db.getRepository(Channel).findOneBy({ workspaceId: admin.workspaceId, type: 'web' });
    if (!website) {
      await channels.create(admin.workspaceId, {
        type: 'web',
        name: 'Demo shop website',
        allowed_origins: shopOrigins,
        color: '#0f766e',
        greeting: {
          en: 'Hi! Ask us anything about your order.',
          fa: 'سلام! هر سؤالی دربارهٔ سفارشتان دارید بپرسید.',
          ar: 'مرحبًا! اسألنا أي شيء عن طلبك.',
        },
        languages: ['en', 'fa', 'ar'],
        pre_chat: { name: 'optional', email: 'off', phone: 'off' },
      });
    } else if (!shopOrigins.every((origin) => website.settings?.allowed_origins.includes(origin))) {
      // Started with another SHOP_PORT than before: the shop's new origin is allowed too.
      await channels.update(admin.workspaceId, website.id, {
        allowed_origins: [...new Set([...(website.settings?.allowed_origins ?? []), ...shopOrigins])],
      });
    }
    const count = await db.getRepository(Channel).countBy({ workspaceId: admin.workspaceId });
    process.stdout.write(
      [
        '',
        '  Parley demo workspace is ready.',
        `  Open:     http://127.0.0.1:${config.ports.api}/   (the agents' dashboard)`,
        `  Sign in:  email ${DEMO_EMAIL}   password ${DEMO_PASSWORD}`,
        `  API:      http://127.0.0.1:${config.ports.api}/api/v1   (OpenAPI: http://127.0.0.1:${config.ports.api}/api/docs)`,
        `  Channels: ${count}${withSimulator ? ` (simulated; write as a customer at ${config.telegramApiRoot}/)` : ''}`,
        `  Shop:     http://127.0.0.1:${shopPort}/   (a sample site with the chat widget: chat as a website visitor)`,
        '',
      ].join('\n') + '\n',
    );
  } finally {
    await app.close();
  }
}

seed().catch((error: Error) => {
  process.stderr.write(`parley: seeding the demo workspace failed: ${error.message}\n`);
  process.exit(1);
});
