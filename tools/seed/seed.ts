import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { loadConfig } from '@parley/config/config';
import { Agent } from '@parley/database/entities/agent.entity';
import { Channel } from '@parley/database/entities/channel.entity';
import { DomainModule } from '@parley/domain/domain.module';
import { AuthService } from '@parley/domain/services/auth.service';
import { ChannelService } from '@parley/domain/services/channel.service';
import { InboundMessageService } from '@parley/domain/services/inbound-message.service';
import { postgresDependency, redisDependency, waitForDependencies } from '@parley/runtime/dependencies';
import { RuntimeModule } from '@parley/runtime/runtime.module';
import { DEMO_BOT_TOKEN, DEMO_INSTAGRAM } from '../simulator/demo';

export const DEMO_EMAIL = process.env.DEMO_ADMIN_EMAIL ?? 'admin@demo.parley.local';
export const DEMO_PASSWORD = process.env.DEMO_ADMIN_PASSWORD ?? 'parley-demo-2026';

/**
 * Idempotent: creates the demo workspace, its admin, and (when the platform simulator stands in
 * for Telegram and Instagram) a demo bot and Instagram account with a few conversations. On later
 * starts it registers the demo webhooks again, since the simulator keeps them in memory.
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
      }
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
