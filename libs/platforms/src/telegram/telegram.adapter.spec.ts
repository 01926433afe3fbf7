import type { ChannelAccess, PlatformAdapter } from '../platform';
import { PlatformError } from '../platform-error';
import { CannedServer } from '../testing/canned-server';
import * as fixture from './fixtures/telegram-updates.fixture';
import { ALLOWED_UPDATES, TelegramAdapter } from './telegram.adapter';
import { normalizeTelegramUpdate } from './telegram.normalizer';
import { webhookPath } from '../webhook';

const TOKEN = '7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const channel: ChannelAccess = {
  id: '3f1c9a52-8d0e-4d7b-9c1e-2b7a4f6e8d10',
  type: 'telegram',
  externalId: '7000000001',
  credentials: { bot_token: TOKEN },
  webhookSecret: 'k3y_-secret',
};
const DAY = 24 * 3600 * 1000;

describe('TelegramAdapter', () => {
  const telegram = new CannedServer();
  let adapter: TelegramAdapter;
  beforeAll(async () => {
    await telegram.start();
    adapter = new TelegramAdapter(telegram.origin, 2000);
  });
  afterAll(() => telegram.stop());
  beforeEach(() => {
    telegram.seen.length = 0;
  });

  it.each<[string, Date | null]>([
    ['before the customer wrote', null],
    ['a minute after', new Date(Date.now() - 60_000)],
    ['30 days after', new Date(Date.now() - 30 * DAY)],
  ])('may always reply (%s), never with a tag', (_name, lastCustomerMessageAt) => {
    const platform: PlatformAdapter = adapter;
    expect(platform.replyWindow(lastCustomerMessageAt, new Date())).toEqual({
      allowed: true,
      humanAgentTag: false,
    });
  });

  it('asks Telegram for exactly the updates the normalizer turns into messages, edits and presses', () => {
    expect([...ALLOWED_UPDATES]).toEqual(['message', 'edited_message', 'callback_query']);
    expect(normalizeTelegramUpdate(fixture.textReply).kind).toBe('message');
    expect(normalizeTelegramUpdate(fixture.editedText).kind).toBe('edit');
    expect(normalizeTelegramUpdate(fixture.callbackQueryOnOurMessage).kind).toBe('message');
  });

  it("serves each channel's webhook on its own path", () => {
    expect(webhookPath('telegram', adapter.webhook, channel.id)).toBe(`/webhooks/telegram/${channel.id}`);
  });

  it('a sent message gets the chat-scoped id <chat_id>:<message_id> from sendMessage', async () => {
    telegram.answer = {
      status: 200,
      body: {
        ok: true,
        result: {
          message_id: 1061,
          from: { id: 7_000_000_001, is_bot: true, first_name: 'Shop support', username: 'shop_support_bot' },
          chat: { id: 5_512_733_901, type: 'private', first_name: 'Sara' },
          date: 1_717_000_100,
          text: 'It left the warehouse today',
        },
      },
    };
    await expect(
      adapter.send(channel, { recipientId: '5512733901', text: 'It left the warehouse today' }),
    ).resolves.toEqual({ externalId: '5512733901:1061' });
    expect(telegram.seen).toHaveLength(1);
    expect(telegram.seen[0].path).toBe(`/bot${TOKEN}/sendMessage`);
    expect(JSON.parse(telegram.seen[0].body)).toEqual({
      chat_id: '5512733901',
      text: 'It left the warehouse today',
    });
  });

  it('a failed send throws our typed error, never grammy’s', async () => {
    telegram.answer = {
      status: 403,
      body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' },
    };
    const error = await adapter
      .send(channel, { recipientId: '5512733901', text: 'hi' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    expect(error).toMatchObject({ code: 'blocked', reason: 'Forbidden: bot was blocked by the user' });
  });

  it('connecting checks the token with getMe and keeps the bot’s id and username', async () => {
    telegram.answer = {
      status: 200,
      body: {
        ok: true,
        result: { id: 7_000_000_001, is_bot: true, first_name: 'Shop support', username: 'shop_support_bot' },
      },
    };
    await expect(adapter.connect({ bot_token: TOKEN })).resolves.toEqual({
      externalId: '7000000001',
      credentials: { bot_token: TOKEN, username: 'shop_support_bot' },
    });
    expect(telegram.seen[0].path).toBe(`/bot${TOKEN}/getMe`);
  });

  it('a token Telegram refuses while connecting is invalid credentials', async () => {
    telegram.answer = { status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } };
    await expect(adapter.connect({ bot_token: TOKEN })).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
  });

  it('registers the webhook with the channel secret and the allowed updates', async () => {
    telegram.answer = { status: 200, body: { ok: true, result: true, description: 'Webhook was set' } };
    await adapter.registerWebhook(channel, `https://inbox.example/webhooks/telegram/${channel.id}`);
    expect(JSON.parse(telegram.seen[0].body)).toEqual({
      url: `https://inbox.example/webhooks/telegram/${channel.id}`,
      secret_token: 'k3y_-secret',
      allowed_updates: ['message', 'edited_message', 'callback_query'],
    });
  });
});
