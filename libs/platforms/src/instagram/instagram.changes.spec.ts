import { MediaHostAllowlist } from '@parley/config/media-hosts';
import type { ChannelAccess } from '../platform';
import { platformReaction } from '../platform';
import { CannedServer } from '../testing/canned-server';
import { InstagramAdapter } from './instagram.adapter';

const channel: ChannelAccess = {
  id: '9b2e4c1d-7a3f-4e6b-8c5d-1f0a2b3c4d5e',
  type: 'instagram',
  externalId: '17841400008460056',
  credentials: { access_token: 'IGQVJ-token' },
  webhookSecret: 'unused',
};
const MID = 'aWdfZAG1faW1pZAG1fMTc4NDE0MDAwMDg0NjAwNTY';

/** Instagram takes a business's reaction through the Send API; it cannot edit or unsend. */
describe('InstagramAdapter changes', () => {
  const graph = new CannedServer();
  let adapter: InstagramAdapter;
  beforeAll(async () => {
    await graph.start();
    adapter = new InstagramAdapter(`${graph.origin}/v21.0`, {
      hosts: MediaHostAllowlist.parse('lookaside.fbsbx.com'),
      timeoutMs: 2000,
    });
  });
  afterAll(() => graph.stop());
  beforeEach(() => {
    graph.seen.length = 0;
    graph.answer = { status: 200, body: { recipient_id: '1254459154682919' } };
  });

  it('declares reactions ("love" only) and neither edit nor delete, and has no methods for them', () => {
    expect(adapter.changes).toEqual({ edit: false, delete: false, react: true, reactions: ['❤️'] });
    expect('editText' in adapter).toBe(false);
    expect('deleteMessage' in adapter).toBe(false);
  });

  it.each([
    ['❤️ as react "love"', '❤️', { sender_action: 'react', payload: { message_id: MID, reaction: 'love' } }],
    ['none as unreact', null, { sender_action: 'unreact', payload: { message_id: MID } }],
  ])('sends %s to the customer’s message', async (_name, emoji, action) => {
    await adapter.react(channel, '1254459154682919', MID, emoji);
    expect(graph.seen).toHaveLength(1);
    expect(graph.seen[0].path).toBe(`/v21.0/${channel.externalId}/messages`);
    expect(graph.seen[0].headers.authorization).toBe('Bearer IGQVJ-token');
    expect(JSON.parse(graph.seen[0].body)).toEqual({ recipient: { id: '1254459154682919' }, ...action });
  });

  it('refuses any other reaction without asking Meta', async () => {
    await expect(adapter.react(channel, '1', MID, '👍')).rejects.toMatchObject({ code: 'rejected' });
    expect(graph.seen).toHaveLength(0);
  });

  it.each([
    [
      { status: 400, body: { error: { message: 'Error validating access token', code: 190 } } },
      'reauthorization_required',
    ],
    [
      {
        status: 429,
        body: { error: { message: 'Too many calls', code: 4 } },
        headers: { 'retry-after': '30' },
      },
      'rate_limited',
    ],
    [{ status: 500, body: { error: { message: 'An unknown error occurred', code: 1 } } }, 'temporary'],
    [
      {
        status: 400,
        body: { error: { message: '(#100) The message you are reacting to does not exist', code: 100 } },
      },
      'rejected',
    ],
  ])('maps Meta’s answer %j to %s', async (answer, code) => {
    graph.answer = answer;
    await expect(adapter.react(channel, '1', MID, '❤️')).rejects.toMatchObject({
      code,
      reason: answer.body.error.message,
    });
  });

  it.each([
    ['❤️', '❤️'],
    ['❤', '❤️'],
    ['👍', null],
  ])('takes the agent’s %s as %s', (emoji, expected) => {
    expect(platformReaction(adapter.changes, emoji)).toBe(expected);
  });
});
