import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaHostAllowlist } from '@parley/config/media-hosts';
import type { ChannelAccess, ReplyWindow } from '../platform';
import { CannedServer } from '../testing/canned-server';
import { instagramErrors } from './fixtures/instagram-errors.fixture';
import { InstagramAdapter } from './instagram.adapter';
import { webhookPath } from '../webhook';

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
const channel: ChannelAccess = {
  id: '9b2e4c1d-7a3f-4e6b-8c5d-1f0a2b3c4d5e',
  type: 'instagram',
  externalId: '17841400008460056',
  credentials: { access_token: 'IGQVJ-token' },
  webhookSecret: 'unused',
};
const errorCase = (name: string) => instagramErrors.find((c) => c.name.startsWith(name))!;

describe('InstagramAdapter', () => {
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
    graph.answer = { status: 200, body: { recipient_id: '1254459154682919', message_id: 'aWdfZAG1fsent' } };
  });

  describe('reply window', () => {
    const now = new Date('2024-06-15T12:00:00.000Z');
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const plain: ReplyWindow = { allowed: true, humanAgentTag: false };
    const tagged: ReplyWindow = { allowed: true, humanAgentTag: true };

    it.each<[string, Date, ReplyWindow]>([
      ['just now', ago(0), plain],
      ['23 h 59 min 59.999 s ago', ago(DAY - 1), plain],
      ['exactly 24 h ago', ago(DAY), plain],
      ['24 h and 1 ms ago: HUMAN_AGENT', ago(DAY + 1), tagged],
      ['3 days ago: HUMAN_AGENT', ago(3 * DAY), tagged],
      ['exactly 7 days ago: HUMAN_AGENT', ago(7 * DAY), tagged],
      // A customer clock a little ahead of ours must not close the window.
      ['a few seconds in the future', ago(-5000), plain],
    ])('last customer message %s', (_name, last, expected) => {
      expect(adapter.replyWindow(last, now)).toEqual(expected);
    });

    it.each<[string, Date | null, RegExp]>([
      ['7 days and 1 ms ago', ago(7 * DAY + 1), /7 days/],
      ['30 days ago', ago(30 * DAY), /7 days/],
      ['never: the customer has not written', null, /not written/],
    ])('refuses a reply when the last customer message was %s', (_name, last, reason) => {
      expect(adapter.replyWindow(last, now)).toEqual({
        allowed: false,
        reason: expect.stringMatching(reason),
      });
    });
  });

  it('one webhook path for the whole Meta app', () => {
    expect(webhookPath('instagram', adapter.webhook, 'any-channel')).toBe('/webhooks/instagram');
  });

  it('sends text to /{ig-user-id}/messages with the token in a header, and keeps Meta’s message id', async () => {
    await expect(adapter.send(channel, { recipientId: '1254459154682919', text: 'Hello!' })).resolves.toEqual(
      {
        externalId: 'aWdfZAG1fsent',
      },
    );
    expect(graph.seen).toHaveLength(1);
    expect(graph.seen[0]).toMatchObject({ method: 'POST', path: '/v21.0/17841400008460056/messages' });
    expect(graph.seen[0].headers.authorization).toBe('Bearer IGQVJ-token');
    expect(JSON.parse(graph.seen[0].body)).toEqual({
      recipient: { id: '1254459154682919' },
      message: { text: 'Hello!' },
    });
  });

  it('outside 24 h sends with messaging_type MESSAGE_TAG and tag HUMAN_AGENT', async () => {
    await adapter.send(channel, {
      recipientId: '1254459154682919',
      text: 'Sorry for the wait',
      humanAgentTag: true,
    });
    expect(JSON.parse(graph.seen[0].body)).toEqual({
      recipient: { id: '1254459154682919' },
      message: { text: 'Sorry for the wait' },
      messaging_type: 'MESSAGE_TAG',
      tag: 'HUMAN_AGENT',
    });
  });

  it('refuses an OGG voice note before calling Meta (Instagram takes no Opus)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-ig-'));
    try {
      const path = join(dir, 'note.ogg');
      await writeFile(path, Buffer.from('OggS'));
      const error = await adapter
        .send(channel, {
          recipientId: '1254459154682919',
          text: '',
          attachment: { kind: 'voice', path, mime: 'audio/ogg', fileName: 'note.ogg' },
        })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'rejected', reason: expect.stringMatching(/audio\/ogg/) });
      expect(graph.seen).toHaveLength(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a send outside the window Meta refuses is window_closed', async () => {
    const { status, body } = errorCase('10/2534022');
    graph.answer = { status, body };
    await expect(adapter.send(channel, { recipientId: '1', text: 'late' })).rejects.toMatchObject({
      code: 'window_closed',
    });
  });

  describe('connecting', () => {
    it('checks the account with the token and keeps its id and username', async () => {
      graph.answer = { status: 200, body: { id: '17841400008460056', username: 'shop.example' } };
      await expect(
        adapter.connect({ ig_user_id: '17841400008460056', access_token: 'IGQVJ-token' }),
      ).resolves.toEqual({
        externalId: '17841400008460056',
        credentials: { access_token: 'IGQVJ-token', username: 'shop.example' },
      });
      expect(graph.seen[0].path).toBe('/v21.0/17841400008460056?fields=id,username');
      expect(graph.seen[0].headers.authorization).toBe('Bearer IGQVJ-token');
    });

    it.each<[string, string]>([
      ['190 an expired token', 'invalid_credentials'],
      ['100 an invalid parameter', 'invalid_credentials'],
      ['4 the application request limit', 'rate_limited'],
      ['1 an unknown error', 'temporary'],
    ])('%s → %s', async (name, code) => {
      const { status, body } = errorCase(name);
      graph.answer = { status, body };
      await expect(
        adapter.connect({ ig_user_id: '17841400008460056', access_token: 'IGQVJ-token' }),
      ).rejects.toMatchObject({ code });
    });
  });

  it('reads a newcomer’s name and username, and gives up quietly when Meta will not say', async () => {
    graph.answer = {
      status: 200,
      body: { name: 'Sara Rahimi', username: 'sara_r', profile_pic: 'https://x' },
    };
    await expect(adapter.profile(channel, '1254459154682919')).resolves.toEqual({
      name: 'Sara Rahimi',
      username: 'sara_r',
    });
    const { status, body } = errorCase('100 an invalid parameter');
    graph.answer = { status, body };
    await expect(adapter.profile(channel, '1254459154682919')).resolves.toBeNull();
  });
});
