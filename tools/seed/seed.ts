import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { loadConfig } from '@parley/config/config';
import { Agent } from '@parley/database/entities/agent.entity';
import { Channel } from '@parley/database/entities/channel.entity';
import { DomainModule } from '@parley/domain/domain.module';
import { AuthService } from '@parley/domain/services/auth.service';
import { ChannelService } from '@parley/domain/services/channel.service';
import { MessageService } from '@parley/domain/services/message.service';
import { RuntimeModule } from '@parley/runtime/runtime.module';

export const DEMO_EMAIL = process.env.DEMO_ADMIN_EMAIL ?? 'admin@demo.parley.local';
export const DEMO_PASSWORD = process.env.DEMO_ADMIN_PASSWORD ?? 'parley-demo-2026';

/** Idempotent: creates the demo workspace, its admin, a demo Telegram channel and a few conversations once. */
async function seed() {
  const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  @Module({ imports: [RuntimeModule.forRoot(config, 'seed'), DomainModule] })
  class SeedModule {}
  const app = await NestFactory.createApplicationContext(SeedModule, { logger: ['error'] });
  try {
    const db = app.get(DataSource);
    const existing = await db.getRepository(Agent).findOneBy({ email: DEMO_EMAIL });
    if (!existing) {
      const session = await app.get(AuthService).signup({
        workspaceName: 'Demo workspace',
        name: 'Demo Admin',
        email: DEMO_EMAIL,
        password: DEMO_PASSWORD,
      });
      const workspaceId = session.workspace.id;
      const channel = await app.get(ChannelService).create(workspaceId, {
        type: 'telegram',
        name: 'Demo Telegram bot',
        bot_token: '100000001:demo-token-for-the-platform-simulator',
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
      for (const [i, sample] of samples.entries()) {
        await app.get(MessageService).receive({
          workspaceId,
          channelId: channel.id,
          platformUserId: sample.user,
          profile: { name: sample.name, username: sample.username },
          externalId: `${sample.user}:${i + 1}`,
          content: sample.text,
        });
      }
    }
    const channels = await db.getRepository(Channel).count();
    process.stdout.write(
      [
        '',
        '  Parley demo workspace is ready.',
        `  Sign in:  email ${DEMO_EMAIL}   password ${DEMO_PASSWORD}`,
        `  API:      http://127.0.0.1:${config.ports.api}/api/v1   (OpenAPI: http://127.0.0.1:${config.ports.api}/api/docs)`,
        `  Channels: ${channels}`,
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
