import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InboundMessageService } from '@parley/domain/services/inbound-message.service';
import { RetentionService } from '@parley/domain/services/retention.service';
import { ChannelRetention1796041000000 } from '../migrations/1796041000000-channel-retention';
import { RetentionScheduler } from '../apps/worker/src/processors/retention.scheduler';
import { freshEnvironment, startApi, startWorker, TestApp, TestEnvironment } from './support/app';
import { addAgent, createChannel, customerWrites, signupWorkspace, Workspace } from './support/factories';
import { eventually, WsClient } from './support/ws';

const secret = (label: string) => `${label}-${randomBytes(6).toString('hex')}`;

/**
 * A channel's retention period: messages older than it lose their text and media everywhere
 * Parley wrote them, and keep their place as markers; recent ones and other channels' stay.
 */
describe('message retention', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let worker: TestApp;
  let ws: Workspace;
  let divarId: string;
  let telegramId: string;
  const sockets: WsClient[] = [];

  const divarChannel = async (workspace: Workspace, name = 'Acme on Divar') => {
    const res = await workspace.http.post('/api/v1/channels', {
      type: 'divar',
      name,
      app_slug: `app-${randomBytes(3).toString('hex')}`,
      api_key: 'divar-api-key-0001',
      identification_key: 'divar-identification-key-0001',
      client_secret: 'divar-client-secret-0001',
    });
    expect(res.status).toBe(201);
    return res.body;
  };
  /** Moves a message (and its events' idea of it) back in time. */
  const age = (messageId: string, days: number) =>
    api.db.query(`UPDATE message SET created_at = now() - make_interval(days => $2) WHERE id = $1`, [
      messageId,
      days,
    ]);
  /** A stored file the media job would have fetched, with the event copy its update wrote. */
  const withFile = async (messageId: string) => {
    const key = `${ws.workspaceId}/${messageId}-0`;
    const path = join(environment.config.mediaDir, key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, 'jpeg bytes');
    const attachments = JSON.stringify([
      {
        kind: 'image',
        mime: 'image/jpeg',
        size: 10,
        duration: null,
        storage_key: key,
        file_name: 'passport.jpg',
        source: 'divar-media-ref',
      },
    ]);
    await api.db.query(`UPDATE message SET attachments = $2 WHERE id = $1`, [messageId, attachments]);
    await api.db.query(
      `UPDATE event SET payload = jsonb_set(payload, '{message,attachments}', $2::jsonb)
        WHERE payload->'message'->>'id' = $1`,
      [messageId, attachments],
    );
    return path;
  };
  const open = async (path: string, token: string, since?: number) => {
    const client = await WsClient.connect(api.url, path, { token, since });
    sockets.push(client);
    return client;
  };
  const countIn = async (text: string) =>
    (
      await api.db.query(
        `SELECT (SELECT count(*) FROM event WHERE strpos(payload::text, $1) > 0)::int AS events,
                (SELECT count(*) FROM message WHERE strpos(content, $1) > 0 OR strpos(attachments::text, $1) > 0)::int AS messages,
                (SELECT count(*) FROM conversation WHERE strpos(last_message_preview, $1) > 0)::int AS previews,
                (SELECT count(*) FROM inbound_update WHERE strpos(body::text, $1) > 0)::int AS deliveries`,
        [text],
      )
    )[0];

  beforeAll(async () => {
    environment = await freshEnvironment({ RETENTION_SCAN_INTERVAL_SECONDS: '3600' });
    api = await startApi(environment);
    worker = await startWorker(environment);
    ws = await signupWorkspace(api);
    divarId = (await divarChannel(ws)).id;
    telegramId = (await createChannel(api, ws.workspaceId)).id;
  }, 60000);
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await environment?.close();
  });

  it('gives Divar channels that existed before the migration 30 days, and others none', async () => {
    const migration = new ChannelRetention1796041000000();
    const runner = api.db.createQueryRunner();
    try {
      await migration.down(runner);
      await migration.up(runner);
    } finally {
      await runner.release();
    }
    const rows = await api.db.query(
      `SELECT id, retention_days FROM channel WHERE id = ANY($1::uuid[]) ORDER BY type`,
      [[divarId, telegramId]],
    );
    expect(rows).toEqual([
      { id: divarId, retention_days: 30 },
      { id: telegramId, retention_days: null },
    ]);
    await expect(
      api.db.query(`UPDATE channel SET retention_days = 0 WHERE id = $1`, [divarId]),
    ).rejects.toThrow(/channel_retention_days_range/);
  });

  it('keeps a new Divar channel’s messages 30 days, other channels’ for good', async () => {
    const channels = (await ws.http.get('/api/v1/channels')).body as {
      id: string;
      retention_days: number | null;
    }[];
    expect(channels.find((c) => c.id === divarId)!.retention_days).toBe(30);
    expect(channels.find((c) => c.id === telegramId)!.retention_days).toBeNull();
  });

  it('erases old messages’ text, media and every copy of them, keeps recent ones, and tells open dashboards', async () => {
    const [oldText, editedText, noteText, recentText, telegramText, deliveryText] = [
      secret('OLD'),
      secret('EDITED'),
      secret('NOTE'),
      secret('RECENT'),
      secret('TELEGRAM'),
      secret('DELIVERY'),
    ];
    const customer = { userId: 'post:conv-retention-1', text: `${oldText} is the ad still there?` };
    const { message: old } = await customerWrites(api, ws.workspaceId, divarId, customer);
    const conversationId = old.conversation_id;
    // The customer edited it on the platform: the edit's event carries the new text.
    const [{ external_id: oldExternalId }] = await api.db.query(
      `SELECT external_id FROM message WHERE id = $1`,
      [old.id],
    );
    await api
      .get(InboundMessageService)
      .platformEdit(ws.workspaceId, divarId, oldExternalId, `${editedText} still there?`);
    const file = await withFile(old.id);
    const note = await ws.http.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
      content: noteText,
      type: 'note',
    });
    expect(note.status).toBe(201);
    await age(old.id, 40);
    await age(note.body.id, 31);
    const { message: recent } = await customerWrites(api, ws.workspaceId, divarId, {
      userId: 'post:conv-retention-1',
      text: recentText,
    });
    await age(recent.id, 29);
    // A conversation whose every message is old: its preview goes too.
    const { message: lonely } = await customerWrites(api, ws.workspaceId, divarId, {
      userId: 'bot:conv-retention-2',
      text: `${oldText} alone`,
    });
    await age(lonely.id, 45);
    // Telegram keeps everything.
    const { message: telegram } = await customerWrites(api, ws.workspaceId, telegramId, {
      text: telegramText,
    });
    await age(telegram.id, 400);
    // A webhook delivery of the channel recorded before the period, never processed.
    await api.db.query(
      `INSERT INTO inbound_update (platform, channel_id, body, received_at, failed_at)
       VALUES ('divar', $1, $2, now() - interval '40 days', now() - interval '40 days')`,
      [divarId, JSON.stringify({ type: 'NEW_MESSAGE', new_message: { text: deliveryText } })],
    );

    const chat = await open(`/ws/chat/${conversationId}/`, ws.token);
    await chat.next((f) => f.type === 'recent_messages');
    const list = await open('/ws/conversations/', ws.token);

    expect(await worker.get(RetentionScheduler).run()).toBe(3);

    // The rows stay, with their seq, as markers that say why.
    const rows = await api.db.query(
      `SELECT id, seq, type, content, attachments, expired_at IS NOT NULL AS expired, expired_after_days
         FROM message WHERE id = ANY($1::uuid[]) ORDER BY seq`,
      [[old.id, note.body.id, recent.id, lonely.id, telegram.id]],
    );
    expect(
      rows.map(
        (r: {
          id: string;
          seq: string;
          content: string;
          expired: boolean;
          expired_after_days: number | null;
        }) => [r.id, r.seq, r.content, r.expired, r.expired_after_days],
      ),
    ).toEqual([
      [old.id, String(old.seq), '', true, 30],
      [note.body.id, String(note.body.seq), '', true, 30],
      [recent.id, String(recent.seq), recentText, false, null],
      [lonely.id, String(lonely.seq), '', true, 30],
      [telegram.id, String(telegram.seq), telegramText, false, null],
    ]);
    expect(rows[0].attachments).toEqual([
      { kind: 'image', mime: 'image/jpeg', size: 10, duration: null, storage_key: null, error: 'expired' },
    ]);
    expect(existsSync(file)).toBe(false);

    // Open dashboards hear of it: the chat its markers, the list the emptied preview.
    const updated = await chat.next((f) => f.type === 'message_updated' && f.message.id === old.id);
    expect(updated.message).toMatchObject({ content: '', expired: { after_days: 30 } });
    await list.next(
      (f) =>
        f.type === 'conversation_updated' &&
        f.conversation.id === lonely.conversation_id &&
        f.conversation.last_message_preview === '',
    );

    // No door brings the text back: REST, a resumed socket's replay, the event log, the previews.
    const agent = await addAgent(api, ws);
    const history = await agent.http.get(`/api/v1/conversations/${conversationId}/messages`);
    expect(
      history.body.data.map((m: { id: string; content: string; expired: unknown }) => [
        m.id,
        m.content,
        m.expired,
      ]),
    ).toEqual([
      [old.id, '', { at: expect.any(String), after_days: 30 }],
      [note.body.id, '', { at: expect.any(String), after_days: 30 }],
      [recent.id, recentText, null],
    ]);
    const conversations = await agent.http.get('/api/v1/conversations');
    const replay = await open(`/ws/chat/${conversationId}/`, agent.token, 0);
    const listReplay = await open('/ws/conversations/', agent.token, 0);
    await replay.next((f) => f.type === 'message_updated' && f.message.id === old.id && f.message.expired);
    await listReplay.next(
      (f) => f.type === 'conversation_updated' && f.conversation.id === lonely.conversation_id,
    );
    const seen = JSON.stringify([history.body, conversations.body, replay.frames, listReplay.frames]);
    for (const text of [oldText, editedText, noteText, 'passport.jpg', 'divar-media-ref', deliveryText]) {
      expect([text, seen.includes(text)]).toEqual([text, false]);
      expect([text, await countIn(text)]).toEqual([
        text,
        { events: 0, messages: 0, previews: 0, deliveries: 0 },
      ]);
    }
    expect(seen).toContain(recentText);
    expect((await countIn(telegramText)).messages).toBe(1);
    const previews = await api.db.query(
      `SELECT id, last_message_preview FROM conversation WHERE id = ANY($1::uuid[]) ORDER BY last_message_preview`,
      [[conversationId, lonely.conversation_id]],
    );
    expect(previews).toEqual([
      { id: lonely.conversation_id, last_message_preview: '' },
      { id: conversationId, last_message_preview: recentText },
    ]);

    // Nothing restores it: a platform edit is ignored, an agent's edit refused, a second scan finds nothing.
    await api.get(InboundMessageService).platformEdit(ws.workspaceId, divarId, oldExternalId, 'back again');
    expect((await api.db.query(`SELECT content FROM message WHERE id = $1`, [old.id]))[0].content).toBe('');
    chat.send({ type: 'edit_message', message_id: note.body.id, content: 'new words' });
    expect((await chat.next((f) => f.type === 'error')).code).toBe('message_not_editable');
    expect((await countIn('new words')).messages).toBe(0);
    expect(await worker.get(RetentionScheduler).run()).toBe(0);
  });

  it('erases each message once when several workers scan at once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { message } = await customerWrites(api, ws.workspaceId, divarId, {
        userId: `post:conv-concurrent-${i}`,
        text: secret('CONCURRENT'),
      });
      await age(message.id, 60);
      ids.push(message.id);
    }
    const counts = await Promise.all([
      api.get(RetentionService).scan(),
      worker.get(RetentionService).scan(),
      worker.get(RetentionScheduler).run(),
    ]);
    // Whichever took which, every message was erased exactly once, with one event each.
    expect(counts.reduce((a, b) => a + b, 0)).toBe(5);
    const [{ events }] = await api.db.query(
      `SELECT count(*)::int AS events FROM event
        WHERE type = 'message.updated' AND payload->'message'->>'id' = ANY($1::text[])
          AND payload->'message'->'expired' IS NOT NULL AND payload->'message'->>'expired' <> 'null'`,
      [ids],
    );
    expect(events).toBe(5);
  });

  it('lets an admin set or lift the period, refuses bad values with a stable code, and keeps tenants apart', async () => {
    const other = await signupWorkspace(api);
    const otherDivar = await divarChannel(other, 'Other shop');
    const agent = await addAgent(api, ws);

    for (const bad of [0, -1, 3651, 1.5, '30', true, {}, []]) {
      const res = await ws.http.patch(`/api/v1/channels/${divarId}`, { retention_days: bad });
      expect([bad, res.status, res.body.code]).toEqual([bad, 400, 'retention_days_invalid']);
    }
    const fa = await ws.http.patch(`/api/v1/channels/${divarId}`, { retention_days: 0 }, { lang: 'fa' });
    expect(fa.body.message).toContain('retention_days');
    expect(fa.body.message).not.toBe(
      (await ws.http.patch(`/api/v1/channels/${divarId}`, { retention_days: 0 })).body.message,
    );

    // Another workspace's admin cannot see or change it; an agent may not change it.
    expect((await other.http.patch(`/api/v1/channels/${divarId}`, { retention_days: null })).status).toBe(
      404,
    );
    expect((await ws.http.patch(`/api/v1/channels/${otherDivar.id}`, { retention_days: null })).status).toBe(
      404,
    );
    expect((await agent.http.patch(`/api/v1/channels/${divarId}`, { retention_days: null })).status).toBe(
      403,
    );
    expect((await ws.http.get(`/api/v1/channels/${divarId}`)).body.retention_days).toBe(30);
    expect((await other.http.get(`/api/v1/channels/${otherDivar.id}`)).body.retention_days).toBe(30);

    const seven = await ws.http.patch(`/api/v1/channels/${divarId}`, { retention_days: 7 });
    expect([seven.status, seven.body.retention_days]).toEqual([200, 7]);
    const { message: week } = await customerWrites(api, ws.workspaceId, divarId, {
      userId: 'post:conv-week',
      text: secret('WEEK'),
    });
    await age(week.id, 8);
    // Other workspace's old message, on its own 30-day channel: left alone.
    const { message: theirs } = await customerWrites(api, other.workspaceId, otherDivar.id, {
      userId: 'post:conv-theirs',
      text: 'theirs, 8 days old',
    });
    await age(theirs.id, 8);
    // (with the earlier test's 29-day-old message, now past 7 days too)
    expect(await worker.get(RetentionScheduler).run()).toBe(2);
    expect((await api.db.query(`SELECT content FROM message WHERE id = $1`, [week.id]))[0].content).toBe('');
    expect((await api.db.query(`SELECT content FROM message WHERE id = $1`, [theirs.id]))[0].content).toBe(
      'theirs, 8 days old',
    );

    // Lifted: nothing more is erased, however old.
    const lifted = await ws.http.patch(`/api/v1/channels/${divarId}`, { retention_days: null });
    expect([lifted.status, lifted.body.retention_days]).toEqual([200, null]);
    const { message: kept } = await customerWrites(api, ws.workspaceId, divarId, {
      userId: 'post:conv-kept',
      text: 'kept forever',
    });
    await age(kept.id, 900);
    expect(await worker.get(RetentionScheduler).run()).toBe(0);
    expect((await api.db.query(`SELECT content FROM message WHERE id = $1`, [kept.id]))[0].content).toBe(
      'kept forever',
    );
    await eventually(async () =>
      expect((await ws.http.get(`/api/v1/channels/${divarId}`)).body.retention_days).toBeNull(),
    );
  });
});
