import { createHmac } from 'node:crypto';
import { SAMPLE_JPEG, SAMPLE_OGG_OPUS } from '../tools/simulator/samples';
import {
  freshEnvironment,
  INSTAGRAM_APP_SECRET,
  startApi,
  startIngest,
  startWorker,
  TestApp,
  TestEnvironment,
} from './support/app';
import { signupWorkspace, storedMessage, Workspace } from './support/factories';
import { HttpClient } from './support/http';
import { eventually, Frame, WsClient } from './support/ws';

/**
 * Telegram and Instagram end to end: the simulator plays the platforms and the customers, and
 * api, ingest and worker run for real against Postgres and Redis.
 */
describe('channels end to end', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let ingest: TestApp;
  let worker: TestApp;
  let ws: Workspace;
  let telegram: { id: string; external_id: string };
  let instagram: { id: string; external_id: string };
  let igAccount: { igUserId: string; accessToken: string };
  let inbox: WsClient;
  let customerId = 7000;
  const sockets: WsClient[] = [];

  const sim = () => environment.simulator;
  const botId = () => telegram.external_id;
  const newCustomer = () => ({
    id: ++customerId,
    first_name: 'Zahra',
    last_name: 'Karimi',
    username: `zahra${customerId}`,
  });
  const telegramSays = async (from: { id: number }, fields: Record<string, unknown>) => {
    const update = sim().telegramMessage(botId(), from, fields);
    expect(await sim().postTelegramUpdate(botId(), update)).toBe(200);
    return update;
  };
  const stored = (externalId: string) => storedMessage(api, externalId);
  const reply = async (conversationId: string, content: string) => {
    const res = await ws.http.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
      content,
      type: 'support',
    });
    expect(res.status).toBe(201);
    return res.body as Frame;
  };
  const statusOf = async (messageId: string) =>
    (
      (await api.db.query('SELECT status, failure_reason, external_id FROM message WHERE id = $1', [
        messageId,
      ])) as {
        status: string;
        failure_reason: string | null;
        external_id: string | null;
      }[]
    )[0];
  const chat = async (conversationId: string) => {
    const client = await WsClient.connect(api.url, `/ws/chat/${conversationId}/`, { token: ws.token });
    sockets.push(client);
    await client.next((f) => f.type === 'recent_messages');
    return client;
  };
  const conversationWithCustomer = async () => {
    const from = newCustomer();
    const update = await telegramSays(from, { text: 'hello' });
    const row = await stored(`${from.id}:${update.message.message_id}`);
    return { from, conversationId: row.conversation_id };
  };

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
    instagram = ig.body;
    inbox = await WsClient.connect(api.url, '/ws/conversations/', { token: ws.token });
    await inbox.next((f) => f.type === 'ready');
  });
  afterEach(() => {
    sim().clearFaults();
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(async () => {
    inbox.close();
    await worker.close();
    await ingest.close();
    await api.close();
    await environment.close();
  });

  describe('connecting', () => {
    it('checks a bot token with getMe and registers the webhook with a secret and allowed_updates', async () => {
      const getMe = sim().calls.find((c) => c.method === 'getMe' && c.account === botId());
      expect(getMe?.status).toBe(200);
      const setWebhook = sim().calls.find((c) => c.method === 'setWebhook' && c.account === botId());
      expect(setWebhook?.body).toMatchObject({
        url: `${environment.env.PUBLIC_URL}/webhooks/telegram/${telegram.id}`,
        secret_token: expect.stringMatching(/^[A-Za-z0-9_-]{1,256}$/),
      });
      expect(setWebhook?.body.allowed_updates).toEqual(['message', 'edited_message', 'callback_query']);
      expect(JSON.stringify(telegram)).not.toContain(String(setWebhook?.body.secret_token));
    });

    it('refuses a token Telegram refuses, and a bot already connected, with clear codes', async () => {
      const revoked = sim().newBotToken();
      sim().revokeToken(revoked);
      const refused = await ws.http.post(
        '/api/v1/channels',
        { type: 'telegram', name: 'x', bot_token: revoked },
        { lang: 'fa' },
      );
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('channel_credentials_invalid');
      const token = sim().bot(botId())!.token;
      const twice = await ws.http.post('/api/v1/channels', {
        type: 'telegram',
        name: 'again',
        bot_token: token,
      });
      expect(twice.status).toBe(409);
      expect(twice.body.code).toBe('channel_already_connected');
    });

    it('deleting a Telegram channel removes its webhook', async () => {
      const token = sim().newBotToken();
      const created = await ws.http.post('/api/v1/channels', {
        type: 'telegram',
        name: 'temp',
        bot_token: token,
      });
      expect(sim().bot(created.body.external_id)?.webhook).not.toBeNull();
      expect((await ws.http.delete(`/api/v1/channels/${created.body.id}`)).status).toBe(204);
      expect(sim().bot(created.body.external_id)?.webhook).toBeNull();
    });

    it('answers Meta’s verification challenge for the right verify token only', async () => {
      const http = new HttpClient(ingest.url);
      const ok = await http.get(
        `/webhooks/instagram?hub.mode=subscribe&hub.verify_token=${environment.env.INSTAGRAM_VERIFY_TOKEN}&hub.challenge=1158201444`,
      );
      expect(ok.status).toBe(200);
      expect(ok.body).toBe(1158201444);
      const wrong = await http.get(
        '/webhooks/instagram?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1',
      );
      expect(wrong.status).toBe(403);
      // A parameter sent twice arrives as a list: refused like any wrong token, never a 500.
      const token = environment.env.INSTAGRAM_VERIFY_TOKEN;
      const twice = await http.get(
        `/webhooks/instagram?hub.mode=subscribe&hub.verify_token=${token}&hub.verify_token=${token}&hub.challenge=1`,
      );
      expect([twice.status, twice.body.code]).toEqual([403, 'forbidden']);
    });
  });

  describe('inbound', () => {
    it('Telegram text reaches the agent live and creates contact and conversation', async () => {
      const from = newCustomer();
      const update = await telegramSays(from, { text: 'سلام، سفارشم کجاست؟' });
      const created = await inbox.next(
        (f) => f.type === 'conversation_created' && f.conversation.contact.username === from.username,
      );
      expect(created.conversation.contact.name).toBe('Zahra Karimi');
      const row = await stored(`${from.id}:${update.message.message_id}`);
      const client = await chat(row.conversation_id);
      expect(client.ofType('recent_messages')[0].messages[0]).toMatchObject({
        content: 'سلام، سفارشم کجاست؟',
        type: 'customer',
        sender: { kind: 'contact', name: 'Zahra Karimi' },
      });
    });

    it("a customer's message names the customer: id, first name and the platform written from", async () => {
      const from = newCustomer();
      const update = await telegramSays(from, { text: 'first' });
      const row = await stored(`${from.id}:${update.message.message_id}`);
      const contactId = (
        await api.db.query('SELECT contact_id FROM conversation WHERE id = $1', [row.conversation_id])
      )[0].contact_id;
      const client = await chat(row.conversation_id);
      const customer = { id: contactId, first_name: 'Zahra', source: 'telegram' };
      expect(client.ofType('recent_messages')[0].messages[0].customer).toEqual(customer);

      await telegramSays(from, { text: 'second' });
      const live = await client.next((f) => f.type === 'chat_message' && f.message.content === 'second');
      expect(live.message.customer).toEqual(customer);
      const answer = await reply(row.conversation_id, 'Hello Zahra');
      const ours = await client.next((f) => f.type === 'chat_message' && f.message.id === answer.id);
      expect(ours.message.customer).toBeNull();
      const history = await ws.http.get(`/api/v1/conversations/${row.conversation_id}/messages`);
      expect(history.body.data.map((m: Frame) => m.customer)).toEqual([customer, customer, null]);

      const igsid = `7${Date.now()}`;
      sim().setInstagramProfile(igsid, { name: '  Layla   Al-Sayed ', username: `layla${igsid}` });
      const hello = sim().instagramMessage(igAccount.igUserId, igsid, { text: 'hi' });
      await sim().postInstagramWebhook(hello);
      const mid = (hello.entry as { messaging: { message: { mid: string } }[] }[])[0].messaging[0].message
        .mid;
      const igRow = await stored(mid);
      const igChat = await chat(igRow.conversation_id);
      expect(igChat.ofType('recent_messages')[0].messages[0].customer).toMatchObject({
        first_name: 'Layla',
        source: 'instagram',
      });
    });

    it('a Telegram voice note is downloaded, sniffed, and served with range requests', async () => {
      const { from, conversationId } = await conversationWithCustomer();
      const client = await chat(conversationId);
      const update = await telegramSays(from, sim().voiceFields());
      const live = await client.next(
        (f) => f.type === 'chat_message' && f.message.attachments[0]?.kind === 'voice',
      );
      expect(live.message.attachments[0]).toMatchObject({ duration: 2, storage_key: null });
      const updated = await client.next(
        (f) => f.type === 'message_updated' && !!f.message.attachments[0]?.storage_key,
      );
      expect(updated.message.attachments[0]).toMatchObject({
        mime: 'audio/ogg',
        size: SAMPLE_OGG_OPUS.length,
      });

      const messageId = (await stored(`${from.id}:${update.message.message_id}`)).id;
      const url = `${api.url}/api/v1/messages/${messageId}/attachments/0`;
      const whole = await fetch(url, { headers: { authorization: `Bearer ${ws.token}` } });
      expect(whole.status).toBe(200);
      expect(whole.headers.get('accept-ranges')).toBe('bytes');
      expect(Buffer.from(await whole.arrayBuffer()).equals(SAMPLE_OGG_OPUS)).toBe(true);
      // The <audio> element loads a signed media link and seeks with ranges on it.
      const link = await ws.http.get(`/api/v1/messages/${messageId}/attachments/0/link`);
      expect(link.status).toBe(200);
      const part = await fetch(`${api.url}${link.body.url}`, { headers: { range: 'bytes=100-199' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-type')).toBe('audio/ogg');
      expect(part.headers.get('content-range')).toBe(`bytes 100-199/${SAMPLE_OGG_OPUS.length}`);
      expect(Buffer.from(await part.arrayBuffer()).equals(SAMPLE_OGG_OPUS.subarray(100, 200))).toBe(true);

      const other = await signupWorkspace(api);
      expect((await fetch(url, { headers: { authorization: `Bearer ${other.token}` } })).status).toBe(404);
      expect((await fetch(url)).status).toBe(401);
    });

    it('a Telegram photo (largest size) and a shared contact are stored; the phone lands on the contact in E.164', async () => {
      const { from, conversationId } = await conversationWithCustomer();
      const client = await chat(conversationId);
      await telegramSays(from, sim().photoFields('receipt'));
      const photo = await client.next(
        (f) => f.type === 'chat_message' && f.message.attachments[0]?.kind === 'image',
      );
      expect(photo.message).toMatchObject({ content: 'receipt', attachments: [{ width: 800, height: 800 }] });
      await client.next(
        (f) => f.type === 'message_updated' && f.message.attachments[0]?.mime === 'image/jpeg',
      );

      await telegramSays(from, {
        contact: { phone_number: '989121234567', first_name: 'Zahra', user_id: from.id },
      });
      const shared = await client.next(
        (f) => f.type === 'chat_message' && f.message.attachments[0]?.kind === 'contact',
      );
      expect(shared.message.attachments[0].phone).toBe('989121234567');
      const contactId = shared.message.sender.id;
      expect((await ws.http.get(`/api/v1/contacts/${contactId}`)).body.phone).toBe('+989121234567');
    });

    it("a contact from the customer's address book (no Telegram user) is shown but is not their phone", async () => {
      const { from, conversationId } = await conversationWithCustomer();
      const client = await chat(conversationId);
      await telegramSays(from, { contact: { phone_number: '+44 7911 123456', first_name: 'Plumber' } });
      const shared = await client.next(
        (f) => f.type === 'chat_message' && f.message.attachments[0]?.kind === 'contact',
      );
      expect(shared.message.attachments[0].phone).toBe('+44 7911 123456');
      const contact = await ws.http.get(`/api/v1/contacts/${shared.message.sender.id}`);
      expect(contact.body.phone).toBeNull();
    });

    it('an edited Telegram message updates the stored text live', async () => {
      const { from, conversationId } = await conversationWithCustomer();
      const client = await chat(conversationId);
      const original = await telegramSays(from, { text: 'my order is 1024' });
      await client.next((f) => f.type === 'chat_message');
      await sim().postTelegramUpdate(botId(), {
        edited_message: {
          ...original.message,
          text: 'my order is 1042',
          edit_date: Math.floor(Date.now() / 1000),
        },
      });
      const edited = await client.next((f) => f.type === 'message_updated');
      expect(edited.message).toMatchObject({ content: 'my order is 1042', edited_at: expect.any(String) });
      // The newest message: the inbox list's preview follows the edit live.
      const listed = await inbox.next(
        (f) =>
          f.type === 'conversation_updated' &&
          f.conversation.id === conversationId &&
          f.changes?.includes('last_message') &&
          f.conversation.last_message_preview === 'my order is 1042',
      );
      expect(listed.conversation.last_message_preview).toBe('my order is 1042');
      expect((await ws.http.get(`/api/v1/conversations/${conversationId}`)).body.last_message_preview).toBe(
        'my order is 1042',
      );
    });

    it('a live location moving does not mark its message edited', async () => {
      const { from } = await conversationWithCustomer();
      const shared = await telegramSays(from, {
        location: { latitude: 35.7, longitude: 51.33, live_period: 900 },
      });
      const externalId = `${from.id}:${shared.message.message_id}`;
      await stored(externalId);
      const status = await sim().postTelegramUpdate(botId(), {
        edited_message: {
          ...shared.message,
          location: { latitude: 35.701, longitude: 51.3395, live_period: 900, heading: 90 },
          edit_date: Math.floor(Date.now() / 1000),
        },
      });
      // Ingest answers after the update is handled: the row is final by now.
      expect(status).toBe(200);
      const [row] = await api.db.query('SELECT edited_at FROM message WHERE external_id = $1', [externalId]);
      expect(row.edited_at).toBeNull();
    });

    it('ignores group chats', async () => {
      const status = await sim().postTelegramUpdate(botId(), {
        message: {
          message_id: 1,
          from: { id: 1, is_bot: false, first_name: 'G' },
          chat: { id: -100, type: 'group' },
          date: 1,
          text: 'hi',
        },
      });
      expect(status).toBe(200);
      expect(await api.db.query(`SELECT 1 FROM message WHERE external_id = '-100:1'`)).toHaveLength(0);
    });

    it('Instagram text, audio and image reach the agent; the profile comes from the Graph API', async () => {
      const igsid = `9${Date.now()}`;
      sim().setInstagramProfile(igsid, { name: 'Omar Haddad', username: 'omar.h' });
      expect(
        await sim().postInstagramWebhook(
          sim().instagramMessage(igAccount.igUserId, igsid, { text: 'مرحبا' }),
        ),
      ).toBe(200);
      const created = await inbox.next(
        (f) => f.type === 'conversation_created' && f.conversation.contact.username === 'omar.h',
      );
      expect(created.conversation).toMatchObject({
        channel: { type: 'instagram' },
        contact: { name: 'Omar Haddad' },
      });
      const client = await chat(created.conversation.id);
      await sim().postInstagramWebhook(
        sim().instagramMessage(igAccount.igUserId, igsid, {
          attachments: [sim().instagramAttachment('audio')],
        }),
      );
      await sim().postInstagramWebhook(
        sim().instagramMessage(igAccount.igUserId, igsid, {
          attachments: [sim().instagramAttachment('image')],
        }),
      );
      await client.next(
        (f) => f.type === 'message_updated' && f.message.attachments[0]?.mime === 'audio/ogg',
      );
      const image = await client.next(
        (f) => f.type === 'message_updated' && f.message.attachments[0]?.mime === 'image/jpeg',
      );
      const link = await ws.http.get(`/api/v1/messages/${image.message.id}/attachments/0/link`);
      const served = await fetch(`${api.url}${link.body.url}`);
      expect(Buffer.from(await served.arrayBuffer()).equals(SAMPLE_JPEG)).toBe(true);
    });

    it('an Instagram unsend and a reaction reach the agent; an echo of our own send is not stored', async () => {
      const igsid = `8${Date.now()}`;
      const first = sim().instagramMessage(igAccount.igUserId, igsid, { text: 'oops' });
      await sim().postInstagramWebhook(first);
      const mid = (first.entry as { messaging: { message: { mid: string } }[] }[])[0].messaging[0].message
        .mid;
      const row = await stored(mid);
      const client = await chat(row.conversation_id);
      await sim().postInstagramWebhook(
        sim().instagramEvent(igAccount.igUserId, {
          sender: { id: igsid },
          recipient: { id: igAccount.igUserId },
          reaction: { mid, action: 'react', emoji: '❤️', reaction: 'love' },
        }),
      );
      expect(await client.next((f) => f.type === 'reaction')).toMatchObject({
        emoji: '❤️',
        action: 'add',
        sender: { kind: 'contact' },
      });
      await sim().postInstagramWebhook(
        sim().instagramMessage(igAccount.igUserId, igsid, { mid, is_deleted: true }),
      );
      expect(await client.next((f) => f.type === 'message_deleted')).toMatchObject({ message_id: row.id });
      const before = (await api.db.query('SELECT count(*)::int AS n FROM message'))[0].n;
      await sim().postInstagramWebhook(
        sim().instagramMessage(igAccount.igUserId, igAccount.igUserId, { text: 'echo', is_echo: true }),
      );
      expect((await api.db.query('SELECT count(*)::int AS n FROM message'))[0].n).toBe(before);
    });

    it('refuses a wrong Telegram secret and a bad Instagram signature with 403, and records both', async () => {
      const from = newCustomer();
      const update = sim().telegramMessage(botId(), from, { text: 'forged' });
      expect(await sim().postTelegramUpdate(botId(), update, 'not-the-secret')).toBe(403);
      const noHeader = await fetch(`${environment.env.PUBLIC_URL}/webhooks/telegram/${telegram.id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ update_id: 1, ...update }),
      });
      expect(noHeader.status).toBe(403);
      expect(
        await sim().postInstagramWebhook(
          sim().instagramMessage(igAccount.igUserId, '123', { text: 'forged' }),
          false,
        ),
      ).toBe(403);
      const events = await api.db.query(
        `SELECT kind, workspace_id, detail FROM security_event WHERE kind IN ('webhook_secret_invalid', 'webhook_signature_invalid') ORDER BY id`,
      );
      expect(events.map((e: Frame) => e.kind)).toEqual([
        'webhook_secret_invalid',
        'webhook_secret_invalid',
        'webhook_signature_invalid',
      ]);
      expect(events[0].workspace_id).toBe(ws.workspaceId);
      expect(await api.db.query(`SELECT 1 FROM message WHERE content = 'forged'`)).toHaveLength(0);
    });

    it('refuses an Instagram signature with anything after the digest', async () => {
      const raw = JSON.stringify(sim().instagramMessage(igAccount.igUserId, '124', { text: 'padded' }));
      const digest = createHmac('sha256', INSTAGRAM_APP_SECRET).update(raw).digest('hex');
      for (const signature of [
        `sha256=${digest}zz`,
        `sha256=${digest}0`,
        `sha256=${digest},sha256=${digest}`,
      ]) {
        const res = await fetch(`${environment.env.PUBLIC_URL}/webhooks/instagram`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
          body: raw,
        });
        expect(res.status).toBe(403);
      }
      expect(await api.db.query(`SELECT 1 FROM message WHERE content = 'padded'`)).toHaveLength(0);
    });

    it('a Telegram update whose fields have the wrong types is refused with 400, never a 500', async () => {
      const update = { update_id: 1, ...sim().telegramMessage(botId(), newCustomer(), { text: 5 }) };
      const res = await new HttpClient(ingest.url).post(`/webhooks/telegram/${telegram.id}`, update, {
        headers: { 'x-telegram-bot-api-secret-token': sim().bot(botId())!.webhook!.secret_token! },
      });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    });

    it('an Instagram event Parley cannot read is skipped and the rest of its delivery is stored', async () => {
      const igsid = `8${Date.now()}`;
      const event = (mid: string, text: unknown) => ({
        sender: { id: igsid },
        recipient: { id: igAccount.igUserId },
        timestamp: Date.now(),
        message: { mid, text },
      });
      const delivery = {
        object: 'instagram',
        entry: [
          {
            id: igAccount.igUserId,
            time: Date.now(),
            messaging: [event(`unreadable-${igsid}`, 5), event(`readable-${igsid}`, 'the readable one')],
          },
        ],
      };
      expect(await sim().postInstagramWebhook(delivery)).toBe(200);
      await stored(`readable-${igsid}`);
      expect(
        await api.db.query(`SELECT 1 FROM message WHERE external_id = $1`, [`unreadable-${igsid}`]),
      ).toHaveLength(0);
    });

    it('a threefold concurrent delivery of one update stores one message and reaches agents once', async () => {
      const { from, conversationId } = await conversationWithCustomer();
      const client = await chat(conversationId);
      const update = sim().telegramMessage(botId(), from, { text: 'sent three times' });
      const statuses = await Promise.all([1, 2, 3].map(() => sim().postTelegramUpdate(botId(), update)));
      expect(statuses).toEqual([200, 200, 200]);
      await client.next((f) => f.type === 'chat_message');
      const rows = await api.db.query(`SELECT id FROM message WHERE content = 'sent three times'`);
      expect(rows).toHaveLength(1);
      // a later message proves the stream moved on without a second copy
      await telegramSays(from, { text: 'after' });
      await client.next((f) => f.type === 'chat_message' && f.message.content === 'after');
      expect(
        client.ofType('chat_message').filter((f) => f.message.content === 'sent three times'),
      ).toHaveLength(1);
    });
  });

  describe('outbound', () => {
    it("a reply turns sent with the platform's id, and agents hear message_status", async () => {
      const { from, conversationId } = await conversationWithCustomer();
      const client = await chat(conversationId);
      const message = await reply(conversationId, 'We are on it! 🙏');
      const status = await client.next((f) => f.type === 'message_status' && f.message_id === message.id);
      expect(status).toMatchObject({
        status: 'sent',
        external_send_result: {
          success: true,
          message_id: expect.stringMatching(new RegExp(`^${from.id}:\\d+$`)),
        },
      });
      const sends = sim()
        .sent('telegram', botId())
        .filter((c) => c.body.text === 'We are on it! 🙏');
      expect(sends).toHaveLength(1);
      expect(sends[0].body.chat_id).toEqual(String(from.id));
      expect((await statusOf(message.id)).external_id).toBe(status.external_send_result.message_id);
    });

    it("a reply replayed after its send carries the platform's answer: the id it sent, or why it failed", async () => {
      const { conversationId } = await conversationWithCustomer();
      const first = await chat(conversationId);
      const cursor = first.ofType('recent_messages')[0].last_seq as number;
      first.close();
      const delivered = await reply(conversationId, 'this one arrives');
      await eventually(async () => expect((await statusOf(delivered.id)).status).toBe('sent'), 10000);
      sim().inject({
        platform: 'telegram',
        method: 'sendMessage',
        times: 5,
        status: 403,
        description: 'Forbidden: bot was blocked by the user',
      });
      const refused = await reply(conversationId, 'this one is refused');
      await eventually(async () => expect((await statusOf(refused.id)).status).toBe('failed'), 10000);
      const sent = { success: true, message_id: (await statusOf(delivered.id)).external_id };
      const failed = { success: false, error: 'Forbidden: bot was blocked by the user' };

      const resumed = await WsClient.connect(api.url, `/ws/chat/${conversationId}/`, {
        token: ws.token,
        since: cursor,
      });
      sockets.push(resumed);
      const replayedOf = async (id: string) =>
        resumed.next((f) => f.type === 'chat_message' && f.message.id === id);
      expect(await replayedOf(delivered.id)).toMatchObject({
        external_send_result: sent,
        message: { status: 'sent', external_send_result: sent },
      });
      expect(await replayedOf(refused.id)).toMatchObject({
        external_send_result: failed,
        message: { status: 'failed', failure_reason: failed.error, external_send_result: failed },
      });
      // and the status frames that follow in the replay say the same
      await eventually(() => expect(resumed.ofType('message_status')).toHaveLength(2));
      expect(resumed.ofType('message_status').map((f) => f.external_send_result)).toEqual([sent, failed]);
      // REST shows the answer too; a reply not sent yet, and a note, have none
      const history = await ws.http.get(`/api/v1/conversations/${conversationId}/messages`);
      const byId = new Map(history.body.data.map((m: Frame) => [m.id, m.external_send_result]));
      expect([byId.get(delivered.id), byId.get(refused.id)]).toEqual([sent, failed]);
      const note = await ws.http.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
        content: 'internal',
        type: 'note',
      });
      expect(note.body.external_send_result).toBeNull();
    });

    it('a 429 is retried after retry_after and delivered once', async () => {
      const { conversationId } = await conversationWithCustomer();
      sim().inject({ platform: 'telegram', method: 'sendMessage', times: 1, status: 429, retryAfter: 1 });
      const message = await reply(conversationId, 'after the flood');
      await eventually(async () => expect((await statusOf(message.id)).status).toBe('sent'), 10000);
      const attempts = sim().calls.filter(
        (c) => c.method === 'sendMessage' && c.body.text === 'after the flood',
      );
      expect(attempts.map((c) => c.status)).toEqual([429, 200]);
      expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(950);
    });

    it('two 500s then success: delivered once', async () => {
      const { conversationId } = await conversationWithCustomer();
      sim().inject({ platform: 'telegram', method: 'sendMessage', times: 2, status: 500 });
      const message = await reply(conversationId, 'third time lucky');
      await eventually(async () => expect((await statusOf(message.id)).status).toBe('sent'), 10000);
      const attempts = sim().calls.filter(
        (c) => c.method === 'sendMessage' && c.body.text === 'third time lucky',
      );
      expect(attempts.map((c) => c.status)).toEqual([500, 500, 200]);
    });

    it('403 blocked fails at once with the reason, is not retried, and marks the customer unreachable', async () => {
      const { conversationId } = await conversationWithCustomer();
      const client = await chat(conversationId);
      sim().inject({
        platform: 'telegram',
        method: 'sendMessage',
        times: 5,
        status: 403,
        description: 'Forbidden: bot was blocked by the user',
      });
      const message = await reply(conversationId, 'are you there?');
      const failed = await client.next((f) => f.type === 'message_status' && f.status === 'failed');
      expect(failed.external_send_result).toEqual({
        success: false,
        error: 'Forbidden: bot was blocked by the user',
      });
      expect((await statusOf(message.id)).failure_reason).toBe('Forbidden: bot was blocked by the user');
      const contactId = (
        await api.db.query('SELECT contact_id FROM conversation WHERE id = $1', [conversationId])
      )[0].contact_id;
      const contact = await ws.http.get(`/api/v1/contacts/${contactId}`);
      expect(contact.body.identities[0]).toMatchObject({
        unreachable: true,
        unreachable_reason: 'Forbidden: bot was blocked by the user',
      });
      await new Promise((resolve) => setTimeout(resolve, 300)); // room for a wrong retry to show up
      expect(sim().calls.filter((c) => c.body.text === 'are you there?')).toHaveLength(1);
    });

    it('replies to many chats at once each go out once and turn sent once; a refused one fails alone', async () => {
      const conversations = await Promise.all(
        Array.from({ length: 12 }, async () => (await conversationWithCustomer()).conversationId),
      );
      sim().inject({
        platform: 'telegram',
        method: 'sendMessage',
        times: 1,
        status: 400,
        description: 'Bad Request: chat not found',
      });
      const replies = await Promise.all(conversations.map((id, i) => reply(id, `fan-out ${i}`)));
      const ids = replies.map((r) => r.id as string);
      let rows: { id: string; status: string; external_id: string | null }[] = [];
      await eventually(async () => {
        rows = await api.db.query('SELECT id, status, external_id FROM message WHERE id = ANY($1)', [ids]);
        expect(rows.filter((r) => r.status === 'sending')).toEqual([]);
      }, 20000);
      expect(rows.filter((r) => r.status === 'failed')).toHaveLength(1);
      expect(rows.filter((r) => r.status === 'sent' && r.external_id)).toHaveLength(11);
      for (const [i] of ids.entries())
        expect(sim().calls.filter((c) => c.body.text === `fan-out ${i}`)).toHaveLength(1);
      const outcomes: { message_id: string; seq: number; status: string }[] = await api.db.query(
        `SELECT payload->>'message_id' AS message_id, seq::int AS seq, payload->>'status' AS status FROM event
          WHERE workspace_id = $1 AND type = 'message.status' AND payload->>'message_id' = ANY($2)`,
        [ws.workspaceId, ids],
      );
      expect(outcomes.map((o) => o.message_id).sort()).toEqual([...ids].sort());
      for (const row of rows) expect(outcomes.find((o) => o.message_id === row.id)!.status).toBe(row.status);
      const seqs: { seq: number }[] = await api.db.query(
        'SELECT seq::int AS seq FROM event WHERE workspace_id = $1 ORDER BY seq',
        [ws.workspaceId],
      );
      expect(seqs.map((e) => e.seq)).toEqual(seqs.map((_, i) => i + 1));
    });

    it('replies posted while the worker marks earlier ones sent never deadlock', async () => {
      const { conversationId } = await conversationWithCustomer();
      const replies = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          ws.http.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
            content: `burst ${i}`,
            type: 'support',
          }),
        ),
      );
      expect(replies.map((r) => r.status)).toEqual(Array(40).fill(201));
      await eventually(async () => {
        const rows = await api.db.query(
          `SELECT status FROM message WHERE conversation_id = $1 AND type = 'support'`,
          [conversationId],
        );
        expect(rows.every((r: { status: string }) => r.status === 'sent')).toBe(true);
      }, 60000);
    }, 90000);

    it('an agent retries a failed reply and it really goes out again', async () => {
      const { conversationId } = await conversationWithCustomer();
      sim().inject({
        platform: 'telegram',
        method: 'sendMessage',
        times: 1,
        status: 400,
        description: 'Bad Request: something odd',
      });
      const message = await reply(conversationId, 'retry me');
      await eventually(async () => expect((await statusOf(message.id)).status).toBe('failed'));
      const retried = await ws.http.post(`/api/v1/messages/${message.id}/retry`);
      expect(retried.status).toBe(201);
      expect(retried.body.status).toBe('sending');
      await eventually(async () => expect((await statusOf(message.id)).status).toBe('sent'));
      expect(
        sim()
          .calls.filter((c) => c.body.text === 'retry me')
          .map((c) => c.status),
      ).toEqual([400, 200]);
      expect((await ws.http.post(`/api/v1/messages/${message.id}/retry`)).body.code).toBe(
        'message_not_retryable',
      );
    });

    it('Instagram: a reply inside 24 h goes plainly, within 7 days with HUMAN_AGENT, and beyond is refused up front', async () => {
      const igsid = `7${Date.now()}`;
      const first = sim().instagramMessage(igAccount.igUserId, igsid, { text: 'hi' });
      await sim().postInstagramWebhook(first);
      const mid = (first.entry as { messaging: { message: { mid: string } }[] }[])[0].messaging[0].message
        .mid;
      const { conversation_id: conversationId } = await stored(mid);
      const sendsFor = (text: string) =>
        sim()
          .sent('instagram')
          .filter((c) => (c.body.message as { text?: string })?.text === text);

      const fresh = await reply(conversationId, 'inside the window');
      await eventually(async () => expect((await statusOf(fresh.id)).status).toBe('sent'));
      expect(sendsFor('inside the window')[0].body.tag).toBeUndefined();

      await api.db.query(
        `UPDATE conversation SET last_customer_message_at = now() - interval '3 days' WHERE id = $1`,
        [conversationId],
      );
      const tagged = await reply(conversationId, 'human agent follow-up');
      await eventually(async () => expect((await statusOf(tagged.id)).status).toBe('sent'));
      expect(sendsFor('human agent follow-up')[0].body).toMatchObject({
        messaging_type: 'MESSAGE_TAG',
        tag: 'HUMAN_AGENT',
      });

      await api.db.query(
        `UPDATE conversation SET last_customer_message_at = now() - interval '8 days' WHERE id = $1`,
        [conversationId],
      );
      const late = await reply(conversationId, 'too late');
      await eventually(async () => expect((await statusOf(late.id)).status).toBe('failed'));
      expect((await statusOf(late.id)).failure_reason).toMatch(/7 days/);
      expect(sendsFor('too late')).toHaveLength(0);
    });

    it('Instagram seen turns our replies read', async () => {
      const igsid = `6${Date.now()}`;
      const first = sim().instagramMessage(igAccount.igUserId, igsid, { text: 'hello' });
      await sim().postInstagramWebhook(first);
      const mid = (first.entry as { messaging: { message: { mid: string } }[] }[])[0].messaging[0].message
        .mid;
      const { conversation_id: conversationId } = await stored(mid);
      const client = await chat(conversationId);
      const message = await reply(conversationId, 'seen this?');
      await eventually(async () => expect((await statusOf(message.id)).status).toBe('sent'));
      const sentMid = (await statusOf(message.id)).external_id!;
      await sim().postInstagramWebhook(
        sim().instagramEvent(igAccount.igUserId, {
          sender: { id: igsid },
          recipient: { id: igAccount.igUserId },
          read: { mid: sentMid },
        }),
      );
      expect(await client.next((f) => f.type === 'message_status' && f.status === 'read')).toMatchObject({
        message_id: message.id,
      });
    });

    it('Instagram error 190 holds replies and tells the admins; reconnecting sends them', async () => {
      const igsid = `5${Date.now()}`;
      const first = sim().instagramMessage(igAccount.igUserId, igsid, { text: 'hi' });
      await sim().postInstagramWebhook(first);
      const mid = (first.entry as { messaging: { message: { mid: string } }[] }[])[0].messaging[0].message
        .mid;
      const { conversation_id: conversationId } = await stored(mid);
      const notes = await WsClient.connect(api.url, '/ws/notifications/', { token: ws.token });
      sockets.push(notes);
      await notes.next((f) => f.type === 'ready');
      sim().expireInstagramToken(igAccount.igUserId);

      const held = await reply(conversationId, 'held until reconnect');
      const notice = await notes.next((f) => f.kind === 'channel_reauthorization_required');
      expect(notice.channel_id).toBe(instagram.id);
      expect((await ws.http.get(`/api/v1/channels/${instagram.id}`)).body.status).toBe(
        'reauthorization_required',
      );
      expect((await statusOf(held.id)).status).toBe('sending');

      const fresh = sim().newInstagramAccount();
      sim().addInstagramAccount(igAccount.igUserId, fresh.accessToken);
      igAccount = { igUserId: igAccount.igUserId, accessToken: fresh.accessToken };
      const reconnected = await ws.http.patch(`/api/v1/channels/${instagram.id}`, {
        access_token: fresh.accessToken,
      });
      expect(reconnected.body.status).toBe('active');
      await eventually(async () => expect((await statusOf(held.id)).status).toBe('sent'), 15000);
    }, 30000);

    it('a revoked Telegram bot token holds replies and tells the admins; a new token sends them', async () => {
      const { conversationId } = await conversationWithCustomer();
      const notes = await WsClient.connect(api.url, '/ws/notifications/', { token: ws.token });
      sockets.push(notes);
      await notes.next((f) => f.type === 'ready');
      sim().revokeToken(sim().bot(botId())!.token);

      const held = await reply(conversationId, 'held until the bot is reconnected');
      const notice = await notes.next((f) => f.kind === 'channel_reauthorization_required');
      expect(notice.channel_id).toBe(telegram.id);
      expect((await ws.http.get(`/api/v1/channels/${telegram.id}`)).body.status).toBe(
        'reauthorization_required',
      );
      expect((await statusOf(held.id)).status).toBe('sending');

      // BotFather's /revoke gives the same bot a new token.
      const reconnected = await ws.http.patch(`/api/v1/channels/${telegram.id}`, {
        bot_token: `${botId()}:${'n'.repeat(35)}`,
      });
      expect(reconnected.body.status).toBe('active');
      await eventually(async () => expect((await statusOf(held.id)).status).toBe('sent'), 15000);
    }, 30000);

    /** An agent's multipart upload to a conversation, as the dashboard sends it. */
    const uploadTo = async (
      conversationId: string,
      kind: string,
      bytes: Buffer,
      name: string,
      type: string,
    ) => {
      const form = new FormData();
      form.append('kind', kind);
      form.append('duration', '1');
      form.append('file', new Blob([bytes], { type }), name);
      const res = await fetch(`${api.url}/api/v1/conversations/${conversationId}/attachments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ws.token}` },
        body: form,
      });
      return { status: res.status, body: (await res.json()) as Frame };
    };

    it('an agent sends an OGG/Opus voice note and an image as multipart uploads', async () => {
      const { from, conversationId } = await conversationWithCustomer();
      const upload = (kind: string, bytes: Buffer, name: string, type: string) =>
        uploadTo(conversationId, kind, bytes, name, type);
      const voice = await upload('voice', SAMPLE_OGG_OPUS, 'note.ogg', 'audio/ogg');
      expect(voice.status).toBe(201);
      expect(voice.body.attachments[0]).toMatchObject({ kind: 'voice', mime: 'audio/ogg' });
      const image = await upload('image', SAMPLE_JPEG, 'photo.jpg', 'image/jpeg');
      expect(image.status).toBe(201);
      await eventually(async () => {
        expect(await statusOf(voice.body.id)).toMatchObject({ status: 'sent', failure_reason: null });
        expect(await statusOf(image.body.id)).toMatchObject({ status: 'sent', failure_reason: null });
      }, 10000);
      const sentVoice = sim().calls.find(
        (c) => c.method === 'sendVoice' && c.body.chat_id === String(from.id),
      );
      expect(sentVoice?.files[0].bytes.equals(SAMPLE_OGG_OPUS)).toBe(true);
      expect(
        sim().calls.find((c) => c.method === 'sendPhoto' && c.body.chat_id === String(from.id)),
      ).toBeDefined();

      const notOpus = await upload('voice', SAMPLE_JPEG, 'fake.ogg', 'audio/ogg');
      expect(notOpus.status).toBe(415);
      expect(notOpus.body.code).toBe('attachment_invalid');
    });

    it('a voice note goes to Instagram as WAV as recorded, and one in the other platform’s format is converted by the worker', async () => {
      const upload = (conversationId: string, bytes: Buffer, name: string, type: string) =>
        uploadTo(conversationId, 'voice', bytes, name, type);
      // One second of 16-bit mono silence at 16 kHz, as the dashboard's WAV recorder writes it.
      const pcm = Buffer.alloc(32000);
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
      const wav = Buffer.concat([header, pcm]);

      const igsid = `8${Date.now()}`;
      const first = sim().instagramMessage(igAccount.igUserId, igsid, { text: 'send me a voice note' });
      await sim().postInstagramWebhook(first);
      const mid = (first.entry as { messaging: { message: { mid: string } }[] }[])[0].messaging[0].message
        .mid;
      const { conversation_id: igConversation } = await stored(mid);

      const voice = await upload(igConversation, wav, 'voice.wav', 'audio/wav');
      expect(voice.status).toBe(201);
      expect(voice.body.attachments[0]).toMatchObject({ kind: 'voice', mime: 'audio/wav', duration: 1 });
      await eventually(async () =>
        expect(await statusOf(voice.body.id)).toMatchObject({ status: 'sent', failure_reason: null }),
      );
      const sent = sim()
        .sent('instagram')
        .find((c) => c.files.some((f) => f.bytes.equals(wav)));
      expect(sent?.body.message).toEqual({ attachment: { type: 'audio', payload: {} } });
      expect(sent?.files[0].mime).toBe('audio/wav');

      // Instagram takes no Opus: the worker sends it as M4A (AAC in MP4).
      const opus = await upload(igConversation, SAMPLE_OGG_OPUS, 'voice.ogg', 'audio/ogg');
      expect(opus.status).toBe(201);
      await eventually(async () => expect((await statusOf(opus.body.id)).status).toBe('sent'), 15000);
      const converted = sim()
        .sent('instagram')
        .find((c) => c.files.some((f) => f.mime === 'audio/mp4'));
      expect(converted?.files[0].bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');

      // Telegram shows only OGG/Opus as a voice note: the worker sends WAV as that.
      const { from, conversationId: telegramConversation } = await conversationWithCustomer();
      const wavToTelegram = await upload(telegramConversation, wav, 'voice.wav', 'audio/wav');
      expect(wavToTelegram.status).toBe(201);
      await eventually(
        async () => expect((await statusOf(wavToTelegram.body.id)).status).toBe('sent'),
        15000,
      );
      const sentVoice = sim().calls.find(
        (c) => c.method === 'sendVoice' && c.body.chat_id === String(from.id),
      );
      expect(sentVoice?.files[0].bytes.subarray(0, 4).toString('latin1')).toBe('OggS');
    }, 30000);

    it('an agent typing shows "typing" in the Telegram chat, throttled', async () => {
      const { from, conversationId } = await conversationWithCustomer();
      const client = await chat(conversationId);
      for (let i = 0; i < 5; i++) client.send({ type: 'typing', is_typing: true });
      await eventually(() =>
        expect(
          sim().calls.filter((c) => c.method === 'sendChatAction' && c.body.chat_id === String(from.id))
            .length,
        ).toBeGreaterThan(0),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const actions = sim().calls.filter(
        (c) => c.method === 'sendChatAction' && c.body.chat_id === String(from.id),
      );
      expect(actions.length).toBeLessThanOrEqual(2);
      expect(actions[0].body.action).toBe('typing');
    });
  });
});
