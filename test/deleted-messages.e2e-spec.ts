import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DeletedMessagesKeepNoText1796002216573 } from '../migrations/1796002216573-deleted-messages-keep-no-text';
import { SAMPLE_JPEG } from '../tools/simulator/samples';
import {
  freshEnvironment,
  startApi,
  startIngest,
  startWorker,
  TestApp,
  TestEnvironment,
} from './support/app';
import { addAgent, createChannel, customerWrites, signupWorkspace, Workspace } from './support/factories';
import { eventually, Frame, WsClient } from './support/ws';

const secret = (label: string) => `${label}-${randomBytes(6).toString('hex')}`;

/**
 * A deleted reply or note, and a message the customer unsent, keep their place (who deleted them
 * and when) but what they said is gone: from the inbox list, the history, every socket replay
 * and the event log itself.
 */
describe('deleted text stays deleted', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let ingest: TestApp;
  let worker: TestApp;
  let ws: Workspace;
  let telegramId: string;
  const sockets: WsClient[] = [];

  beforeAll(async () => {
    environment = await freshEnvironment();
    api = await startApi(environment);
    ingest = await startIngest(environment);
    worker = await startWorker(environment);
    ws = await signupWorkspace(api);
    telegramId = (await createChannel(api, ws.workspaceId)).id;
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(async () => {
    await worker.close();
    await ingest.close();
    await api.close();
    await environment.close();
  });

  const open = async (path: string, token: string, since?: number) => {
    const client = await WsClient.connect(api.url, path, { token, since });
    sockets.push(client);
    return client;
  };

  /** Every door a deleted text could come back through, as agent `token` sees it. */
  const assertGone = async (texts: string[], conversationId: string, deletedIds: string[], token: string) => {
    const http = ws.http.as(token);
    const rest = [
      await http.get('/api/v1/conversations'),
      await http.get(`/api/v1/conversations/${conversationId}`),
      await http.get(`/api/v1/conversations/${conversationId}/messages`),
      ...(await Promise.all(texts.map((text) => http.get(`/api/v1/conversations?q=${text}`)))),
    ];
    for (const res of rest) expect(res.status).toBe(200);

    const chatReplay = await open(`/ws/chat/${conversationId}/`, token, 0);
    const chatRecent = await open(`/ws/chat/${conversationId}/`, token);
    await chatRecent.next((f) => f.type === 'recent_messages');
    const list = await open('/ws/conversations/', token, 0);
    const notifications = await open('/ws/notifications/', token, 0);
    // A new conversation after connecting: once its frames arrive, every replayed frame is in.
    const marker = await customerWrites(api, ws.workspaceId, telegramId, { text: 'marker' });
    await list.next((f) => f.conversation?.id === marker.message.conversation_id);
    await notifications.next((f) => f.conversation?.id === marker.message.conversation_id);
    await eventually(() =>
      expect(chatReplay.ofType('message_deleted').map((f) => f.message_id)).toEqual(deletedIds),
    );

    const seen = JSON.stringify([
      rest.map((r) => r.body),
      chatReplay.frames,
      chatRecent.frames,
      list.frames,
      notifications.frames,
    ]);
    for (const text of texts) {
      expect(seen).not.toContain(text);
      const [stored] = await api.db.query(
        `SELECT (SELECT count(*) FROM event WHERE strpos(payload::text, $1) > 0)::int AS events,
                (SELECT count(*) FROM message WHERE strpos(content, $1) > 0 OR strpos(attachments::text, $1) > 0)::int AS messages,
                (SELECT count(*) FROM conversation WHERE strpos(last_message_preview, $1) > 0)::int AS previews,
                (SELECT count(*) FROM security_event WHERE strpos(detail::text, $1) > 0)::int AS security_events`,
        [text],
      );
      expect([text, stored]).toEqual([text, { events: 0, messages: 0, previews: 0, security_events: 0 }]);
    }
    return { chatReplay, notifications };
  };

  it('an agent’s deleted reply, captioned image and note with a mention leave no text or file behind; who and when stay', async () => {
    const author = await addAgent(api, ws);
    const colleague = await addAgent(api, ws);
    const { message: first } = await customerWrites(api, ws.workspaceId, telegramId, {
      text: 'Where is my parcel?',
    });
    const conversationId = first.conversation_id;
    const [reply, caption, note] = [secret('REPLY'), secret('CAPTION'), secret('NOTE')];

    // The reply becomes the preview (and the conversation turns support_active with that preview),
    // a later status change and a quoting reply carry it on, and an image caption replaces it.
    const sent = await author.http.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
      content: `${reply} your parcel is on its way`,
      type: 'support',
    });
    expect(sent.status).toBe(201);
    await author.http.patch(`/api/v1/message/conversation/${conversationId}/status/`, { status: 'pending' });
    const quoting = await author.http.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
      content: 'see above',
      type: 'note',
      reply_to: sent.body.id,
    });
    expect(quoting.status).toBe(201);
    const form = new FormData();
    form.append('kind', 'image');
    form.append('content', caption);
    form.append('file', new Blob([SAMPLE_JPEG], { type: 'image/jpeg' }), 'receipt.jpg');
    const upload = await fetch(`${api.url}/api/v1/conversations/${conversationId}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${author.token}` },
      body: form,
    });
    const image = (await upload.json()) as Frame;
    const file = join(environment.config.mediaDir, image.attachments[0].storage_key);
    expect(existsSync(file)).toBe(true);
    const mentioned = await author.http.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
      content: `@${colleague.email.split('@')[0]} ${note}`,
      type: 'note',
    });
    expect(mentioned.status).toBe(201);
    expect((await ws.http.get(`/api/v1/conversations/${conversationId}`)).body.last_message_preview).toBe(
      caption,
    );

    const chat = await open(`/ws/chat/${conversationId}/`, author.token);
    await chat.next((f) => f.type === 'recent_messages');
    for (const id of [sent.body.id, image.id, mentioned.body.id]) {
      chat.send({ type: 'delete_message', message_id: id });
      expect(await chat.next((f) => f.type === 'message_deleted' && f.message_id === id)).toMatchObject({
        deleted_at: expect.any(String),
        deleted_by: { kind: 'agent', id: author.id },
      });
    }
    // The file is removed after commit; the preview falls back to the newest message left.
    await eventually(() => expect(existsSync(file)).toBe(false));
    expect((await ws.http.get(`/api/v1/conversations/${conversationId}`)).body.last_message_preview).toBe(
      'Where is my parcel?',
    );

    const history = (await ws.http.get(`/api/v1/conversations/${conversationId}/messages`)).body.data;
    for (const id of [sent.body.id, image.id, mentioned.body.id]) {
      expect(history.find((m: Frame) => m.id === id)).toMatchObject({
        deleted: true,
        content: '',
        attachments: [],
        deleted_at: expect.any(String),
        deleted_by: { kind: 'agent', id: author.id },
      });
    }
    expect(history.find((m: Frame) => m.id === quoting.body.id)).toMatchObject({
      content: 'see above',
      reply_to: sent.body.id,
    });

    for (const token of [ws.token, colleague.token]) {
      const { chatReplay, notifications } = await assertGone(
        [reply, caption, note],
        conversationId,
        [sent.body.id, image.id, mentioned.body.id],
        token,
      );
      // The replayed creation frames still come, each as deleted.
      expect(
        chatReplay.ofType('chat_message').find((f) => f.message.id === sent.body.id)?.message,
      ).toMatchObject({ deleted: true, content: '' });
      if (token === colleague.token) {
        expect(notifications.frames.find((f) => f.kind === 'mention')).toMatchObject({
          message: { id: mentioned.body.id, deleted: true, content: '' },
        });
      }
    }
  }, 30000);

  it('a customer’s message unsent on Instagram, text or photo, leaves no text or file behind', async () => {
    const sim = environment.simulator;
    const account = sim.newInstagramAccount();
    const channel = await ws.http.post('/api/v1/channels', {
      type: 'instagram',
      name: 'Instagram DMs',
      ig_user_id: account.igUserId,
      access_token: account.accessToken,
    });
    expect(channel.status).toBe(201);
    const igsid = `7${Date.now()}`;
    const says = async (message: Record<string, unknown>) => {
      const body = sim.instagramMessage(account.igUserId, igsid, message);
      expect(await sim.postInstagramWebhook(body)).toBe(200);
      return (body.entry as { messaging: { message: { mid: string } }[] }[])[0].messaging[0].message.mid;
    };
    const rowOf = async (mid: string) => {
      let row: { id: string; conversation_id: string; contact_id: string } | undefined;
      await eventually(async () => {
        [row] = await api.db.query(
          'SELECT id, conversation_id, sender_contact_id AS contact_id FROM message WHERE external_id = $1',
          [mid],
        );
        expect(row).toBeDefined();
      });
      return row!;
    };

    await says({ text: 'hello' });
    const text = secret('UNSENT');
    const textMid = await says({ text: `${text} my card number` });
    const photoMid = await says({ attachments: [sim.instagramAttachment('image')] });
    const unsentText = await rowOf(textMid);
    const photo = await rowOf(photoMid);
    const conversationId = unsentText.conversation_id;
    let file = '';
    await eventually(async () => {
      const [row] = await api.db.query('SELECT attachments FROM message WHERE id = $1', [photo.id]);
      expect(row.attachments[0].storage_key).toBeTruthy();
      file = join(environment.config.mediaDir, row.attachments[0].storage_key);
    }, 10000);
    expect(existsSync(file)).toBe(true);

    const chat = await open(`/ws/chat/${conversationId}/`, ws.token);
    await chat.next((f) => f.type === 'recent_messages');
    for (const mid of [textMid, photoMid]) {
      await says({ mid, is_deleted: true });
      expect(
        await chat.next(
          (f) =>
            f.type === 'message_deleted' && f.message_id === (mid === textMid ? unsentText.id : photo.id),
        ),
      ).toMatchObject({
        deleted_by: { kind: 'contact', id: unsentText.contact_id },
      });
    }
    await eventually(() => expect(existsSync(file)).toBe(false));
    expect((await ws.http.get(`/api/v1/conversations/${conversationId}`)).body.last_message_preview).toBe(
      'hello',
    );
    const history = (await ws.http.get(`/api/v1/conversations/${conversationId}/messages`)).body.data;
    expect(history.find((m: Frame) => m.id === unsentText.id)).toMatchObject({
      deleted: true,
      content: '',
      deleted_at: expect.any(String),
      deleted_by: { kind: 'contact', id: unsentText.contact_id },
    });
    await assertGone([text, 'my card number'], conversationId, [unsentText.id, photo.id], ws.token);
  }, 30000);

  it('the migration erases what messages deleted before it said, and records their authors as who', async () => {
    const author = await addAgent(api, ws);
    const customer = `old-${randomBytes(4).toString('hex')}`;
    const { message: kept } = await customerWrites(api, ws.workspaceId, telegramId, {
      userId: customer,
      text: 'kept text',
    });
    const [said, noted] = [secret('OLD-CUSTOMER'), secret('OLD-NOTE')];
    const { message: unsent } = await customerWrites(api, ws.workspaceId, telegramId, {
      userId: customer,
      text: said,
    });
    const note = await author.http.post(
      `/api/v1/message/conversation/${kept.conversation_id}/send-message/`,
      {
        content: noted,
        type: 'note',
      },
    );
    // Deleted as the code before this release did: the flag only, the text left everywhere.
    const migration = new DeletedMessagesKeepNoText1796002216573();
    const runner = api.db.createQueryRunner();
    try {
      await migration.down(runner);
      await runner.query(`UPDATE message SET deleted_at = now() WHERE id = ANY($1::uuid[])`, [
        [unsent.id, note.body.id],
      ]);
      await migration.up(runner);
    } finally {
      await runner.release();
    }

    for (const text of [said, noted]) {
      const [left] = await api.db.query(
        `SELECT (SELECT count(*) FROM event WHERE strpos(payload::text, $1) > 0)::int AS events,
                (SELECT count(*) FROM message WHERE strpos(content, $1) > 0)::int AS messages,
                (SELECT count(*) FROM conversation WHERE strpos(last_message_preview, $1) > 0)::int AS previews`,
        [text],
      );
      expect(left).toEqual({ events: 0, messages: 0, previews: 0 });
    }
    const rows = await api.db.query(
      `SELECT id, content, deleted_by_agent_id FROM message WHERE id = ANY($1::uuid[]) ORDER BY seq`,
      [[kept.id, unsent.id, note.body.id]],
    );
    expect(rows).toEqual([
      { id: kept.id, content: 'kept text', deleted_by_agent_id: null },
      { id: unsent.id, content: '', deleted_by_agent_id: null },
      { id: note.body.id, content: '', deleted_by_agent_id: author.id },
    ]);
    expect(
      (await ws.http.get(`/api/v1/conversations/${kept.conversation_id}`)).body.last_message_preview,
    ).toBe('kept text');
  });
});
