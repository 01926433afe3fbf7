import { SAMPLE_JPEG } from '../tools/simulator/samples';
import type { RecordedCall } from '../tools/simulator/simulator';
import { PlatformChangeService } from '@parley/domain/services/platform-change.service';
import { OutboundQueue } from '@parley/queue/outbound.queue';
import {
  startApi,
  startIngest,
  startWorker,
  freshEnvironment,
  TestApp,
  TestEnvironment,
} from './support/app';
import { signupWorkspace, storedMessage, Workspace } from './support/factories';
import { eventually, Frame, WsClient } from './support/ws';

/**
 * What agents change, customers see: an agent's edit, delete or reaction goes through the worker
 * to the platform (the simulator plays Telegram and Instagram), and the message says how it stands
 * there — pending, applied, failed with the platform's reason, or unsupported.
 */
describe('agents’ changes reach the platform', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let ingest: TestApp;
  let worker: TestApp;
  let ws: Workspace;
  let telegram: { id: string; external_id: string };
  let igAccount: { igUserId: string; accessToken: string };
  let customerId = 91_000;
  const sockets: WsClient[] = [];

  const sim = () => environment.simulator;
  const calls = (method: string, platform: RecordedCall['platform'] = 'telegram') =>
    sim().calls.filter((c) => c.platform === platform && c.method === method);
  /** Telegram calls on one chat message (`<chat id>:<message id>`): message ids repeat across chats. */
  const callsOn = (method: string, externalId: string) => {
    const [chatId, messageId] = externalId.split(':');
    return calls(method).filter(
      (c) => String(c.body.chat_id) === chatId && String(c.body.message_id) === messageId,
    );
  };
  const igActions = () =>
    calls('messages', 'instagram').filter(
      (c) => c.body.sender_action === 'react' || c.body.sender_action === 'unreact',
    );

  const open = async (conversationId: string, token = ws.token) => {
    const client = await WsClient.connect(api.url, `/ws/chat/${conversationId}/`, { token });
    sockets.push(client);
    await client.next((f) => f.type === 'recent_messages');
    return client;
  };

  /** A Telegram customer writes to the bot through the real webhook; their message as stored. */
  const telegramCustomer = async (botId = telegram.external_id) => {
    const from = { id: ++customerId, first_name: 'Sara' };
    const update = sim().telegramMessage(botId, from, { text: 'hello there' });
    expect(await sim().postTelegramUpdate(botId, update)).toBe(200);
    const externalId = `${from.id}:${update.message.message_id}`;
    const row = await storedMessage(api, externalId);
    return { conversationId: row.conversation_id, messageId: row.id, externalId };
  };

  /** An Instagram customer writes through the signed webhook; their message (by mid) as stored. */
  const instagramCustomer = async () => {
    const igsid = `6${Date.now()}${++customerId}`;
    const hello = sim().instagramMessage(igAccount.igUserId, igsid, { text: 'hi from Instagram' });
    expect(await sim().postInstagramWebhook(hello)).toBe(200);
    const mid = (hello.entry as { messaging: { message: { mid: string } }[] }[])[0].messaging[0].message.mid;
    const row = await storedMessage(api, mid);
    return { conversationId: row.conversation_id, messageId: row.id, mid };
  };

  /** A support reply, once the platform has it: its id and platform id. */
  const sentReply = async (conversationId: string, content: string) => {
    const res = await ws.http.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
      content,
      type: 'support',
    });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, externalId: await sentAs(res.body.id) };
  };
  const sentAs = async (messageId: string) => {
    let externalId = '';
    await eventually(async () => {
      const [row] = await api.db.query('SELECT status, external_id FROM message WHERE id = $1', [messageId]);
      expect(row.status).toBe('sent');
      externalId = row.external_id;
    }, 10_000);
    return externalId;
  };

  /** The message as REST answers it in its conversation's history. */
  const restMessage = async (conversationId: string, messageId: string) => {
    const res = await ws.http.get(`/api/v1/conversations/${conversationId}/messages`);
    expect(res.status).toBe(200);
    return (res.body.data as Frame[]).find((m) => m.id === messageId)!;
  };
  const changeFrame = (client: WsClient, messageId: string, state: string, timeoutMs = 10_000, from = 0) =>
    client.next(
      (f) =>
        f.type === 'message_platform_change' &&
        f.message_id === messageId &&
        f.platform_change.state === state,
      timeoutMs,
      from,
    );

  beforeAll(async () => {
    environment = await freshEnvironment();
    api = await startApi(environment);
    ingest = await startIngest(environment);
    worker = await startWorker(environment);
    ws = await signupWorkspace(api);
    const created = await ws.http.post('/api/v1/channels', {
      type: 'telegram',
      name: 'Support bot',
      bot_token: sim().newBotToken(),
    });
    expect(created.status).toBe(201);
    telegram = created.body;
    igAccount = sim().newInstagramAccount();
    const ig = await ws.http.post('/api/v1/channels', {
      type: 'instagram',
      name: 'Instagram DMs',
      ig_user_id: igAccount.igUserId,
      access_token: igAccount.accessToken,
    });
    expect(ig.status).toBe(201);
  });
  afterEach(() => {
    sim().clearFaults();
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(async () => {
    await worker.close();
    await ingest.close();
    await api.close();
    await environment.close();
  });

  it('says per platform what agents’ changes do there, before an agent acts', async () => {
    const res = await ws.http.get('/api/v1/platforms');
    expect(res.status).toBe(200);
    const byType = Object.fromEntries((res.body as Frame[]).map((p) => [p.type, p.changes]));
    expect(byType.telegram).toMatchObject({ edit: true, delete: true, react: true, delete_within_hours: 48 });
    expect(byType.telegram.reactions).toContain('👍');
    expect(byType.instagram).toEqual({
      edit: false,
      delete: false,
      react: true,
      delete_within_hours: null,
      reactions: ['❤️'],
    });
  });

  it('an edit of a sent Telegram reply reaches the customer as editMessageText; a watching agent hears pending, then applied', async () => {
    const { conversationId } = await telegramCustomer();
    const reply = await sentReply(conversationId, 'Your order ships tomorow');
    const author = await open(conversationId);
    const watcher = await open(conversationId);
    author.send({ type: 'edit_message', message_id: reply.id, content: 'Your order ships tomorrow' });

    const updated = await watcher.next((f) => f.type === 'message_updated' && f.message.id === reply.id);
    expect(updated.message.platform_change).toMatchObject({ kind: 'edit', state: 'pending', reason: null });
    await changeFrame(watcher, reply.id, 'pending');
    const applied = await changeFrame(watcher, reply.id, 'applied');
    expect(applied).toMatchObject({
      conversation_id: conversationId,
      platform_change: { kind: 'edit', reason: null },
    });

    const [chatId] = reply.externalId.split(':');
    const edits = callsOn('editMessageText', reply.externalId);
    expect(edits.map((c) => [String(c.body.chat_id), c.body.text, c.status])).toEqual([
      [chatId, 'Your order ships tomorrow', 200],
    ]);
    expect(sim().telegramChatMessage(telegram.external_id, reply.externalId)?.text).toBe(
      'Your order ships tomorrow',
    );
    expect((await restMessage(conversationId, reply.id)).platform_change).toMatchObject({
      kind: 'edit',
      state: 'applied',
    });
    // The newest message: the inbox list's preview shows the edited text.
    expect((await ws.http.get(`/api/v1/conversations/${conversationId}`)).body.last_message_preview).toBe(
      'Your order ships tomorrow',
    );
  });

  it('an edit made while its reply is still being sent waits for the send, then reaches Telegram', async () => {
    const { conversationId } = await telegramCustomer();
    sim().inject({ platform: 'telegram', method: 'sendMessage', times: 1, delayMs: 1500 });
    const client = await open(conversationId);
    const res = await ws.http.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
      content: 'Sent in a hury',
      type: 'support',
    });
    expect(res.body.status).toBe('sending');
    client.send({ type: 'edit_message', message_id: res.body.id, content: 'Sent in a hurry' });
    const pending = await changeFrame(client, res.body.id, 'pending');
    expect(pending.platform_change.kind).toBe('edit');
    await changeFrame(client, res.body.id, 'applied');
    const externalId = await sentAs(res.body.id);
    expect(sim().telegramChatMessage(telegram.external_id, externalId)?.text).toBe('Sent in a hurry');
  });

  it('an edit of a reply that carried an image reaches Telegram as editMessageCaption', async () => {
    const { conversationId } = await telegramCustomer();
    const form = new FormData();
    form.append('kind', 'image');
    form.append('content', 'Here is your receit');
    form.append('file', new Blob([SAMPLE_JPEG], { type: 'image/jpeg' }), 'receipt.jpg');
    const upload = await fetch(`${api.url}/api/v1/conversations/${conversationId}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ws.token}` },
      body: form,
    });
    expect(upload.status).toBe(201);
    const image = (await upload.json()) as Frame;
    const externalId = await sentAs(image.id);
    const client = await open(conversationId);
    client.send({ type: 'edit_message', message_id: image.id, content: 'Here is your receipt' });
    await changeFrame(client, image.id, 'applied');

    expect(callsOn('editMessageText', externalId)).toEqual([]);
    expect(callsOn('editMessageCaption', externalId).map((c) => c.body.caption)).toEqual([
      'Here is your receipt',
    ]);
    expect(sim().telegramChatMessage(telegram.external_id, externalId)?.caption).toBe('Here is your receipt');
  });

  it('a delete of a sent Telegram reply reaches deleteMessage: gone from the customer’s chat', async () => {
    const { conversationId } = await telegramCustomer();
    const reply = await sentReply(conversationId, 'sent to the wrong customer');
    const client = await open(conversationId);
    client.send({ type: 'delete_message', message_id: reply.id });
    await client.next((f) => f.type === 'message_deleted' && f.message_id === reply.id);
    await changeFrame(client, reply.id, 'applied');

    expect(callsOn('deleteMessage', reply.externalId).map((c) => c.status)).toEqual([200]);
    expect(sim().telegramChatMessage(telegram.external_id, reply.externalId)?.deleted).toBe(true);
    const rest = await restMessage(conversationId, reply.id);
    expect(rest).toMatchObject({ deleted: true, platform_change: { kind: 'delete', state: 'applied' } });
  });

  it('a reply older than Telegram’s 48 hours is deleted in Parley; the platform change fails with the reason and no call is made', async () => {
    const { conversationId } = await telegramCustomer();
    const reply = await sentReply(conversationId, 'an old answer');
    await api.db.query(`UPDATE message SET created_at = now() - interval '49 hours' WHERE id = $1`, [
      reply.id,
    ]);
    sim().ageTelegramMessage(telegram.external_id, reply.externalId, 49);
    const client = await open(conversationId);
    client.send({ type: 'delete_message', message_id: reply.id });
    const failed = await changeFrame(client, reply.id, 'failed');
    expect(failed.platform_change.reason).toMatch(/within 48 hours/);

    expect(callsOn('deleteMessage', reply.externalId)).toEqual([]);
    expect(sim().telegramChatMessage(telegram.external_id, reply.externalId)?.deleted).toBe(false);
    expect(await restMessage(conversationId, reply.id)).toMatchObject({
      deleted: true,
      platform_change: { kind: 'delete', state: 'failed', reason: failed.platform_change.reason },
    });
  });

  it('the simulator answers Telegram’s own refusal for a message past 48 hours', async () => {
    const { conversationId } = await telegramCustomer();
    const reply = await sentReply(conversationId, 'aged only at the platform');
    sim().ageTelegramMessage(telegram.external_id, reply.externalId, 49);
    const client = await open(conversationId);
    client.send({ type: 'delete_message', message_id: reply.id });
    const failed = await changeFrame(client, reply.id, 'failed');
    expect(failed.platform_change.reason).toBe("Bad Request: message can't be deleted");
  });

  it('an agent’s reaction on a Telegram customer message reaches setMessageReaction; removing it clears it; an emoji bots cannot use is unsupported', async () => {
    const customer = await telegramCustomer();
    const client = await open(customer.conversationId);
    const [chatId, messageId] = customer.externalId.split(':');
    const reactions = () =>
      calls('setMessageReaction')
        .filter((c) => String(c.body.message_id) === messageId && String(c.body.chat_id) === chatId)
        .map((c) => c.body.reaction);

    client.send({ type: 'reaction', message_id: customer.messageId, emoji: '❤️', action: 'add' });
    await changeFrame(client, customer.messageId, 'applied');
    // The dashboard's ❤️ is Telegram's ❤ (no variation selector).
    expect(reactions()).toEqual([[{ type: 'emoji', emoji: '❤' }]]);
    expect(sim().telegramChatMessage(telegram.external_id, customer.externalId)?.reactions).toEqual([
      { type: 'emoji', emoji: '❤' },
    ]);

    const frames = client.frames.length;
    client.send({ type: 'reaction', message_id: customer.messageId, emoji: '🫠', action: 'add' });
    const unsupported = await changeFrame(client, customer.messageId, 'unsupported', 5000, frames);
    expect(unsupported.platform_change.reason).toMatch(/does not take the 🫠 reaction/);

    const beforeRemoval = client.frames.length;
    client.send({ type: 'reaction', message_id: customer.messageId, emoji: '❤️', action: 'remove' });
    await changeFrame(client, customer.messageId, 'applied', 10_000, beforeRemoval);
    expect(reactions()).toEqual([[{ type: 'emoji', emoji: '❤' }], []]);
    expect(sim().telegramChatMessage(telegram.external_id, customer.externalId)?.reactions).toEqual([]);
  });

  it('an agent’s ❤️ on an Instagram customer message reaches the Send API as react "love", and unreact on removal', async () => {
    const customer = await instagramCustomer();
    const client = await open(customer.conversationId);
    client.send({ type: 'reaction', message_id: customer.messageId, emoji: '❤️', action: 'add' });
    await eventually(() => expect(sim().instagramReaction(customer.mid)).toBe('love'), 10_000);
    client.send({ type: 'reaction', message_id: customer.messageId, emoji: '❤️', action: 'remove' });
    await eventually(() => expect(sim().instagramReaction(customer.mid)).toBeNull(), 10_000);
    const mine = igActions().filter(
      (c) => (c.body.payload as { message_id: string }).message_id === customer.mid,
    );
    expect(mine.map((c) => [c.body.sender_action, c.body.payload, c.status])).toEqual([
      ['react', { message_id: customer.mid, reaction: 'love' }, 200],
      ['unreact', { message_id: customer.mid }, 200],
    ]);
    expect(mine.every((c) => c.account === igAccount.igUserId)).toBe(true);
    await eventually(async () =>
      expect((await restMessage(customer.conversationId, customer.messageId)).platform_change).toMatchObject({
        kind: 'react',
        state: 'applied',
      }),
    );
  });

  it('an Instagram reply’s edit and delete change Parley’s record only: no platform call, and the change says unsupported', async () => {
    const customer = await instagramCustomer();
    const res = await ws.http.post(`/api/v1/message/conversation/${customer.conversationId}/send-message/`, {
      content: 'Thanks for writting',
      type: 'support',
    });
    await sentAs(res.body.id);
    const before = calls('messages', 'instagram').length;
    const client = await open(customer.conversationId);

    client.send({ type: 'edit_message', message_id: res.body.id, content: 'Thanks for writing' });
    const edited = await client.next((f) => f.type === 'message_updated' && f.message.id === res.body.id);
    expect(edited.message).toMatchObject({
      content: 'Thanks for writing',
      platform_change: { kind: 'edit', state: 'unsupported' },
    });
    expect(edited.message.platform_change.reason).toMatch(/Instagram cannot edit/);
    await changeFrame(client, res.body.id, 'unsupported');

    client.send({ type: 'delete_message', message_id: res.body.id });
    await client.next((f) => f.type === 'message_deleted' && f.message_id === res.body.id);
    const deleted = await client.next(
      (f) =>
        f.type === 'message_platform_change' &&
        f.message_id === res.body.id &&
        f.platform_change.kind === 'delete',
    );
    expect(deleted.platform_change).toMatchObject({ state: 'unsupported' });
    expect(await restMessage(customer.conversationId, res.body.id)).toMatchObject({
      deleted: true,
      platform_change: { kind: 'delete', state: 'unsupported' },
    });
    // Nothing was asked of Instagram, now or by a job later.
    const [{ pending }] = await api.db.query(
      `SELECT count(*)::int AS pending FROM platform_change WHERE message_id = $1 AND state = 'pending'`,
      [res.body.id],
    );
    expect(pending).toBe(0);
    expect(calls('messages', 'instagram').length).toBe(before);
  });

  it('a 429 is honoured: the edit waits retry_after, then is applied', async () => {
    const { conversationId } = await telegramCustomer();
    const reply = await sentReply(conversationId, 'rate limted');
    sim().inject({ platform: 'telegram', method: 'editMessageText', times: 1, status: 429, retryAfter: 3 });
    const client = await open(conversationId);
    client.send({ type: 'edit_message', message_id: reply.id, content: 'rate limited' });
    // Longer than our own per-chat budget (1 s), so only Telegram's retry_after explains the wait.
    await changeFrame(client, reply.id, 'applied');
    const edits = callsOn('editMessageText', reply.externalId);
    expect(edits.map((c) => c.status)).toEqual([429, 200]);
    expect(edits[1].at - edits[0].at).toBeGreaterThanOrEqual(2950);
  });

  it('a 5xx is retried with backoff until the delete is applied', async () => {
    const { conversationId } = await telegramCustomer();
    const reply = await sentReply(conversationId, 'retry me');
    sim().inject({ platform: 'telegram', method: 'deleteMessage', times: 2, status: 502 });
    const client = await open(conversationId);
    client.send({ type: 'delete_message', message_id: reply.id });
    await changeFrame(client, reply.id, 'applied');
    expect(callsOn('deleteMessage', reply.externalId).map((c) => c.status)).toEqual([502, 502, 200]);
  });

  it('a permanent 400 fails the change at once with Telegram’s reason, on the socket and in REST', async () => {
    const { conversationId } = await telegramCustomer();
    const reply = await sentReply(conversationId, 'cannot be edited');
    const reason = 'Bad Request: message to edit not found';
    sim().inject({
      platform: 'telegram',
      method: 'editMessageText',
      times: 1,
      status: 400,
      description: reason,
    });
    const client = await open(conversationId);
    client.send({ type: 'edit_message', message_id: reply.id, content: 'edited anyway' });
    const failed = await changeFrame(client, reply.id, 'failed');
    expect(failed.platform_change).toMatchObject({ kind: 'edit', reason });
    expect(await restMessage(conversationId, reply.id)).toMatchObject({
      content: 'edited anyway',
      platform_change: { kind: 'edit', state: 'failed', reason },
    });
    expect(callsOn('editMessageText', reply.externalId)).toHaveLength(1);
  });

  it('a change job added twice, or run again, calls the platform once', async () => {
    const { conversationId } = await telegramCustomer();
    const reply = await sentReply(conversationId, 'once');
    const client = await open(conversationId);
    client.send({ type: 'edit_message', message_id: reply.id, content: 'only once' });
    await changeFrame(client, reply.id, 'applied');
    const [{ id: changeId }] = await api.db.query(`SELECT id FROM platform_change WHERE message_id = $1`, [
      reply.id,
    ]);
    const job = { changeId, workspaceId: ws.workspaceId };
    expect(await api.get(OutboundQueue).enqueueChange(job)).toBe(true);
    expect(await worker.get(PlatformChangeService).apply(ws.workspaceId, changeId, false)).toEqual({
      result: 'skipped',
      reason: 'already applied',
    });
    // A marker change queued after the duplicate: once it is applied, the duplicate has had its turn.
    client.send({ type: 'edit_message', message_id: reply.id, content: 'only once, really' });
    await eventually(async () => {
      const rows = await api.db.query(
        `SELECT state FROM platform_change WHERE message_id = $1 ORDER BY created_at`,
        [reply.id],
      );
      expect(rows.map((r: { state: string }) => r.state)).toEqual(['applied', 'applied']);
    }, 10_000);
    expect(callsOn('editMessageText', reply.externalId).map((c) => c.body.text)).toEqual([
      'only once',
      'only once, really',
    ]);
  });

  it('a change whose job was lost (Redis away, a crash) is queued again by the sweeper and applied', async () => {
    const { conversationId } = await telegramCustomer();
    const reply = await sentReply(conversationId, 'before the outage');
    // As an edit leaves it when its enqueue failed: the text changed, the change pending, no job.
    await api.db.query(`UPDATE message SET content = 'after the outage', edited_at = now() WHERE id = $1`, [
      reply.id,
    ]);
    await api.db.query(
      `INSERT INTO platform_change (workspace_id, message_id, kind, state, created_at, updated_at)
       VALUES ($1, $2, 'edit', 'pending', now() - interval '10 seconds', now() - interval '10 seconds')`,
      [ws.workspaceId, reply.id],
    );
    await eventually(
      () =>
        expect(callsOn('editMessageText', reply.externalId).map((c) => [c.body.text, c.status])).toEqual([
          ['after the outage', 200],
        ]),
      15_000,
    );
    await eventually(async () =>
      expect((await restMessage(conversationId, reply.id)).platform_change).toMatchObject({
        state: 'applied',
      }),
    );
  });

  it('a change is held, not failed, while the bot’s token is revoked, and applied once an admin reconnects it', async () => {
    const created = await ws.http.post('/api/v1/channels', {
      type: 'telegram',
      name: 'Second bot',
      bot_token: sim().newBotToken(),
    });
    expect(created.status).toBe(201);
    const bot = created.body as { id: string; external_id: string };
    const { conversationId } = await telegramCustomer(bot.external_id);
    const reply = await sentReply(conversationId, 'held edit');
    sim().revokeToken(sim().bot(bot.external_id)!.token);
    const client = await open(conversationId);
    client.send({ type: 'edit_message', message_id: reply.id, content: 'held edit, applied later' });
    await eventually(
      async () =>
        expect((await ws.http.get(`/api/v1/channels/${bot.id}`)).body.status).toBe(
          'reauthorization_required',
        ),
      10_000,
    );
    expect((await restMessage(conversationId, reply.id)).platform_change).toMatchObject({ state: 'pending' });

    const reconnected = await ws.http.patch(`/api/v1/channels/${bot.id}`, {
      bot_token: `${bot.external_id}:${'r'.repeat(35)}`,
    });
    expect(reconnected.body.status).toBe('active');
    await changeFrame(client, reply.id, 'applied', 15_000);
    expect(sim().telegramChatMessage(bot.external_id, reply.externalId)?.text).toBe(
      'held edit, applied later',
    );
  });

  it('another workspace’s message id is not found: no change, no platform call', async () => {
    const { conversationId, messageId: customerMessageId } = await telegramCustomer();
    const reply = await sentReply(conversationId, 'private to workspace A');
    const other = await signupWorkspace(api);
    const channel = await other.http.post('/api/v1/channels', {
      type: 'telegram',
      name: 'Other bot',
      bot_token: sim().newBotToken(),
    });
    expect(channel.status).toBe(201);
    const theirs = await telegramCustomer(channel.body.external_id);
    const before = sim().calls.length;
    const intruder = await open(theirs.conversationId, other.token);

    intruder.send({ type: 'edit_message', message_id: reply.id, content: 'hijacked' });
    intruder.send({ type: 'delete_message', message_id: reply.id });
    intruder.send({ type: 'reaction', message_id: customerMessageId, emoji: '👍', action: 'add' });
    await eventually(() => expect(intruder.ofType('error')).toHaveLength(3));
    expect(intruder.ofType('error').map((f) => f.code)).toEqual(['not_found', 'not_found', 'not_found']);

    const [{ n }] = await api.db.query(
      `SELECT count(*)::int AS n FROM platform_change WHERE message_id = ANY($1::uuid[])`,
      [[reply.id, customerMessageId]],
    );
    expect(n).toBe(0);
    expect(await restMessage(conversationId, reply.id)).toMatchObject({
      content: 'private to workspace A',
      deleted: false,
      platform_change: null,
    });
    // A change of the intruder's own, queued after: once it is applied, it is the only call made.
    intruder.send({ type: 'reaction', message_id: theirs.messageId, emoji: '👍', action: 'add' });
    await changeFrame(intruder, theirs.messageId, 'applied');
    expect(
      sim()
        .calls.slice(before)
        .map((c) => [c.method, c.account]),
    ).toEqual([['setMessageReaction', channel.body.external_id]]);
  });
});
