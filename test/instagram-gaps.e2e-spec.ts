import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SAMPLE_JPEG, SAMPLE_WEBM_OPUS } from '../tools/simulator/samples';
import {
  freshEnvironment,
  startApi,
  startIngest,
  startWorker,
  TestApp,
  TestEnvironment,
} from './support/app';
import { signupWorkspace, storedMessage, Workspace } from './support/factories';
import { eventually, Frame, WsClient } from './support/ws';

/**
 * Instagram's gaps, end to end (api, ingest and worker for real, the simulator as Meta): what the
 * business types in the Instagram app, stories, and voice notes in the formats each side takes.
 */
describe('Instagram gaps end to end', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let ingest: TestApp;
  let worker: TestApp;
  let ws: Workspace;
  let telegram: { id: string; external_id: string };
  let igAccount: { igUserId: string; accessToken: string };
  let customer = 0;
  const sockets: WsClient[] = [];

  const sim = () => environment.simulator;
  const midOf = (delivery: Record<string, unknown>) =>
    (delivery.entry as { messaging: { message: { mid: string } }[] }[])[0].messaging[0].message.mid;
  const posted = async (delivery: Record<string, unknown>) => {
    expect(await sim().postInstagramWebhook(delivery)).toBe(200);
    return midOf(delivery);
  };
  /** A new Instagram customer who wrote once: their conversation, open on a chat socket. */
  const igConversation = async () => {
    const igsid = `17${Date.now()}${++customer}`;
    const row = await storedMessage(
      api,
      await posted(sim().instagramMessage(igAccount.igUserId, igsid, { text: 'hello' })),
    );
    const chat = await WsClient.connect(api.url, `/ws/chat/${row.conversation_id}/`, { token: ws.token });
    sockets.push(chat);
    await chat.next((f) => f.type === 'recent_messages');
    return { igsid, conversationId: row.conversation_id, chat };
  };
  const messagesWith = async (externalId: string) =>
    (await api.db.query('SELECT id, type, sent_in_app FROM message WHERE external_id = $1', [
      externalId,
    ])) as { id: string; type: string; sent_in_app: boolean }[];
  /** Every recorded webhook delivery has been handled (none waits, none was set aside). */
  const deliveriesHandled = () =>
    eventually(async () => {
      expect(await api.db.query('SELECT id, last_error FROM inbound_update')).toEqual([]);
    }, 15000);
  const statusOf = async (messageId: string) =>
    (
      (await api.db.query('SELECT status, failure_reason, external_id FROM message WHERE id = $1', [
        messageId,
      ])) as { status: string; failure_reason: string | null; external_id: string | null }[]
    )[0];
  const reply = async (conversationId: string, content: string) => {
    const res = await ws.http.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
      content,
      type: 'support',
    });
    expect(res.status).toBe(201);
    return res.body as Frame;
  };
  const sendsTo = (igsid: string) =>
    sim()
      .sent('instagram', igAccount.igUserId)
      .filter(
        (c) => (c.body.recipient as { id?: string } | undefined)?.id === igsid && !c.body.sender_action,
      );
  /** An agent's multipart upload, as the dashboard sends it. */
  const upload = async (conversationId: string, bytes: Buffer, name: string, type: string) => {
    const form = new FormData();
    form.append('kind', 'voice');
    form.append('duration', '1');
    form.append('file', new Blob([bytes], { type }), name);
    const res = await fetch(`${api.url}/api/v1/conversations/${conversationId}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ws.token}` },
      body: form,
    });
    return { status: res.status, body: (await res.json()) as Frame };
  };
  const served = async (messageId: string, query = '') => {
    const link = await ws.http.get(`/api/v1/messages/${messageId}/attachments/0/link`);
    expect(link.status).toBe(200);
    const res = await fetch(`${api.url}${link.body.url}${query}`);
    expect(res.status).toBe(200);
    return { type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
  };
  const isMp4 = (bytes: Buffer) => bytes.subarray(4, 8).toString('latin1') === 'ftyp';

  beforeAll(async () => {
    environment = await freshEnvironment();
    api = await startApi(environment);
    ingest = await startIngest(environment);
    worker = await startWorker(environment);
    ws = await signupWorkspace(api);
    igAccount = sim().newInstagramAccount();
    const ig = await ws.http.post('/api/v1/channels', {
      type: 'instagram',
      name: 'Instagram DMs',
      ig_user_id: igAccount.igUserId,
      access_token: igAccount.accessToken,
    });
    expect(ig.status).toBe(201);
    const tg = await ws.http.post('/api/v1/channels', {
      type: 'telegram',
      name: 'Support bot',
      bot_token: sim().newBotToken(),
    });
    expect(tg.status).toBe(201);
    telegram = tg.body;
  });
  afterEach(() => {
    sim().beforeInstagramAnswer = undefined;
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(async () => {
    await worker.close();
    await ingest.close();
    await api.close();
    await environment.close();
  });

  describe('echoes', () => {
    it('a message typed in the Instagram app is shown once, as sent from the Instagram app, and never sent back', async () => {
      const { igsid, conversationId, chat } = await igConversation();
      const echo = sim().instagramEcho(igAccount.igUserId, igsid, { text: 'Typed on the phone' });
      const mid = await posted(echo);
      const frame = await chat.next(
        (f) => f.type === 'chat_message' && f.message.content === 'Typed on the phone',
      );
      expect(frame.message).toMatchObject({
        type: 'support',
        status: 'sent',
        sender: {
          kind: 'platform_app',
          id: expect.any(String),
          name: 'Instagram app',
          platform: 'instagram',
        },
        external_send_result: { success: true, message_id: mid },
      });
      expect(frame.external_send_result).toEqual({ success: true, message_id: mid });
      // Meta delivers again: still one message.
      await posted(echo);
      await deliveriesHandled();
      expect(await messagesWith(mid)).toEqual([{ id: frame.message.id, type: 'support', sent_in_app: true }]);
      const history = await ws.http.get(`/api/v1/conversations/${conversationId}/messages`);
      expect(history.body.data.filter((m: Frame) => m.content === 'Typed on the phone')).toHaveLength(1);

      // An agent's reply after it is sent; the echo never was (the worker had its chance first).
      const after = await reply(conversationId, 'And from Parley');
      await eventually(async () => expect((await statusOf(after.id)).status).toBe('sent'), 10000);
      expect(sendsTo(igsid).map((c) => (c.body.message as { text?: string }).text)).toEqual([
        'And from Parley',
      ]);
      expect(await statusOf(frame.message.id)).toMatchObject({ status: 'sent', external_id: mid });
    });

    it("our own reply's echo is not stored again", async () => {
      const { igsid, conversationId } = await igConversation();
      const sent = await reply(conversationId, 'We ship to Shiraz');
      await eventually(async () => expect((await statusOf(sent.id)).status).toBe('sent'), 10000);
      const { external_id: mid } = await statusOf(sent.id);
      await posted(sim().instagramEcho(igAccount.igUserId, igsid, { mid, text: 'We ship to Shiraz' }));
      await deliveriesHandled();
      expect(await messagesWith(mid!)).toEqual([{ id: sent.id, type: 'support', sent_in_app: false }]);
      expect(sendsTo(igsid)).toHaveLength(1);
    });

    it("our own reply's echo arriving before the send's answer is still stored once, as our reply", async () => {
      const { igsid, conversationId } = await igConversation();
      let echoed: string | null = null;
      // Meta posts the echo, and the worker reads it, while the send is still waiting for its answer.
      sim().beforeInstagramAnswer = async (send) => {
        if (send.recipient !== igsid) return;
        echoed = await posted(
          sim().instagramEcho(igAccount.igUserId, igsid, { mid: send.mid, text: 'Early' }),
        );
        await eventually(async () => {
          const [row] = await api.db.query('SELECT attempts FROM inbound_update');
          expect(row?.attempts).toBeGreaterThanOrEqual(1);
        }, 10000);
      };
      const sent = await reply(conversationId, 'Early');
      await eventually(async () => expect((await statusOf(sent.id)).status).toBe('sent'), 15000);
      expect(echoed).not.toBeNull();
      expect((await statusOf(sent.id)).external_id).toBe(echoed);
      await deliveriesHandled();
      expect(await messagesWith(echoed!)).toEqual([{ id: sent.id, type: 'support', sent_in_app: false }]);
      const history = await ws.http.get(`/api/v1/conversations/${conversationId}/messages`);
      expect(history.body.data.map((m: Frame) => m.content)).toEqual(['hello', 'Early']);
    }, 30000);
  });

  describe('stories', () => {
    it.each([['a story reply', 'reply'] as const, ['a story mention', 'mention'] as const])(
      '%s shows the story: its link and its preview, fetched from the CDN',
      async (_name, kind) => {
        const { igsid, chat } = await igConversation();
        const delivery =
          kind === 'reply'
            ? sim().instagramStoryReply(
                igAccount.igUserId,
                igsid,
                'Is this still available?',
                '3355111222333444555',
              )
            : sim().instagramStoryMention(igAccount.igUserId, igsid);
        await posted(delivery);
        const created = await chat.next((f) => f.type === 'chat_message' && f.message.story);
        expect(created.message.story).toEqual({
          kind,
          id: kind === 'reply' ? '3355111222333444555' : null,
          url: expect.stringMatching(new RegExp(`^${sim().cdnUrl}/ig-media/`)),
          preview: 0,
        });
        if (kind === 'reply') expect(created.message.content).toBe('Is this still available?');
        const updated = await chat.next(
          (f) =>
            f.type === 'message_updated' &&
            f.message.id === created.message.id &&
            f.message.attachments[0]?.storage_key,
          10000,
        );
        expect(updated.message.story).toEqual(created.message.story);
        expect(
          sim()
            .mediaRequestsFor(created.message.story.url)
            .map((r) => r.host),
        ).toEqual(['cdn']);
        const preview = await served(created.message.id);
        expect(preview.bytes.equals(SAMPLE_JPEG)).toBe(true);
        expect(preview.type).toBe('image/jpeg');
      },
    );
  });

  describe('voice notes', () => {
    it("a browser's WebM/Opus voice note reaches Instagram as M4A, a format it accepts", async () => {
      const { igsid, conversationId } = await igConversation();
      const voice = await upload(conversationId, SAMPLE_WEBM_OPUS, 'voice.webm', 'audio/webm');
      expect(voice.status).toBe(201);
      await eventually(
        async () => expect(await statusOf(voice.body.id)).toMatchObject({ status: 'sent' }),
        15000,
      );
      const [sent] = sendsTo(igsid);
      expect(sent.body.message).toEqual({ attachment: { type: 'audio', payload: {} } });
      expect(sent.files).toHaveLength(1);
      expect(sent.files[0].mime).toBe('audio/mp4');
      expect(sent.files[0].name).toBe('voice.m4a');
      expect(isMp4(sent.files[0].bytes)).toBe(true);
      expect(sent.files[0].bytes.includes(Buffer.from('mp4a'))).toBe(true);
      // The original stays as recorded; no converted copy is left behind in MEDIA_DIR.
      expect((await served(voice.body.id)).bytes.equals(SAMPLE_WEBM_OPUS)).toBe(true);
      const kept = await readdir(join(environment.env.MEDIA_DIR, ws.workspaceId));
      expect(kept.filter((name) => name.startsWith('upload-'))).not.toHaveLength(0);
      expect(kept.filter((name) => name.includes('voice-'))).toEqual([]);
    }, 30000);

    it("a customer's Telegram OGG/Opus voice note is also offered as M4A, which every browser plays", async () => {
      const from = { id: 880000 + ++customer, first_name: 'Sara' };
      const update = sim().telegramMessage(telegram.external_id, from, sim().voiceFields());
      expect(await sim().postTelegramUpdate(telegram.external_id, update)).toBe(200);
      const row = await storedMessage(api, `${from.id}:${update.message.message_id}`);
      let attachment: Frame | undefined;
      await eventually(async () => {
        const history = await ws.http.get(`/api/v1/conversations/${row.conversation_id}/messages`);
        attachment = history.body.data[0].attachments[0];
        expect(attachment?.storage_key).toBeTruthy();
      }, 15000);
      expect(attachment).toMatchObject({ kind: 'voice', mime: 'audio/ogg', playable_mime: 'audio/mp4' });
      expect(attachment).not.toHaveProperty('playable_key');
      const playable = await served(row.id, '?variant=playable');
      expect(playable.type).toMatch(/^audio\/(mp4|x-m4a)$/);
      expect(isMp4(playable.bytes)).toBe(true);
      const original = await served(row.id);
      expect(original.type).toBe('audio/ogg');
      expect(original.bytes.subarray(0, 4).toString('latin1')).toBe('OggS');
    }, 30000);

    it('an upload that is not audio at all is refused with attachment_invalid, before anything is stored', async () => {
      const { conversationId } = await igConversation();
      const refused = await upload(conversationId, SAMPLE_JPEG, 'voice.webm', 'audio/webm');
      expect([refused.status, refused.body.code]).toEqual([415, 'attachment_invalid']);
      expect(refused.body.message).toMatch(/voice note/);
    });

    it('audio that only looks like WebM fails with the stable code audio_unreadable, and the worker goes on sending', async () => {
      const { igsid, conversationId, chat } = await igConversation();
      const hostile = Buffer.concat([SAMPLE_WEBM_OPUS.subarray(0, 64), Buffer.alloc(64 * 1024, 0x5a)]);
      const voice = await upload(conversationId, hostile, 'voice.webm', 'audio/webm');
      expect(voice.status).toBe(201);
      const status = await chat.next(
        (f) => f.type === 'message_status' && f.message_id === voice.body.id && f.status === 'failed',
        15000,
      );
      expect(status.external_send_result).toEqual({
        success: false,
        code: 'audio_unreadable',
        error: 'The voice note is not audio that can be converted for the platform.',
      });
      const history = await ws.http.get(`/api/v1/conversations/${conversationId}/messages`);
      expect(history.body.data.find((m: Frame) => m.id === voice.body.id)).toMatchObject({
        status: 'failed',
        failure_code: 'audio_unreadable',
        failure_reason: 'The voice note is not audio that can be converted for the platform.',
        external_send_result: { success: false, code: 'audio_unreadable' },
      });
      const next = await reply(conversationId, 'still here');
      await eventually(async () => expect((await statusOf(next.id)).status).toBe('sent'), 10000);
      expect(sendsTo(igsid).map((c) => (c.body.message as { text?: string }).text)).toEqual(['still here']);
    }, 30000);
  });

  describe('a conversion past its time bound', () => {
    let slow: { environment: TestEnvironment; apps: TestApp[]; ws: Workspace; bot: { external_id: string } };

    beforeAll(async () => {
      const environment = await freshEnvironment({ TRANSCODE_TIMEOUT_MS: '100' });
      const apps = [
        await startApi(environment),
        await startIngest(environment),
        await startWorker(environment),
      ];
      const owner = await signupWorkspace(apps[0]);
      const bot = await owner.http.post('/api/v1/channels', {
        type: 'telegram',
        name: 'Slow bot',
        bot_token: environment.simulator.newBotToken(),
      });
      expect(bot.status).toBe(201);
      slow = { environment, apps, ws: owner, bot: bot.body };
    });
    afterAll(async () => {
      for (const app of slow.apps.reverse()) await app.close();
      await slow.environment.close();
    });

    it('is killed: the reply fails with transcode_timeout and the worker goes on sending', async () => {
      const [slowApi] = slow.apps;
      const simulator = slow.environment.simulator;
      const from = { id: 990000 + ++customer, first_name: 'Omid' };
      const update = simulator.telegramMessage(slow.bot.external_id, from, { text: 'hi' });
      expect(await simulator.postTelegramUpdate(slow.bot.external_id, update)).toBe(200);
      const row = await storedMessage(slowApi, `${from.id}:${update.message.message_id}`);
      // Ten minutes of 16 kHz mono WAV (under the 20 MB upload cap): Telegram needs it as OGG/Opus,
      // and no machine converts that within 100 ms.
      const pcm = Buffer.alloc(16000 * 2 * 600);
      const header = Buffer.alloc(44);
      header.write('RIFF', 0, 'latin1');
      header.writeUInt32LE(36 + pcm.length, 4);
      header.write('WAVEfmt ', 8, 'latin1');
      header.writeUInt32LE(16, 16);
      header.writeUInt16LE(1, 20);
      header.writeUInt16LE(1, 22);
      header.writeUInt32LE(16000, 24);
      header.writeUInt32LE(32000, 28);
      header.writeUInt16LE(2, 32);
      header.writeUInt16LE(16, 34);
      header.write('data', 36, 'latin1');
      header.writeUInt32LE(pcm.length, 40);
      const form = new FormData();
      form.append('kind', 'voice');
      form.append('duration', '600');
      form.append('file', new Blob([Buffer.concat([header, pcm])], { type: 'audio/wav' }), 'long.wav');
      const res = await fetch(`${slowApi.url}/api/v1/conversations/${row.conversation_id}/attachments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${slow.ws.token}` },
        body: form,
      });
      expect(res.status).toBe(201);
      const voice = (await res.json()) as Frame;
      const stateOf = async (id: string) =>
        (await slowApi.db.query('SELECT status, failure_code FROM message WHERE id = $1', [id]))[0] as {
          status: string;
          failure_code: string | null;
        };
      await eventually(
        async () =>
          expect(await stateOf(voice.id)).toEqual({ status: 'failed', failure_code: 'transcode_timeout' }),
        15000,
      );
      expect(simulator.calls.filter((c) => c.method === 'sendVoice')).toEqual([]);
      const next = await slow.ws.http.post(
        `/api/v1/message/conversation/${row.conversation_id}/send-message/`,
        {
          content: 'sorry, typing instead',
          type: 'support',
        },
      );
      expect(next.status).toBe(201);
      await eventually(async () => expect((await stateOf(next.body.id)).status).toBe('sent'), 10000);
    }, 60000);
  });
});
