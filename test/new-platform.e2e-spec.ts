import { PlatformRegistry } from '@parley/platforms/platform.registry';
import { SAMPLE_JPEG } from '../tools/simulator/samples';
import {
  freshEnvironment,
  startApi,
  startIngest,
  startWorker,
  TestApp,
  TestEnvironment,
} from './support/app';
import { signupWorkspace, storedMessage, Workspace } from './support/factories';
import { HttpClient } from './support/http';
import { TESTCHAT, TestchatAdapter } from './support/testchat.adapter';
import { TestchatServer } from './support/testchat.server';
import { eventually, Frame, WsClient } from './support/ws';

/**
 * Testchat exists only in test/support: an adapter registered with PlatformRegistry.register, as
 * the production adapters are. Nothing else in Parley knows it, yet it is connected, receives
 * through ingest's pipeline, shows in the inbox and sends through the worker.
 */
describe('a new platform is an adapter and a registration', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let ingest: TestApp;
  let worker: TestApp;
  let testchat: TestchatServer;
  let ws: Workspace;
  let account: { accountId: string; token: string };
  let channel: { id: string; type: string; external_id: string; webhook_url: string };
  let inbox: WsClient;
  let sent = 0;
  const sockets: WsClient[] = [];

  /** A customer writes on Testchat; returns the stored message's ids. */
  const customerSays = async (from: string, fields: { text?: string; photo?: string }) => {
    const id = `in-${++sent}`;
    const delivery = await testchat.deliver(account.accountId, {
      id,
      from: { id: from, name: 'Ada Lovelace' },
      ...fields,
    });
    expect(delivery.status).toBe(200);
    return { externalId: id, ...(await storedMessage(api, id)) };
  };
  const reply = async (conversationId: string, content: string) =>
    ws.http.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
      content,
      type: 'support',
    });
  const rowOf = async (messageId: string) =>
    (
      await api.db.query('SELECT status, failure_reason, external_id FROM message WHERE id = $1', [messageId])
    )[0] as { status: string; failure_reason: string | null; external_id: string | null };
  const chat = async (conversationId: string) => {
    const client = await WsClient.connect(api.url, `/ws/chat/${conversationId}/`, { token: ws.token });
    sockets.push(client);
    await client.next((f) => f.type === 'recent_messages');
    return client;
  };

  beforeAll(async () => {
    environment = await freshEnvironment();
    testchat = await new TestchatServer().start();
    api = await startApi(environment);
    ingest = await startIngest(environment);
    worker = await startWorker(environment);
    // The whole of Testchat's wiring: one registration per process, as PLATFORMS does for production.
    for (const app of [api, ingest, worker])
      app.get(PlatformRegistry).register(new TestchatAdapter(testchat.url));

    ws = await signupWorkspace(api);
    account = testchat.newAccount();
    const created = await ws.http.post('/api/v1/channels', {
      type: TESTCHAT,
      name: 'Testchat',
      access_token: account.token,
    });
    expect(created.status).toBe(201);
    channel = created.body;
    inbox = await WsClient.connect(api.url, '/ws/conversations/', { token: ws.token });
    await inbox.next((f) => f.type === 'ready');
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(async () => {
    inbox?.close();
    await worker?.close();
    await ingest?.close();
    await api?.close();
    await testchat?.stop();
    await environment?.close();
  });

  it('connects over REST: the adapter checks the token and registers the webhook at ingest’s one route', async () => {
    expect(channel).toMatchObject({
      type: TESTCHAT,
      external_id: account.accountId,
      webhook_url: `${environment.env.PUBLIC_URL}/webhooks/testchat/${channel.id}`,
    });
    const [{ webhook_secret: secret }] = await api.db.query(
      'SELECT webhook_secret FROM channel WHERE id = $1',
      [channel.id],
    );
    expect(testchat.webhookOf(account.accountId)).toEqual({ url: channel.webhook_url, secret });
    const refused = await ws.http.post('/api/v1/channels', {
      type: TESTCHAT,
      name: 'x',
      access_token: 'wrong',
    });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('channel_credentials_invalid');
  });

  it('a signed delivery becomes a customer message, live on the conversations socket and in REST', async () => {
    const { conversation_id: conversationId, id } = await customerSays('ada', {
      text: 'Is my parcel on its way?',
    });
    const created = await inbox.next(
      (f) => f.type === 'conversation_created' && f.conversation.id === conversationId,
    );
    expect(created.conversation).toMatchObject({
      channel: { id: channel.id, type: TESTCHAT },
      contact: { name: 'Ada Lovelace' },
    });
    const history = await ws.http.get(`/api/v1/conversations/${conversationId}/messages`);
    expect(history.body.data).toEqual([
      expect.objectContaining({
        id,
        type: 'customer',
        content: 'Is my parcel on its way?',
        sender: expect.objectContaining({ kind: 'contact', name: 'Ada Lovelace' }),
      }),
    ]);
    const listed = await ws.http.get(`/api/v1/conversations?channel_id=${channel.id}`);
    expect(listed.body.data.map((c: Frame) => c.id)).toContain(conversationId);
  });

  it('an agent’s reply leaves through the adapter and turns sent with Testchat’s id', async () => {
    const { conversation_id: conversationId } = await customerSays('grace', { text: 'hello' });
    const client = await chat(conversationId);
    const res = await reply(conversationId, 'On its way, Grace!');
    expect(res.status).toBe(201);
    const status = await client.next((f) => f.type === 'message_status' && f.message_id === res.body.id);
    expect(status).toMatchObject({
      status: 'sent',
      external_send_result: { success: true, message_id: expect.stringMatching(/^tc-\d+$/) },
    });
    const sends = testchat.calls.filter(
      (c) => c.method === 'messages' && c.body.text === 'On its way, Grace!',
    );
    expect(sends).toEqual([
      { method: 'messages', account: account.accountId, body: { to: 'grace', text: 'On its way, Grace!' } },
    ]);
    expect((await rowOf(res.body.id)).external_id).toBe(status.external_send_result.message_id);
  });

  it('a delivery with a wrong or no signature is refused with 403 and the adapter’s security event', async () => {
    const forged = { id: 'forged-1', from: { id: 'mallory' }, text: 'forged' };
    expect((await testchat.deliver(account.accountId, forged, { signature: 'ab'.repeat(32) })).status).toBe(
      403,
    );
    const unsigned = await testchat.deliver(account.accountId, forged, { signature: null });
    expect(unsigned).toEqual({ status: 403, body: expect.objectContaining({ code: 'forbidden' }) });
    const events = await api.db.query(
      `SELECT kind, workspace_id, detail FROM security_event WHERE detail->>'platform' = $1 ORDER BY id`,
      [TESTCHAT],
    );
    expect(events).toEqual([
      {
        kind: 'webhook_signature_invalid',
        workspace_id: ws.workspaceId,
        detail: { platform: TESTCHAT, channel_id: channel.id, signature_present: true },
      },
      {
        kind: 'webhook_signature_invalid',
        workspace_id: ws.workspaceId,
        detail: { platform: TESTCHAT, channel_id: channel.id, signature_present: false },
      },
    ]);
    expect(await api.db.query(`SELECT 1 FROM message WHERE content = 'forged'`)).toHaveLength(0);
  });

  it('a body that is not Testchat’s shape is 400 validation_failed with the adapter’s words', async () => {
    const outline = await testchat.deliver(account.accountId, { from: { id: 'x' }, text: 'no id' });
    expect(outline.status).toBe(400);
    expect(outline.body).toMatchObject({
      code: 'validation_failed',
      message: expect.stringMatching(/string id/),
    });
    const empty = await testchat.deliver(account.accountId, { id: 'in-empty', from: { id: 'x' } });
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ message: expect.stringMatching(/text or a photo/) });
  });

  it('a photo is fetched through the adapter with the channel’s token and stored', async () => {
    const photo = testchat.addFile(SAMPLE_JPEG, 'image/jpeg');
    const { conversation_id: conversationId } = await customerSays('ada', { text: 'hello' });
    const client = await chat(conversationId);
    const { id } = await customerSays('ada', { photo });
    const updated = await client.next(
      (f) => f.type === 'message_updated' && !!f.message.attachments[0]?.storage_key,
    );
    expect(updated.message.attachments[0]).toMatchObject({
      kind: 'image',
      mime: 'image/jpeg',
      size: SAMPLE_JPEG.length,
    });
    expect(updated.message.id).toBe(id);
    expect(testchat.calls).toContainEqual({
      method: 'file',
      account: account.accountId,
      body: { id: photo },
    });
  });

  it('an agent typing shows on Testchat through the adapter', async () => {
    const { conversation_id: conversationId } = await customerSays('linus', { text: 'hi' });
    const client = await chat(conversationId);
    client.send({ type: 'typing', is_typing: true });
    await eventually(() =>
      expect(testchat.calls).toContainEqual({
        method: 'typing',
        account: account.accountId,
        body: { to: 'linus' },
      }),
    );
  });

  it('the adapter’s text limit and reply window apply to replies', async () => {
    const { conversation_id: conversationId } = await customerSays('edsger', { text: 'hi' });
    const long = await reply(conversationId, 'x'.repeat(281));
    expect(long.status).toBe(400);
    expect(long.body).toMatchObject({
      code: 'message_too_long',
      message: expect.stringMatching(/testchat.*280/),
    });

    await api.db.query(
      `UPDATE conversation SET last_customer_message_at = now() - interval '2 hours' WHERE id = $1`,
      [conversationId],
    );
    const late = await reply(conversationId, 'too late for Testchat');
    expect(late.status).toBe(201);
    await eventually(async () => expect((await rowOf(late.body.id)).status).toBe('failed'));
    expect((await rowOf(late.body.id)).failure_reason).toMatch(/within an hour/);
    expect(testchat.calls.filter((c) => c.body.text === 'too late for Testchat')).toHaveLength(0);
  });

  it('a path that is not how a registered platform addresses its webhooks is no endpoint', async () => {
    const hook = new HttpClient(ingest.url);
    const body = { id: 'x', from: { id: 'x' }, text: 'x' };
    for (const path of [
      '/webhooks/nowhere',
      `/webhooks/nowhere/${channel.id}`,
      '/webhooks/testchat', // Testchat names its channel in the path
      `/webhooks/instagram/${channel.id}`, // Instagram's deliveries are for the whole app
    ]) {
      const res = await hook.post(path, body);
      expect([path, res.status, res.body.code]).toEqual([path, 404, 'route_not_found']);
    }
    expect((await hook.get('/webhooks/testchat')).body.code).toBe('route_not_found'); // no handshake
    const unknown = await hook.post(
      `/webhooks/testchat/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`,
      body,
    );
    expect([unknown.status, unknown.body.code]).toEqual([404, 'not_found']);
  });
});
