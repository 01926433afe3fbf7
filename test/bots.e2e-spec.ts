import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ChannelService } from '@parley/domain/services/channel.service';
import { freePort, freshEnvironment, startApi, startIngest, startWorker, TestApp, TestEnvironment } from './support/app';
import { addAgent, createChannel, customerWrites, signupWorkspace, Workspace } from './support/factories';
import { HttpClient } from './support/http';
import { eventually, WsClient } from './support/ws';

const BOT_FILE = join(__dirname, '..', 'examples', 'order-status-bot', 'bot.mjs');
const SECRET = 'order-bot-webhook-secret-0123456789';

interface MessageRow {
  id: string;
  type: string;
  content: string;
  external_send_result: { success: boolean; message_id?: string } | null;
  button?: { payload: string; caption: string };
  buttons?: unknown;
}

describe('chatbots with hand-off', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let ingest: TestApp;
  let worker: TestApp;
  let a: Workspace;
  let b: Workspace;
  let channelA: { id: string; external_id: string | null };
  let channelB: string;
  let bot: { id: string; key: string };
  let botProcess: ChildProcess | undefined;
  const sockets: WsClient[] = [];

  const createKey = async (workspace: Workspace, name: string, scopes: string[]) => {
    const res = await workspace.http.post('/api/v1/api-keys', { name, scopes });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, key: res.body.key as string, http: new HttpClient(api.url).as(res.body.key) };
  };
  const history = async (workspace: Workspace, conversationId: string): Promise<MessageRow[]> => {
    const res = await workspace.http.get(`/api/v1/conversations/${conversationId}/messages?limit=100`);
    expect(res.status).toBe(200);
    return res.body.data as MessageRow[];
  };
  const conversationOfUser = async (userId: number) => {
    let id = '';
    await eventually(async () => {
      const [row] = await api.db.query(
        `SELECT c.id FROM conversation c JOIN contact_identity i ON i.contact_id = c.contact_id AND i.channel_id = c.channel_id
          WHERE i.platform_user_id = $1`,
        [String(userId)],
      );
      expect(row).toBeDefined();
      id = row.id;
    }, 10000);
    return id;
  };
  /** The newest support reply of the conversation that the platform has accepted, with the buttons it carries. */
  const sentReply = async (conversationId: string, content: RegExp) => {
    let found: MessageRow | undefined;
    await eventually(async () => {
      found = (await history(a, conversationId)).find(
        (m) => m.type === 'support' && content.test(m.content) && m.external_send_result?.success,
      );
      expect(found).toBeDefined();
    }, 15000);
    return found!;
  };

  beforeAll(async () => {
    const apiPort = await freePort();
    environment = await freshEnvironment({
      // Divar's OAuth returns to the api at a known address.
      API_PORT: String(apiPort),
      API_PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
      // The example bot listens on loopback: the operator allows exactly that address.
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_POLL_MS: '100',
      WEBHOOK_RETRY_BASE_MS: '300',
      WEBHOOK_RETRY_MAX_MS: '1000',
    });
    api = await startApi(environment);
    ingest = await startIngest(environment);
    worker = await startWorker(environment);
    a = await signupWorkspace(api);
    b = await signupWorkspace(api);
    channelA = await createChannel(api, a.workspaceId, 'Shop bot');
    channelB = (await createChannel(api, b.workspaceId)).id;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    botProcess?.kill('SIGTERM');
    await worker.close();
    await ingest.close();
    await api.close();
    await environment.close();
  });

  it('an admin makes an app the bot of a channel; another workspace’s key or channel is 404, a taken channel 409', async () => {
    const key = await createKey(a, 'Order bot', ['conversations:write', 'messages:write']);
    const made = await a.http.post('/api/v1/bots', { api_key_id: key.id, channel_ids: [channelA.id] });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({
      id: key.id,
      name: 'Order bot',
      channels: [{ id: channelA.id, name: 'Shop bot', type: 'telegram' }],
      handling: 0,
    });
    bot = key;

    // Someone else's channel or key names nothing here.
    const other = await createKey(a, 'Other app', ['conversations:write', 'messages:write']);
    const foreignChannel = await a.http.post('/api/v1/bots', { api_key_id: other.id, channel_ids: [channelB] });
    expect(foreignChannel.status).toBe(404);
    const keyOfB = await createKey(b, 'B app', ['conversations:write', 'messages:write']);
    const foreignKey = await a.http.post('/api/v1/bots', { api_key_id: keyOfB.id, channel_ids: [] });
    expect(foreignKey.status).toBe(404);
    expect((await b.http.get(`/api/v1/bots/${key.id}`)).status).toBe(404);
    // One bot per channel; a key without both scopes cannot be a bot; bad input is 400, never 500.
    const taken = await a.http.post('/api/v1/bots', { api_key_id: other.id, channel_ids: [channelA.id] });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('bot_channel_taken');
    const readOnly = await createKey(a, 'Reader', ['conversations:read']);
    const weak = await a.http.post('/api/v1/bots', { api_key_id: readOnly.id, channel_ids: [] });
    expect(weak.status).toBe(400);
    expect(weak.body.code).toBe('bot_key_invalid');
    const bad = await a.http.post('/api/v1/bots', { api_key_id: 'nope', channel_ids: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
    // Bots are the admins' business: an agent is refused, and so is an app's key.
    const agent = await addAgent(api, a);
    expect((await agent.http.get('/api/v1/bots')).status).toBe(403);
    const appList = await key.http.get('/api/v1/bots');
    expect(appList.status).toBe(403);
    expect(appList.body.code).toBe('agents_only');
    const list = await a.http.get('/api/v1/bots');
    expect(list.body.map((x: { id: string }) => x.id)).toEqual([key.id]);
  });

  it('the example bot answers with buttons on Telegram, the customer presses one, the bot hands off, an agent answers', async () => {
    const port = await freePort();
    const hook = await a.http.post('/api/v1/webhooks', {
      url: `http://127.0.0.1:${port}/parley`,
      events: ['message.created'],
      secret: SECRET,
    });
    expect(hook.status).toBe(201);
    botProcess = spawn(process.execPath, [BOT_FILE], {
      env: { PATH: process.env.PATH ?? '', PARLEY_URL: api.url, PARLEY_API_KEY: bot.key, WEBHOOK_SECRET: SECRET, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    botProcess.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    botProcess.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    await eventually(() => expect(output.join('')).toContain('listening'), 10000);

    const agent = await addAgent(api, a);
    const notes = await WsClient.connect(api.url, '/ws/notifications/', { token: agent.token });
    sockets.push(notes);
    await notes.next((f) => f.type === 'ready');

    // The customer writes: the conversation is the bot's, out of the agents' queue, and nobody is notified.
    const sim = environment.simulator;
    const botId = channelA.external_id!;
    const customer = { id: 700001, first_name: 'Sara' };
    expect(await sim.postTelegramUpdate(botId, sim.telegramMessage(botId, customer, { text: 'hello' }))).toBe(200);
    const conversationId = await conversationOfUser(customer.id);
    const view = await a.http.get(`/api/v1/conversations/${conversationId}`);
    expect(view.body.bot).toEqual({ id: bot.id, name: 'Order bot' });
    const people = await a.http.get(`/api/v1/conversations?handled_by=people`);
    expect(people.body.data.map((c: { id: string }) => c.id)).not.toContain(conversationId);
    const bots = await a.http.get(`/api/v1/conversations?handled_by=bot`);
    expect(bots.body.data.map((c: { id: string }) => c.id)).toEqual([conversationId]);

    // The bot answers with an inline keyboard of callback buttons.
    const greeting = await sentReply(conversationId, /^Hi!/);
    expect(greeting.buttons).toEqual([
      [
        { caption: 'Order status', payload: 'order_status' },
        { caption: 'Talk to a person', payload: 'human' },
      ],
    ]);
    const sent = sim.sent('telegram', botId).find((c) => c.body.text === greeting.content)!;
    expect(sent.body.reply_markup).toMatchObject({
      inline_keyboard: [
        [
          { text: 'Order status', callback_data: 'order_status' },
          { text: 'Talk to a person', callback_data: 'human' },
        ],
      ],
    });

    // The customer presses "Order status": a customer message with the button, the press acknowledged.
    const press = await sim.pressTelegramButton(botId, customer, greeting.external_send_result!.message_id!, 'Order status');
    expect(press.status).toBe(200);
    await eventually(() => expect(sim.callbackQueries.get(press.queryId)?.answered).toBe(true), 10000);
    const pressed = (await history(a, conversationId)).find((m) => m.button?.payload === 'order_status')!;
    expect(pressed).toMatchObject({
      type: 'customer',
      content: 'Order status',
      button: { payload: 'order_status', caption: 'Order status' },
    });
    // Telegram retrying the same press stores it once.
    const again = sim.telegramPressUpdate(press.queryId, customer, { message_id: 1, chat: { id: customer.id, type: 'private' } }, 'order_status');
    expect(await sim.postTelegramUpdate(botId, again)).toBe(200);
    const prompt = await sentReply(conversationId, /order number/);
    expect((await history(a, conversationId)).filter((m) => m.button?.payload === 'order_status')).toHaveLength(1);

    // The customer types an order number: the bot looks it up.
    await sim.postTelegramUpdate(botId, sim.telegramMessage(botId, customer, { text: 'it is 1001' }));
    await sentReply(conversationId, /Order 1001 is shipped/);
    expect(notes.ofType('notification')).toHaveLength(0);

    // "Talk to a person": the bot hands off; the agents hear of a new conversation.
    await sim.pressTelegramButton(botId, customer, prompt.external_send_result!.message_id!, 'Talk to a person');
    const notified = await notes.next(
      (f) => f.type === 'notification' && f.kind === 'new_conversation',
      15000,
    );
    expect(notified).toMatchObject({ conversation: { id: conversationId, bot: null, status: 'open' } });
    const handed = await a.http.get(`/api/v1/conversations/${conversationId}`);
    expect(handed.body).toMatchObject({ bot: null, status: 'open' });
    await eventually(async () => {
      const system = (await history(a, conversationId)).filter((m) => m.type === 'system');
      expect(system.map((m) => m.content)).toEqual([
        'Handed to a person by Order bot: the customer asked for a person',
      ]);
    }, 10000);
    const queue = await a.http.get(`/api/v1/conversations?handled_by=people&status=open`);
    expect(queue.body.data.map((c: { id: string }) => c.id)).toContain(conversationId);

    // An agent answers, and the customer receives it.
    const answer = await agent.http.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
      content: 'Hi Sara, this is Mina from the shop.',
      type: 'support',
    });
    expect(answer.status).toBe(201);
    await eventually(
      () =>
        expect(
          sim.sent('telegram', botId).find((c) => c.body.text === 'Hi Sara, this is Mina from the shop.')?.body.chat_id,
        ).toBe(String(customer.id)),
      10000,
    );
    // The bot hears the customer's next message but it is no longer its own: it stays silent.
    const before = (await history(a, conversationId)).filter((m) => m.type === 'support').length;
    await sim.postTelegramUpdate(botId, sim.telegramMessage(botId, customer, { text: 'thanks' }));
    await eventually(async () => {
      const messages = await history(a, conversationId);
      expect(messages.some((m) => m.content === 'thanks')).toBe(true);
    }, 10000);
    // Once the bot has received that message (its delivery succeeded), it has said nothing more.
    await eventually(async () => {
      const [delivery] = await api.db.query(
        `SELECT d.state FROM webhook_delivery d JOIN message m ON m.workspace_id = d.workspace_id AND m.seq = d.seq
          WHERE m.content = 'thanks'`,
      );
      expect(delivery?.state).toBe('succeeded');
    }, 10000);
    expect((await history(a, conversationId)).filter((m) => m.type === 'support')).toHaveLength(before);
    // The rest of the file drives conversations by hand.
    botProcess.kill('SIGTERM');
    botProcess = undefined;
  });

  it('handoff by an app that is not the handling bot is refused; a missing scope is 403; another workspace’s id 404', async () => {
    const { message } = await customerWrites(api, a.workspaceId, channelA.id, { text: 'refuse me' });
    const id = message.conversation_id;
    expect((await a.http.get(`/api/v1/conversations/${id}`)).body.bot).toMatchObject({ id: bot.id });
    const otherApp = await createKey(a, 'Shop CRM', ['conversations:write']);
    const refused = await otherApp.http.post(`/api/v1/conversations/${id}/handoff`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('bot_not_handling');
    const reader = await createKey(a, 'Reader 2', ['conversations:read']);
    const noScope = await reader.http.post(`/api/v1/conversations/${id}/handoff`, {});
    expect(noScope.status).toBe(403);
    expect(noScope.body.code).toBe('scope_missing');
    const keyOfB = await createKey(b, 'B bot', ['conversations:write']);
    expect((await keyOfB.http.post(`/api/v1/conversations/${id}/handoff`, {})).status).toBe(404);
    expect((await b.http.post(`/api/v1/conversations/${id}/handoff`, {})).status).toBe(404);
    const tooLong = await new HttpClient(api.url).as(bot.key).post(`/api/v1/conversations/${id}/handoff`, {
      reason: 'x'.repeat(501),
    });
    expect(tooLong.status).toBe(400);
    // The handling bot hands off, and doing it again answers the same.
    const handoff = () => new HttpClient(api.url).as(bot.key).post(`/api/v1/conversations/${id}/handoff`, {});
    const first = await handoff();
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ bot: null, status: 'open' });
    const second = await handoff();
    expect(second.status).toBe(200);
    expect((await history(a, id)).filter((m) => m.type === 'system').map((m) => m.content)).toEqual([
      'Handed to a person by Order bot',
    ]);
    // An agent may hand a bot's conversation off too.
    const byAgent = (await customerWrites(api, a.workspaceId, channelA.id, { text: 'agent hands off' })).message
      .conversation_id;
    const agentHandoff = await a.http.post(`/api/v1/conversations/${byAgent}/handoff`, { reason: 'VIP customer' });
    expect(agentHandoff.status).toBe(200);
    expect(agentHandoff.body).toMatchObject({ bot: null, status: 'open' });
    expect((await history(a, byAgent)).find((m) => m.type === 'system')?.content).toBe(
      'Handed to a person by Admin: VIP customer',
    );
    // A conversation no bot ever handled is not the bot's to hand off.
    const plain = await customerWrites(api, b.workspaceId, channelB, { text: 'no bot here' });
    const own = await keyOfB.http.post(`/api/v1/conversations/${plain.message.conversation_id}/handoff`, {});
    expect(own.status).toBe(409);
  });

  it('an agent replying or assigning takes the conversation over from the bot; notes do not', async () => {
    const agent = await addAgent(api, a);
    const one = (await customerWrites(api, a.workspaceId, channelA.id, { text: 'take me' })).message.conversation_id;
    await agent.http.post(`/api/v1/message/conversation/${one}/send-message/`, { content: 'fyi', type: 'note' });
    expect((await a.http.get(`/api/v1/conversations/${one}`)).body.bot).not.toBeNull();
    const reply = await agent.http.post(`/api/v1/message/conversation/${one}/send-message/`, {
      content: 'I am here',
      type: 'support',
    });
    expect(reply.status).toBe(201);
    const after = (await a.http.get(`/api/v1/conversations/${one}`)).body;
    expect(after).toMatchObject({ bot: null, status: 'support_active' });
    expect((await history(a, one)).find((m) => m.type === 'system')?.content).toMatch(/took over from the bot/);

    const two = (await customerWrites(api, a.workspaceId, channelA.id, { text: 'assign me' })).message.conversation_id;
    const assigned = await agent.http.post(`/api/v1/conversations/${two}/assign`, { agent_id: agent.id });
    expect(assigned.status).toBe(200);
    expect(assigned.body).toMatchObject({ bot: null, assignee: { id: agent.id }, status: 'support_active' });
  });

  it('assigning bot conversations in bulk takes each over from the bot, and each timeline says who', async () => {
    const agent = await addAgent(api, a);
    const ids: string[] = [];
    for (const text of ['bulk one', 'bulk two'])
      ids.push((await customerWrites(api, a.workspaceId, channelA.id, { text })).message.conversation_id);
    const bulk = await a.http.post('/api/v1/conversations/bulk', {
      conversation_ids: ids,
      action: 'assign',
      agent_id: agent.id,
    });
    expect(bulk.status).toBe(200);
    for (const id of ids) {
      expect((await a.http.get(`/api/v1/conversations/${id}`)).body).toMatchObject({
        bot: null,
        assignee: { id: agent.id },
        status: 'support_active',
      });
      const system = (await history(a, id)).filter((m) => m.type === 'system');
      expect(system.map((m) => m.content)).toEqual(['Admin took over from the bot']);
    }
  });

  it('a resolved conversation the customer reopens goes back to the channel’s bot', async () => {
    const userId = `reopen-${Date.now()}`;
    const id = (await customerWrites(api, a.workspaceId, channelA.id, { userId, text: 'first' })).message.conversation_id;
    await new HttpClient(api.url).as(bot.key).post(`/api/v1/conversations/${id}/handoff`, {});
    const resolved = await a.http.patch(`/api/v1/message/conversation/${id}/status/`, { status: 'resolved' });
    expect(resolved.status).toBe(200);
    const again = await customerWrites(api, a.workspaceId, channelA.id, { userId, text: 'me again' });
    expect(again.message.conversation_id).toBe(id);
    expect((await a.http.get(`/api/v1/conversations/${id}`)).body).toMatchObject({
      status: 'open',
      bot: { id: bot.id },
    });
  });

  it('buttons a platform cannot carry are refused before anything is stored', async () => {
    const id = (await customerWrites(api, a.workspaceId, channelA.id, { text: 'buttons' })).message.conversation_id;
    const send = (buttons: unknown) =>
      a.http.post(`/api/v1/message/conversation/${id}/send-message/`, { content: 'pick', type: 'support', buttons });
    const long = await send([[{ caption: 'Long', payload: 'x'.repeat(65) }]]);
    expect(long.status).toBe(400);
    expect(long.body.code).toBe('buttons_invalid');
    const both = await send([[{ caption: 'Both', payload: 'p', url: 'https://example.com' }]]);
    expect(both.status).toBe(400);
    const mixed = await send([[{ caption: 'Site', url: 'https://example.com' }, { caption: 'Yes', payload: 'yes' }]]);
    expect(mixed.status).toBe(201);
  });

  it('Instagram: payload buttons go out as quick replies, a tapped one comes back with its payload', async () => {
    const sim = environment.simulator;
    const account = sim.newInstagramAccount();
    const channel = await api.get(ChannelService).create(a.workspaceId, {
      type: 'instagram',
      name: 'Shop IG',
      ig_user_id: account.igUserId,
      access_token: account.accessToken,
    });
    const customer = `ig-${Date.now()}`;
    sim.setInstagramProfile(customer, { name: 'Ali', username: 'ali' });
    expect(await sim.postInstagramWebhook(sim.instagramMessage(account.igUserId, customer, { text: 'hi' }))).toBe(200);
    let id = '';
    await eventually(async () => {
      const [row] = await api.db.query(`SELECT id FROM conversation WHERE channel_id = $1`, [channel.id]);
      expect(row).toBeDefined();
      id = row.id;
    }, 10000);
    const send = (buttons: unknown) =>
      a.http.post(`/api/v1/message/conversation/${id}/send-message/`, { content: 'Which one?', type: 'support', buttons });
    const link = await send([[{ caption: 'Site', url: 'https://example.com' }]]);
    expect(link.status).toBe(422);
    expect(link.body.code).toBe('buttons_unsupported');
    const wordy = await send([[{ caption: 'A caption over twenty', payload: 'p' }]]);
    expect(wordy.status).toBe(400);
    expect(wordy.body.code).toBe('buttons_invalid');
    expect(
      (await send([[{ caption: 'Shoes', payload: 'cat:shoes' }, { caption: 'Bags', payload: 'cat:bags' }]])).status,
    ).toBe(201);
    await eventually(() => {
      const call = sim.sent('instagram', account.igUserId).find((c) => JSON.stringify(c.body).includes('Which one?'));
      expect((call?.body.message as Record<string, unknown>)?.quick_replies).toEqual([
        { content_type: 'text', title: 'Shoes', payload: 'cat:shoes' },
        { content_type: 'text', title: 'Bags', payload: 'cat:bags' },
      ]);
    }, 10000);
    const tap = sim.instagramQuickReply(account.igUserId, customer, 'Bags', 'cat:bags');
    expect(await sim.postInstagramWebhook(tap)).toBe(200);
    expect(await sim.postInstagramWebhook(tap)).toBe(200);
    await eventually(async () => {
      const pressed = (await history(a, id)).filter((m) => m.button);
      expect(pressed).toHaveLength(1);
      expect(pressed[0]).toMatchObject({ type: 'customer', content: 'Bags', button: { payload: 'cat:bags', caption: 'Bags' } });
    }, 10000);
    // The customer unsends it: the press is erased with its text, in the row and in the event log.
    const tapMid = ((tap.entry as { messaging: { message: { mid: string } }[] }[])[0].messaging[0].message).mid;
    await sim.postInstagramWebhook(sim.instagramMessage(account.igUserId, customer, { mid: tapMid, is_deleted: true }));
    await eventually(async () => {
      const [row] = await api.db.query(`SELECT button, deleted_at FROM message WHERE external_id = $1`, [tapMid]);
      expect(row.deleted_at).not.toBeNull();
      expect(row.button).toBeNull();
    }, 10000);
    const [logged] = await api.db.query(
      `SELECT count(*)::int AS n FROM event WHERE payload->'message'->>'id' = (SELECT id::text FROM message WHERE external_id = $1)
          AND payload->'message' ? 'button'`,
      [tapMid],
    );
    expect(logged.n).toBe(0);
  });

  it('Divar: payload buttons go out as open_server_link actions, a press comes back through the session URL', async () => {
    const divar = environment.simulator.divar;
    const app = divar.newApp();
    const created = await a.http.post('/api/v1/channels', {
      type: 'divar',
      name: 'Divar chat',
      app_slug: app.slug,
      api_key: app.apiKey,
      identification_key: app.identificationKey,
      client_secret: app.clientSecret,
    });
    expect(created.status).toBe(201);
    const channelId = created.body.id as string;
    divar.setEventsUrl(app.slug, `${environment.env.PUBLIC_URL}/webhooks/divar/${channelId}`);
    // The owner grants access: Divar's consent page, then Parley's callback.
    const start = await a.http.get(`/api/v1/channels/${channelId}/divar/authorize`);
    const consent = await fetch(start.body.url as string, { redirect: 'manual' });
    await (await fetch(consent.headers.get('location')!, { redirect: 'manual' })).arrayBuffer();
    await eventually(async () => expect((await a.http.get(`/api/v1/channels/${channelId}`)).body.status).toBe('active'), 10000);
    expect((await a.http.patch(`/api/v1/bots/${bot.id}`, { channel_ids: [channelA.id, channelId] })).status).toBe(200);
    const divarConversation = `bot-chat-${Date.now()}`;
    const event = divar.chatbotMessage(divarConversation, { type: 'TEXT', text: 'سلام' });
    expect(await divar.postEvent(app.slug, event)).toBe(200);
    let id = '';
    await eventually(async () => {
      const [row] = await api.db.query(`SELECT id, bot_api_key_id FROM conversation WHERE channel_id = $1`, [channelId]);
      expect(row?.bot_api_key_id).toBe(bot.id);
      id = row.id;
    }, 10000);
    const botHttp = new HttpClient(api.url).as(bot.key);
    const sent = await botHttp.post(`/api/v1/message/conversation/${id}/send-message/`, {
      content: 'چه کمکی می‌توانم بکنم؟',
      type: 'support',
      buttons: [[{ caption: 'Order status', payload: 'order_status' }, { caption: 'Website', url: 'https://shop.example' }]],
    });
    expect(sent.status).toBe(201);
    let action: { open_server_link: { data: string } } | undefined;
    await eventually(() => {
      const [call] = divar.sent('bot_send', divarConversation);
      const buttons = (call?.body.buttons as { rows: { buttons: { action: unknown; caption: string }[] }[] }) ?? undefined;
      expect(buttons?.rows[0].buttons[1]).toEqual({ action: { open_direct_link: 'https://shop.example/' }, caption: 'Website' });
      action = buttons.rows[0].buttons[0].action as typeof action;
      expect(action?.open_server_link.data).toBeDefined();
    }, 10000);
    const sessionUrl = `${environment.env.PUBLIC_URL}/webhooks/divar/${channelId}/session`;
    const press = await divar.pressServerLink(app.slug, sessionUrl, {
      conversationId: divarConversation,
      data: action!.open_server_link.data,
    });
    expect(press.status).toBe(200);
    expect(typeof press.body.url).toBe('string');
    // Divar sending the same press again stores it once.
    await divar.pressServerLink(app.slug, sessionUrl, { conversationId: divarConversation, data: action!.open_server_link.data });
    const pressed = (await history(a, id)).filter((m) => m.button);
    expect(pressed).toHaveLength(1);
    expect(pressed[0]).toMatchObject({
      type: 'customer',
      content: 'Order status',
      button: { payload: 'order_status', caption: 'Order status' },
    });
  });

  it('revoking the bot’s key hands every conversation it holds to people', async () => {
    const key = await createKey(a, 'Night bot', ['conversations:write', 'messages:write']);
    const channel = await createChannel(api, a.workspaceId, 'Night line');
    expect((await a.http.post('/api/v1/bots', { api_key_id: key.id, channel_ids: [channel.id] })).status).toBe(201);
    const id = (await customerWrites(api, a.workspaceId, channel.id, { text: 'late' })).message.conversation_id;
    expect((await a.http.get(`/api/v1/conversations/${id}`)).body.bot).toMatchObject({ id: key.id });
    expect((await a.http.delete(`/api/v1/api-keys/${key.id}`)).status).toBe(200);
    expect((await a.http.get(`/api/v1/conversations/${id}`)).body).toMatchObject({ bot: null, status: 'open' });
    expect((await history(a, id)).find((m) => m.type === 'system')?.content).toBe(
      'The bot Night bot was removed: handed to people',
    );
    expect((await a.http.get(`/api/v1/bots/${key.id}`)).status).toBe(404);
    // The channel's next customer goes straight to people.
    const next = (await customerWrites(api, a.workspaceId, channel.id, { text: 'hello?' })).message.conversation_id;
    expect((await a.http.get(`/api/v1/conversations/${next}`)).body.bot).toBeNull();
  });

  it('removing a bot hands its conversations to people; another workspace cannot remove it', async () => {
    const key = await createKey(a, 'Weekend bot', ['conversations:write', 'messages:write']);
    const channel = await createChannel(api, a.workspaceId, 'Weekend line');
    expect((await a.http.post('/api/v1/bots', { api_key_id: key.id, channel_ids: [channel.id] })).status).toBe(201);
    const id = (await customerWrites(api, a.workspaceId, channel.id, { text: 'weekend' })).message.conversation_id;
    expect((await b.http.delete(`/api/v1/bots/${key.id}`)).status).toBe(404);
    const removed = await a.http.delete(`/api/v1/bots/${key.id}`);
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ id: key.id, handed_off: 1 });
    expect((await a.http.get(`/api/v1/conversations/${id}`)).body).toMatchObject({ bot: null, status: 'open' });
    // The key itself still works as an app; it is only no longer a bot.
    expect((await key.http.post(`/api/v1/conversations/${id}/handoff`, {})).status).toBe(200);
  });

  it('OpenAPI documents the hand-off with its scope and the bots routes as admins’ only', async () => {
    const doc = (await new HttpClient(api.url).get('/api/docs-json')).body;
    expect(doc.paths['/api/v1/conversations/{id}/handoff'].post['x-parley-scopes']).toEqual(['conversations:write']);
    for (const [path, method] of [
      ['/api/v1/bots', 'post'],
      ['/api/v1/bots', 'get'],
      ['/api/v1/bots/{id}', 'get'],
      ['/api/v1/bots/{id}', 'patch'],
      ['/api/v1/bots/{id}', 'delete'],
    ] as const) {
      expect(doc.paths[path][method]).toBeDefined();
      expect(doc.paths[path][method]['x-parley-scopes']).toBeUndefined();
    }
  });
});
