import type { ChannelAccess } from '../platform';
import { platformReaction } from '../platform';
import { PlatformError } from '../platform-error';
import { CannedServer } from '../testing/canned-server';
import { TelegramAdapter } from './telegram.adapter';

const TOKEN = '7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const channel: ChannelAccess = {
  id: '3f1c9a52-8d0e-4d7b-9c1e-2b7a4f6e8d10',
  type: 'telegram',
  externalId: '7000000001',
  credentials: { bot_token: TOKEN },
  webhookSecret: 'k3y_-secret',
};
const refusal = (error_code: number, description: string, parameters?: object) => ({
  status: error_code,
  body: { ok: false, error_code, description, ...(parameters ? { parameters } : {}) },
});

/** Agents' edits, deletes and reactions as Telegram's Bot API takes them, and its refusals as our codes. */
describe('TelegramAdapter changes', () => {
  const telegram = new CannedServer();
  let adapter: TelegramAdapter;
  beforeAll(async () => {
    await telegram.start();
    adapter = new TelegramAdapter(telegram.origin, 2000);
  });
  afterAll(() => telegram.stop());
  beforeEach(() => {
    telegram.seen.length = 0;
    telegram.answer = { status: 200, body: { ok: true, result: true } };
  });
  const call = () => ({
    method: telegram.seen[0].path.replace(`/bot${TOKEN}/`, ''),
    body: JSON.parse(telegram.seen[0].body) as unknown,
  });

  it('declares edit, delete within 48 hours, and reactions from the Bot API’s emoji set', () => {
    expect(adapter.changes).toMatchObject({ edit: true, delete: true, react: true, deleteWithinHours: 48 });
    expect(adapter.changes.reactions).toHaveLength(73);
  });

  it.each([
    [
      'a text reply',
      false,
      'editMessageText',
      { chat_id: '5512733901', message_id: 1061, text: 'Fixed typo' },
    ],
    [
      'a reply with a file',
      true,
      'editMessageCaption',
      { chat_id: '5512733901', message_id: 1061, caption: 'Fixed typo' },
    ],
  ])('an edit of %s calls %s', async (_name, hasMedia, method, body) => {
    await adapter.editText(channel, { externalId: '5512733901:1061', hasMedia }, 'Fixed typo');
    expect(call()).toEqual({ method, body });
  });

  it('deleteMessage names the chat and the message of the external id', async () => {
    await adapter.deleteMessage(channel, { externalId: '-100200300:77', hasMedia: false });
    expect(call()).toEqual({ method: 'deleteMessage', body: { chat_id: '-100200300', message_id: 77 } });
  });

  it.each([
    ['an emoji', '👍', [{ type: 'emoji', emoji: '👍' }]],
    ['none', null, []],
  ])('setMessageReaction with %s replaces the bot’s reaction', async (_name, emoji, reaction) => {
    await adapter.react(channel, '5512733901', '5512733901:1060', emoji);
    expect(call()).toEqual({
      method: 'setMessageReaction',
      body: { chat_id: '5512733901', message_id: 1060, reaction },
    });
  });

  it('refuses an emoji bots cannot use without asking Telegram', async () => {
    await expect(adapter.react(channel, '1', '1:2', '🫠')).rejects.toMatchObject({ code: 'rejected' });
    expect(telegram.seen).toHaveLength(0);
  });

  it.each([
    [
      '"message is not modified" (the edit is already there)',
      'editText',
      'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
    ],
    [
      '"message to delete not found" (already gone)',
      'deleteMessage',
      'Bad Request: message to delete not found',
    ],
  ])('treats %s as done', async (_name, method, description) => {
    telegram.answer = refusal(400, description);
    const ref = { externalId: '5512733901:1061', hasMedia: false };
    await expect(
      method === 'editText' ? adapter.editText(channel, ref, 'same') : adapter.deleteMessage(channel, ref),
    ).resolves.toBeUndefined();
  });

  it.each<[string, ReturnType<typeof refusal>, string, number | undefined]>([
    [
      '429 with retry_after',
      refusal(429, 'Too Many Requests: retry after 7', { retry_after: 7 }),
      'rate_limited',
      7,
    ],
    ['502', refusal(502, 'Bad Gateway'), 'temporary', undefined],
    [
      '400 "message can\'t be deleted" (past 48 h)',
      refusal(400, "Bad Request: message can't be deleted"),
      'rejected',
      undefined,
    ],
    [
      '400 "message to edit not found"',
      refusal(400, 'Bad Request: message to edit not found'),
      'rejected',
      undefined,
    ],
    ['400 REACTION_INVALID', refusal(400, 'Bad Request: REACTION_INVALID'), 'rejected', undefined],
    ['401 (token revoked)', refusal(401, 'Unauthorized'), 'reauthorization_required', undefined],
    ['403 blocked', refusal(403, 'Forbidden: bot was blocked by the user'), 'blocked', undefined],
  ])('maps %s to %s', async (_name, answer, code, retryAfter) => {
    telegram.answer = answer;
    const error = (await adapter
      .deleteMessage(channel, { externalId: '5512733901:1061', hasMedia: false })
      .catch((e: unknown) => e)) as PlatformError;
    expect(error).toBeInstanceOf(PlatformError);
    expect([error.code, error.reason, error.retryAfterSeconds]).toEqual([
      code,
      answer.body.description,
      retryAfter,
    ]);
  });

  it('refuses an external id that is not <chat_id>:<message_id>', async () => {
    await expect(
      adapter.deleteMessage(channel, { externalId: 'aWdfZAG1', hasMedia: false }),
    ).rejects.toMatchObject({
      code: 'rejected',
    });
    expect(telegram.seen).toHaveLength(0);
  });

  it.each([
    ['❤️', '❤'],
    ['❤', '❤'],
    ['👍', '👍'],
    ['❤‍🔥', '❤‍🔥'],
    ['🫠', null],
    ['😀', null],
  ])('spells the agent’s %s as Telegram’s %s', (emoji, expected) => {
    expect(platformReaction(adapter.changes, emoji)).toBe(expected);
  });
});
