import { ChannelOAuthService } from '@parley/domain/services/channel-oauth.service';
import { loadConfig } from '@parley/config/config';
import { CredentialsCipher } from '@parley/domain/services/credentials-cipher';
import type { DivarApp } from '../tools/simulator/divar';
import { SAMPLE_JPEG } from '../tools/simulator/samples';
import {
  freePort,
  freshEnvironment,
  startApi,
  startIngest,
  startWorker,
  TestApp,
  TestEnvironment,
} from './support/app';
import { addAgent, customerWrites, signupWorkspace, storedMessage, Workspace } from './support/factories';
import { eventually, Frame, WsClient } from './support/ws';

/**
 * Divar (Kenar) end to end: the simulator plays Divar's OAuth, API, upload host and CDN, and the
 * customers who post events; api, ingest and worker run for real against Postgres and Redis.
 */
describe('Divar end to end', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let ingest: TestApp;
  let worker: TestApp;
  let ws: Workspace;
  const sockets: WsClient[] = [];
  let seq = 0;

  const divar = () => environment.simulator.divar;
  const uniqueId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;

  interface Connected {
    app: DivarApp;
    channel: { id: string; status: string };
  }

  /** Registers a Kenar app in the simulator and the channel in Parley (not yet authorized). */
  const createChannel = async (workspace: Workspace = ws): Promise<Connected> => {
    const app = divar().newApp();
    const res = await workspace.http.post('/api/v1/channels', {
      type: 'divar',
      name: 'Divar ads',
      app_slug: app.slug,
      api_key: app.apiKey,
      identification_key: app.identificationKey,
      client_secret: app.clientSecret,
    });
    expect(res.status).toBe(201);
    // The admin types the events URL into Divar's panel.
    divar().setEventsUrl(app.slug, `${environment.env.PUBLIC_URL}/webhooks/divar/${res.body.id}`);
    return { app, channel: res.body };
  };

  /** The owner's browser: authorize link → Divar's consent → Parley's callback → the dashboard. */
  const walkOAuth = async (workspace: Workspace, channelId: string) => {
    const start = await workspace.http.get(`/api/v1/channels/${channelId}/divar/authorize`);
    expect(start.status).toBe(200);
    const atDivar = await fetch(start.body.url as string, { redirect: 'manual' });
    expect(atDivar.status).toBe(302);
    const callback = atDivar.headers.get('location')!;
    expect(callback.startsWith(`${api.url}/oauth/divar/callback?`)).toBe(true);
    const back = await fetch(callback, { redirect: 'manual' });
    return {
      callback,
      status: back.status,
      location: back.headers.get('location'),
      start: start.body.url as string,
    };
  };

  const connect = async (workspace: Workspace = ws): Promise<Connected> => {
    const created = await createChannel(workspace);
    const walked = await walkOAuth(workspace, created.channel.id);
    expect(walked.location).toBe(`${api.url}/#/channels?divar=connected&channel=${created.channel.id}`);
    return created;
  };

  const credentialsOf = async (channelId: string) => {
    const [row]: { credentials_encrypted: string; token_expires_at: Date | null; status: string }[] =
      await api.db.query(
        'SELECT credentials_encrypted, token_expires_at, status FROM channel WHERE id = $1',
        [channelId],
      );
    return { ...row, credentials: api.get(CredentialsCipher).decrypt(row.credentials_encrypted, channelId) };
  };
  const channelStatus = async (channelId: string) =>
    (await ws.http.get(`/api/v1/channels/${channelId}`)).body.status as string;
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
  const says = async (app: DivarApp, event: Record<string, unknown>) => {
    expect(await divar().postEvent(app.slug, event)).toBe(200);
    const message = (event.new_message ?? event.new_chatbot_message) as { id: string };
    return storedMessage(api, message.id);
  };
  const reply = async (conversationId: string, content: string, extra: Record<string, unknown> = {}) => {
    const res = await ws.http.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
      content,
      type: 'support',
      ...extra,
    });
    expect(res.status).toBe(201);
    return res.body as Frame;
  };

  beforeAll(async () => {
    const apiPort = await freePort();
    environment = await freshEnvironment({
      API_PORT: String(apiPort),
      API_PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
      // The refresher's timer stays out of the way: the tests run its pass themselves.
      OAUTH_REFRESH_SCAN_SECONDS: '3600',
    });
    api = await startApi(environment);
    ingest = await startIngest(environment);
    worker = await startWorker(environment);
    ws = await signupWorkspace(api);
  });
  afterEach(() => {
    divar().clearFaults();
    divar().expiresIn = 3600;
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(async () => {
    await worker.close();
    await ingest.close();
    await api.close();
    await environment.close();
  });

  describe('connecting with OAuth', () => {
    it('a new channel waits for its grant; the owner grants it; tokens are stored encrypted and events subscribed', async () => {
      const { app, channel } = await createChannel();
      expect(channel.status).toBe('reauthorization_required');

      // Without Accept: application/json the browser is redirected straight to Divar.
      const redirect = await fetch(`${api.url}/api/v1/channels/${channel.id}/divar/authorize`, {
        headers: { authorization: `Bearer ${ws.token}` },
        redirect: 'manual',
      });
      expect(redirect.status).toBe(302);
      const to = new URL(redirect.headers.get('location')!);
      expect(`${to.origin}${to.pathname}`).toBe(`${environment.env.DIVAR_OAUTH_URL}/oauth2/auth`);
      expect(Object.fromEntries(to.searchParams)).toEqual({
        response_type: 'code',
        client_id: app.slug,
        redirect_uri: `${api.url}/oauth/divar/callback`,
        scope:
          'CHAT_SUPPLIER_ALL_CONVERSATIONS_READ CHAT_SUPPLIER_ALL_CONVERSATIONS_MESSAGE_SEND CHAT_BOT_USER_MESSAGE_SEND USER_ID NOTIFICATION_ACCESS_REVOCATION offline_access',
        state: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      });
      expect(redirect.headers.get('location')).toContain('scope=CHAT_SUPPLIER_ALL_CONVERSATIONS_READ%20');

      const walked = await walkOAuth(ws, channel.id);
      expect(walked.status).toBe(302);
      expect(walked.location).toBe(`${api.url}/#/channels?divar=connected&channel=${channel.id}`);

      const stored = await credentialsOf(channel.id);
      const accessToken = divar().currentAccessToken(app.slug)!;
      expect(stored.credentials).toMatchObject({
        app_slug: app.slug,
        access_token: accessToken,
        refresh_token: expect.stringMatching(/^divar-rt-/),
        user_id: app.userId,
        expires_at: expect.any(String),
      });
      expect(stored.credentials_encrypted).not.toContain(accessToken);
      expect(stored.token_expires_at!.getTime()).toBeGreaterThan(Date.now() + 3500 * 1000);
      expect(stored.status).toBe('active');
      const exchange = divar().calls.find((c) => c.endpoint === 'token' && c.body.client_id === app.slug);
      expect(exchange?.body).toMatchObject({
        grant_type: 'authorization_code',
        client_secret: app.clientSecret,
        redirect_uri: `${api.url}/oauth/divar/callback`,
      });
      expect(divar().subscriptions.filter((s) => s.slug === app.slug)).toEqual([
        expect.objectContaining({ eventType: 'NEW_MESSAGE_ON_POST', userId: app.userId }),
      ]);
      const subscribe = divar().calls.find((c) => c.endpoint === 'subscriptions' && c.apiKey === app.apiKey);
      expect(subscribe?.bearer).toBe(accessToken);

      // No answer carries a credential.
      const view = JSON.stringify((await ws.http.get(`/api/v1/channels/${channel.id}`)).body);
      for (const secret of [
        accessToken,
        stored.credentials.refresh_token,
        app.apiKey,
        app.clientSecret,
        app.identificationKey,
      ])
        expect(view).not.toContain(secret);
      expect(walked.location).not.toContain(accessToken);
    });

    it('a used, unknown or missing state gets an error page in the browser’s language, and changes nothing', async () => {
      const { channel } = await createChannel();
      const walked = await walkOAuth(ws, channel.id);
      expect(walked.status).toBe(302);

      const again = await fetch(walked.callback, {
        redirect: 'manual',
        headers: { 'accept-language': 'fa' },
      });
      expect(again.status).toBe(400);
      const page = await again.text();
      expect(page).toContain('data-code="oauth_state_invalid"');
      expect(page).toContain('dir="rtl"');
      expect(page).toContain('این پیوند مجوز ناشناخته است');

      const unknown = await fetch(`${api.url}/oauth/divar/callback?code=x&state=${'A'.repeat(43)}`, {
        headers: { 'accept-language': 'ar' },
      });
      expect(unknown.status).toBe(400);
      expect(await unknown.text()).toContain('رابط التفويض هذا غير معروف');
      const none = await fetch(`${api.url}/oauth/divar/callback?code=x`);
      expect(none.status).toBe(400);
      expect(await none.text()).toContain('already used or has expired');
    });

    it('the owner’s refusal is recorded and the channel keeps waiting', async () => {
      const { channel } = await createChannel();
      divar().denyNext();
      const walked = await walkOAuth(ws, channel.id);
      expect(walked.location).toBe(`${api.url}/#/channels?divar=denied&channel=${channel.id}`);
      expect(await channelStatus(channel.id)).toBe('reauthorization_required');
      const [event] = await api.db.query(
        `SELECT workspace_id, agent_id, detail FROM security_event WHERE kind = 'channel_authorization_denied' AND detail->>'channel_id' = $1`,
        [channel.id],
      );
      expect(event).toMatchObject({
        workspace_id: ws.workspaceId,
        agent_id: ws.adminId,
        detail: { error: 'access_denied' },
      });
      expect((await credentialsOf(channel.id)).credentials.access_token).toBeUndefined();
    });

    it("another workspace cannot authorize this workspace's channel (404), nor an agent who is not an admin (403)", async () => {
      const { channel } = await createChannel();
      const other = await signupWorkspace(api);
      const refused = await other.http.get(`/api/v1/channels/${channel.id}/divar/authorize`);
      expect(refused.status).toBe(404);
      expect(refused.body.code).toBe('not_found');
      const agent = await addAgent(api, ws, 'agent');
      expect((await agent.http.get(`/api/v1/channels/${channel.id}/divar/authorize`)).status).toBe(403);

      // The other workspace's own grant lands on its own channel, never on ours.
      const theirs = await connect(other);
      expect((await credentialsOf(theirs.channel.id)).status).toBe('active');
      expect((await credentialsOf(channel.id)).credentials.access_token).toBeUndefined();
      expect(await channelStatus(channel.id)).toBe('reauthorization_required');
      // A Telegram-style channel has no OAuth: a clear code.
      expect((await ws.http.get(`/api/v1/channels/${channel.id}/instagram/authorize`)).status).toBe(404);
    });
  });

  describe('refreshing', () => {
    it('a token near its expiry is refreshed by the worker, stored rotated, and events subscribed again', async () => {
      divar().expiresIn = 300; // inside the ten minutes before expiry
      const { app, channel } = await connect();
      const before = await credentialsOf(channel.id);
      expect(await worker.get(ChannelOAuthService).refreshDue()).toBeGreaterThanOrEqual(1);

      const after = await credentialsOf(channel.id);
      expect(after.credentials.access_token).toBe(divar().currentAccessToken(app.slug));
      expect(after.credentials.access_token).not.toBe(before.credentials.access_token);
      expect(after.credentials.refresh_token).not.toBe(before.credentials.refresh_token);
      expect(after.token_expires_at!.getTime()).toBeGreaterThan(before.token_expires_at!.getTime());
      const refresh = divar()
        .calls.filter((c) => c.endpoint === 'token' && c.body.client_id === app.slug)
        .pop();
      expect(refresh?.body).toMatchObject({
        grant_type: 'refresh_token',
        refresh_token: before.credentials.refresh_token,
        code: before.credentials.access_token,
      });
      const subscriptions = divar().subscriptions.filter((s) => s.slug === app.slug);
      expect(subscriptions).toHaveLength(2);
      const renewal = divar()
        .calls.filter((c) => c.endpoint === 'subscriptions' && c.apiKey === app.apiKey)
        .pop();
      expect(renewal?.bearer).toBe(after.credentials.access_token);

      // Not due any more (the new token lives 300 s, but the simulator now issues an hour): the
      // rotated token is an hour away after one more refresh, then the next pass leaves it alone.
      divar().expiresIn = 3600;
      await worker.get(ChannelOAuthService).refreshDue();
      const tokenCalls = () =>
        divar().calls.filter((c) => c.endpoint === 'token' && c.body.client_id === app.slug).length;
      const counted = tokenCalls();
      await worker.get(ChannelOAuthService).refreshDue();
      expect(tokenCalls()).toBe(counted);
    });

    it('two refreshers at once (two workers) refresh a due channel once', async () => {
      divar().expiresIn = 300;
      const { app, channel } = await connect();
      divar().expiresIn = 3600;
      const tokenCalls = () =>
        divar().calls.filter((c) => c.endpoint === 'token' && c.body.client_id === app.slug).length;
      const before = tokenCalls();
      // The api process holds the same service: two processes scanning together.
      await Promise.all([
        worker.get(ChannelOAuthService).refreshDue(),
        api.get(ChannelOAuthService).refreshDue(),
      ]);
      expect(tokenCalls()).toBe(before + 1);
      expect((await credentialsOf(channel.id)).credentials.access_token).toBe(
        divar().currentAccessToken(app.slug),
      );
    });

    it('a subscription refused after a refresh keeps the rotated tokens and is renewed at the next scan', async () => {
      divar().expiresIn = 300;
      const { app, channel } = await connect();
      divar().inject({ endpoint: 'subscriptions', times: 1, status: 503 });
      await worker.get(ChannelOAuthService).refreshDue();
      const rotated = await credentialsOf(channel.id);
      expect(rotated.credentials.access_token).toBe(divar().currentAccessToken(app.slug));
      expect(rotated.status).toBe('active');
      expect(divar().subscriptions.filter((s) => s.slug === app.slug)).toHaveLength(1);

      divar().expiresIn = 3600;
      await worker.get(ChannelOAuthService).refreshDue();
      expect(divar().subscriptions.filter((s) => s.slug === app.slug)).toHaveLength(2);
      const after = await credentialsOf(channel.id);
      expect(after.credentials.access_token).toBe(divar().currentAccessToken(app.slug));
      expect(after.token_expires_at!.getTime()).toBeGreaterThan(Date.now() + 3500 * 1000);
    });

    it('a refused refresh (invalid_grant) holds the channel for reauthorization and tells the admins', async () => {
      divar().expiresIn = 120;
      const { channel } = await connect();
      divar().inject({ endpoint: 'token', times: 1, status: 400, oauthError: 'invalid_grant' });
      await worker.get(ChannelOAuthService).refreshDue();
      expect(await channelStatus(channel.id)).toBe('reauthorization_required');
      const [event] = await api.db.query(
        `SELECT detail FROM security_event WHERE kind = 'channel_reauthorization_required' AND detail->>'channel_id' = $1`,
        [channel.id],
      );
      expect(event.detail.reason).toMatch(/refresh was refused/);
    });
  });

  describe('messages', () => {
    let main: Connected;
    beforeAll(async () => {
      main = await connect();
    });

    it('a chatbot message becomes a conversation; the reply goes to the chatbot endpoint with the key and the token', async () => {
      const conversationId = uniqueId('bot');
      const row = await says(
        main.app,
        divar().chatbotMessage(conversationId, { type: 'TEXT', text: 'سلام، قیمت؟' }),
      );
      const conversation = (await ws.http.get(`/api/v1/conversations/${row.conversation_id}`)).body;
      expect(conversation).toMatchObject({
        channel: { id: main.channel.id, type: 'divar' },
        ad: null,
        last_message_preview: 'سلام، قیمت؟',
      });
      const [identity] = await api.db.query(
        'SELECT platform_user_id FROM contact_identity i JOIN conversation c ON c.contact_id = i.contact_id WHERE c.id = $1',
        [row.conversation_id],
      );
      expect(identity.platform_user_id).toBe(`bot:${conversationId}`);

      const sent = await reply(row.conversation_id, 'Hello from the shop');
      await eventually(async () => expect((await statusOf(sent.id)).status).toBe('sent'), 10000);
      const [call] = divar().sent('bot_send', conversationId);
      expect(call).toMatchObject({
        apiKey: main.app.apiKey,
        bearer: divar().currentAccessToken(main.app.slug),
        body: { text_message: 'Hello from the shop' },
      });
      expect(divar().sent('post_send', conversationId)).toHaveLength(0);
      expect((await statusOf(sent.id)).external_id).toMatch(/^parley:/);
    });

    it('a message on an ad shows its ad; the reply goes to the post conversation endpoint', async () => {
      const conversationId = uniqueId('post');
      const row = await says(main.app, divar().postMessage(conversationId, 'gZd7omnS'));
      const conversation = (await ws.http.get(`/api/v1/conversations/${row.conversation_id}`)).body;
      expect(conversation.ad).toEqual({ post_token: 'gZd7omnS', url: 'https://divar.ir/v/gZd7omnS' });
      const list = (await ws.http.get(`/api/v1/conversations?channel_id=${main.channel.id}`)).body;
      expect(list.data.find((c: { id: string }) => c.id === row.conversation_id).ad.post_token).toBe(
        'gZd7omnS',
      );

      const sent = await reply(row.conversation_id, 'Yes, it is available');
      await eventually(async () => expect((await statusOf(sent.id)).status).toBe('sent'), 10000);
      const [call] = divar().sent('post_send', conversationId);
      expect(call).toMatchObject({
        apiKey: main.app.apiKey,
        bearer: divar().currentAccessToken(main.app.slug),
        body: { message: 'Yes, it is available' },
      });
    });

    it("the business's own message (SELLER) is not stored as the customer's", async () => {
      const conversationId = uniqueId('post');
      const own = divar().postMessage(
        conversationId,
        'gZd7omnS',
        { type: 'TEXT', text: 'sent from the Divar app' },
        'SELLER',
      );
      expect(await divar().postEvent(main.app.slug, own)).toBe(200);
      const customer = await says(main.app, divar().postMessage(conversationId, 'gZd7omnS'));
      const rows = await api.db.query('SELECT external_id FROM message WHERE conversation_id = $1', [
        customer.conversation_id,
      ]);
      expect(rows).toHaveLength(1);
      expect(rows[0].external_id).not.toBe((own.new_message as { id: string }).id);
    });

    it('a threefold delivery of one event stores one message', async () => {
      const event = divar().postMessage(uniqueId('post'), 'QXa1b2c3');
      for (let i = 0; i < 3; i++) expect(await divar().postEvent(main.app.slug, event)).toBe(200);
      const row = await storedMessage(api, event.new_message.id);
      // Wait for the worker to have taken every recorded delivery before counting.
      await eventually(async () =>
        expect((await api.db.query('SELECT count(*)::int AS n FROM inbound_update'))[0].n).toBe(0),
      );
      const rows = await api.db.query('SELECT id FROM message WHERE external_id = $1', [
        event.new_message.id,
      ]);
      expect(rows).toEqual([{ id: row.id }]);
    });

    it('a forged identification key is refused with 403 and a security event; nothing is stored', async () => {
      const event = divar().chatbotMessage(uniqueId('bot'));
      expect(await divar().postEvent(main.app.slug, event, 'not-the-identification-key')).toBe(403);
      const [refusal] = await api.db.query(
        `SELECT workspace_id, detail FROM security_event WHERE kind = 'webhook_secret_invalid' AND detail->>'channel_id' = $1`,
        [main.channel.id],
      );
      expect(refusal).toMatchObject({
        workspace_id: ws.workspaceId,
        detail: { platform: 'divar', key_present: true },
      });
      expect(JSON.stringify(refusal)).not.toContain(main.app.identificationKey);
      expect(
        await api.db.query('SELECT id FROM message WHERE external_id = $1', [event.new_chatbot_message.id]),
      ).toEqual([]);
    });

    it("with DIVAR_SOURCE_IPS, an event from outside Divar's addresses is refused even with the right key", async () => {
      const port = await freePort();
      const guarded = await startIngest({
        ...environment,
        ingestPort: port,
        config: loadConfig(
          { ...process.env, ...environment.env, DIVAR_SOURCE_IPS: '78.111.6.41,31.214.250.128/27' },
          '/nonexistent/.env',
        ),
      });
      const url = `http://127.0.0.1:${port}/webhooks/divar/${main.channel.id}`;
      const post = (event: object, forwardedFor?: string) =>
        fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: main.app.identificationKey,
            ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
          },
          body: JSON.stringify(event),
        }).then((res) => res.status);
      try {
        const outsider = divar().chatbotMessage(uniqueId('bot'));
        expect(await post(outsider)).toBe(403);
        const [refusal] = await api.db.query(
          `SELECT detail FROM security_event WHERE kind = 'webhook_secret_invalid' AND detail->>'channel_id' = $1
              AND detail ? 'source_ip_allowed'`,
          [main.channel.id],
        );
        expect(refusal.detail).toMatchObject({ platform: 'divar', source_ip_allowed: false });
        // Behind a trusted proxy (TRUST_PROXY: loopback here), the forwarded client address counts.
        const fromDivar = divar().chatbotMessage(uniqueId('bot'));
        expect(await post(fromDivar, '31.214.250.130')).toBe(200);
        await storedMessage(api, fromDivar.new_chatbot_message.id);
        expect(await post(divar().chatbotMessage(uniqueId('bot')), '203.0.113.7')).toBe(403);
      } finally {
        await guarded.close();
      }
    });

    it('an image, a location and a contact come in; the image is downloaded from the allowed CDN', async () => {
      const conversationId = uniqueId('post');
      const image = await says(
        main.app,
        divar().postMessage(conversationId, 'gZd7omnS', divar().media('image')),
      );
      await eventually(async () => {
        const [row] = await api.db.query('SELECT attachments FROM message WHERE id = $1', [image.id]);
        expect(row.attachments[0]).toMatchObject({
          kind: 'image',
          mime: 'image/jpeg',
          storage_key: expect.any(String),
        });
      }, 10000);
      const location = await says(
        main.app,
        divar().postMessage(conversationId, 'gZd7omnS', {
          type: 'LOCATION',
          location_data: { latitude: 35.7, longitude: 51.4 },
        }),
      );
      const contact = await says(
        main.app,
        divar().postMessage(conversationId, 'gZd7omnS', {
          type: 'CONTACT',
          contact_data: { name: 'Ali', phone: '+989121234567' },
        }),
      );
      const rows = await api.db.query('SELECT id, attachments FROM message WHERE id = ANY($1) ORDER BY seq', [
        [location.id, contact.id],
      ]);
      expect(rows[0].attachments[0]).toMatchObject({ kind: 'location', latitude: 35.7, longitude: 51.4 });
      expect(rows[1].attachments[0]).toMatchObject({
        kind: 'contact',
        phone: '+989121234567',
        file_name: 'Ali',
      });
    });

    it('an attachment link off the allowlist is never fetched', async () => {
      const event = divar().postMessage(uniqueId('post'), 'gZd7omnS', {
        type: 'IMAGE',
        image_data: { link: `${environment.simulator.url}/divar/v1/open-platform/users`, size_bytes: 10 },
      });
      const row = await says(main.app, event);
      await eventually(async () => {
        const [stored] = await api.db.query('SELECT attachments FROM message WHERE id = $1', [row.id]);
        expect(stored.attachments[0].error).toBeTruthy();
      }, 10000);
      expect(divar().calls.filter((c) => c.endpoint === 'users' && !c.apiKey)).toHaveLength(0);
    });

    it('an image reply goes through the two-step upload and carries its media token', async () => {
      const conversationId = uniqueId('post');
      const row = await says(main.app, divar().postMessage(conversationId, 'gZd7omnS'));
      const form = new FormData();
      form.append('kind', 'image');
      form.append('content', 'the photo you asked for');
      form.append('file', new Blob([SAMPLE_JPEG], { type: 'image/jpeg' }), 'photo.jpg');
      const res = await fetch(`${api.url}/api/v1/conversations/${row.conversation_id}/attachments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ws.token}` },
        body: form,
      });
      expect(res.status).toBe(201);
      const message = (await res.json()) as Frame;
      await eventually(async () => expect((await statusOf(message.id)).status).toBe('sent'), 10000);
      const upload = divar()
        .calls.filter((c) => c.endpoint === 'upload' && c.status === 200)
        .pop();
      expect(upload?.file).toMatchObject({ kind: 'image', mime: 'image/jpeg', size: SAMPLE_JPEG.length });
      const ticket = divar()
        .calls.filter((c) => c.endpoint === 'upload_token' && c.status === 200)
        .pop();
      expect(ticket?.apiKey).toBe(main.app.apiKey);
      const [send] = divar().sent('post_send', conversationId);
      expect(send.body).toMatchObject({
        message: 'the photo you asked for',
        media_token: expect.stringMatching(/^media-/),
      });
    });

    it('a 429 is waited out (Retry-After) and the reply then goes once', async () => {
      const conversationId = uniqueId('post');
      const row = await says(main.app, divar().postMessage(conversationId, 'gZd7omnS'));
      divar().inject({
        endpoint: 'post_send',
        times: 1,
        status: 429,
        retryAfter: 2,
        code: 8,
        message: 'rate limit',
      });
      const sent = await reply(row.conversation_id, 'after the wait');
      await eventually(async () => expect((await statusOf(sent.id)).status).toBe('sent'), 15000);
      const calls = divar().calls.filter(
        (c) => c.endpoint === 'post_send' && c.conversationId === conversationId,
      );
      expect(calls.map((c) => c.status)).toEqual([429, 200]);
      expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(1900);
    });

    it('a 429 without Retry-After is retried with backoff; a quota that stays spent fails the reply with the reason', async () => {
      const conversationId = uniqueId('post');
      const row = await says(main.app, divar().postMessage(conversationId, 'gZd7omnS'));
      divar().inject({ endpoint: 'post_send', times: 1, status: 429, code: 8, message: 'rate limit' });
      const retried = await reply(row.conversation_id, 'after a backoff');
      await eventually(async () => expect((await statusOf(retried.id)).status).toBe('sent'), 15000);
      const calls = () =>
        divar().calls.filter((c) => c.endpoint === 'post_send' && c.conversationId === conversationId);
      expect(calls().map((c) => c.status)).toEqual([429, 200]);

      divar().inject({
        endpoint: 'post_send',
        times: 100,
        status: 429,
        code: 8,
        message: 'daily quota exceeded',
      });
      const spent = await reply(row.conversation_id, 'never goes');
      await eventually(async () => expect((await statusOf(spent.id)).status).toBe('failed'), 30000);
      expect((await statusOf(spent.id)).failure_reason).toBe('Divar: daily quota exceeded');
      expect(calls().filter((c) => c.status === 429).length).toBe(1 + 8);
    }, 40000);

    it("412 code 9 (the customer's restriction) fails the reply with the reason and marks the customer unreachable", async () => {
      const conversationId = uniqueId('post');
      const row = await says(main.app, divar().postMessage(conversationId, 'gZd7omnS'));
      divar().inject({
        endpoint: 'post_send',
        times: 1,
        status: 412,
        code: 9,
        message: "message delivery failed due to recipient's restriction",
      });
      const sent = await reply(row.conversation_id, 'will not arrive');
      await eventually(async () => expect((await statusOf(sent.id)).status).toBe('failed'), 10000);
      expect((await statusOf(sent.id)).failure_reason).toBe(
        "Divar: message delivery failed due to recipient's restriction",
      );
      const [identity] = await api.db.query(
        'SELECT unreachable_at, unreachable_reason FROM contact_identity WHERE platform_user_id = $1 AND channel_id = $2',
        [`post:${conversationId}`, main.channel.id],
      );
      expect(identity.unreachable_at).not.toBeNull();
      expect(
        divar().calls.filter((c) => c.endpoint === 'post_send' && c.conversationId === conversationId),
      ).toHaveLength(1);
    });
  });

  describe('link buttons', () => {
    let main: Connected;
    const grid = [
      [
        { caption: 'See the ad', url: 'https://divar.ir/v/gZd7omnS' },
        { caption: 'Our shop', url: 'https://shop.example/items/42' },
      ],
      [{ caption: 'Pay', url: 'https://pay.example/checkout?id=7' }],
    ];
    beforeAll(async () => {
      main = await connect();
    });

    it('a reply on an ad carries them as sender_buttons of open_direct_link actions, and keeps them on the message', async () => {
      const conversationId = uniqueId('post');
      const row = await says(main.app, divar().postMessage(conversationId, 'gZd7omnS'));
      const sent = await reply(row.conversation_id, 'Choose one', { buttons: grid });
      expect(sent.buttons).toEqual(grid);
      await eventually(async () => expect((await statusOf(sent.id)).status).toBe('sent'), 10000);
      const [call] = divar().sent('post_send', conversationId);
      expect(call.body.sender_buttons).toEqual({
        rows: [
          {
            buttons: [
              { action: { open_direct_link: 'https://divar.ir/v/gZd7omnS' }, caption: 'See the ad' },
              { action: { open_direct_link: 'https://shop.example/items/42' }, caption: 'Our shop' },
            ],
          },
          {
            buttons: [{ action: { open_direct_link: 'https://pay.example/checkout?id=7' }, caption: 'Pay' }],
          },
        ],
      });
      const history = (await ws.http.get(`/api/v1/conversations/${row.conversation_id}/messages`)).body;
      expect(history.data.find((m: { id: string }) => m.id === sent.id).buttons).toEqual(grid);
    });

    it('a chatbot reply carries them as buttons; a chat_message frame may carry them too', async () => {
      const conversationId = uniqueId('bot');
      const row = await says(main.app, divar().chatbotMessage(conversationId));
      const chat = await WsClient.connect(api.url, `/ws/chat/${row.conversation_id}/`, { token: ws.token });
      sockets.push(chat);
      await chat.next((f) => f.type === 'recent_messages');
      chat.send({ type: 'chat_message', content: 'From the socket', client_id: 'c-1', buttons: [grid[1]] });
      const echoed = await chat.next(
        (f) => f.type === 'chat_message' && f.message.content === 'From the socket',
      );
      expect(echoed.message.buttons).toEqual([grid[1]]);
      await eventually(async () => expect(divar().sent('bot_send', conversationId)).toHaveLength(1), 10000);
      expect(divar().sent('bot_send', conversationId)[0].body).toEqual({
        text_message: 'From the socket',
        buttons: {
          rows: [
            {
              buttons: [
                { action: { open_direct_link: 'https://pay.example/checkout?id=7' }, caption: 'Pay' },
              ],
            },
          ],
        },
      });
    });

    it('a malformed grid is refused with buttons_invalid, in the agent’s language, and nothing is stored', async () => {
      const conversationId = uniqueId('post');
      const row = await says(main.app, divar().postMessage(conversationId, 'gZd7omnS'));
      const send = (buttons: unknown) =>
        ws.http.post(
          `/api/v1/message/conversation/${row.conversation_id}/send-message/`,
          { content: 'x', type: 'support', buttons },
          { lang: 'fa' },
        );
      const tooMany = await send([[grid[1][0]], [grid[1][0]], [grid[1][0]], [grid[1][0]]]);
      expect(tooMany.status).toBe(400);
      expect(tooMany.body).toMatchObject({
        code: 'buttons_invalid',
        message: expect.stringContaining('دکمه‌ها معتبر نیستند'),
      });
      const http = await send([[{ caption: 'x', url: 'http://shop.example/' }]]);
      expect(http.body.code).toBe('buttons_invalid');
      const note = await ws.http.post(`/api/v1/message/conversation/${row.conversation_id}/send-message/`, {
        content: 'x',
        type: 'note',
        buttons: grid,
      });
      expect(note.body.code).toBe('buttons_invalid');
      const stored = await api.db.query(
        `SELECT id FROM message WHERE conversation_id = $1 AND type <> 'customer'`,
        [row.conversation_id],
      );
      expect(stored).toEqual([]);
    });

    it('Telegram shows them as an inline keyboard of URL buttons; Instagram refuses them up front', async () => {
      const telegram = await ws.http.post('/api/v1/channels', {
        type: 'telegram',
        name: 'Bot',
        bot_token: environment.simulator.newBotToken(),
      });
      const customer = await customerWrites(api, ws.workspaceId, telegram.body.id, { userId: '424242' });
      const sent = await reply(customer.message.conversation_id, 'Pick one', { buttons: grid });
      await eventually(async () => expect((await statusOf(sent.id)).status).toBe('sent'), 10000);
      const [call] = environment.simulator.sent('telegram', telegram.body.external_id);
      expect(call.body.reply_markup).toEqual({
        inline_keyboard: [
          [
            { text: 'See the ad', url: 'https://divar.ir/v/gZd7omnS' },
            { text: 'Our shop', url: 'https://shop.example/items/42' },
          ],
          [{ text: 'Pay', url: 'https://pay.example/checkout?id=7' }],
        ],
      });

      const account = environment.simulator.newInstagramAccount();
      const instagram = await ws.http.post('/api/v1/channels', {
        type: 'instagram',
        name: 'IG',
        ig_user_id: account.igUserId,
        access_token: account.accessToken,
      });
      const igCustomer = await customerWrites(api, ws.workspaceId, instagram.body.id);
      const refused = await ws.http.post(
        `/api/v1/message/conversation/${igCustomer.message.conversation_id}/send-message/`,
        { content: 'x', type: 'support', buttons: grid },
      );
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({
        code: 'buttons_unsupported',
        message: 'instagram messages cannot carry buttons.',
      });
      const plain = await reply(igCustomer.message.conversation_id, 'without buttons');
      expect(plain.buttons).toBeUndefined();
    });
  });

  describe('revocation', () => {
    const notifications = async () => {
      const notes = await WsClient.connect(api.url, '/ws/notifications/', { token: ws.token });
      sockets.push(notes);
      await notes.next((f) => f.type === 'ready');
      return notes;
    };

    it('a revocation notice holds replies and tells the admins; authorizing again sends them', async () => {
      const { app, channel } = await connect();
      const conversationId = uniqueId('post');
      const row = await says(app, divar().postMessage(conversationId, 'gZd7omnS'));
      const notes = await notifications();
      expect(await divar().postEvent(app.slug, divar().revocation(app.slug))).toBe(200);
      divar().revokeGrant(app.slug);
      const notice = await notes.next((f) => f.kind === 'channel_reauthorization_required');
      expect(notice.channel_id).toBe(channel.id);
      expect(await channelStatus(channel.id)).toBe('reauthorization_required');

      const held = await reply(row.conversation_id, 'held until the owner authorizes again');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await statusOf(held.id)).status).toBe('sending');
      expect(
        divar().calls.filter((c) => c.endpoint === 'post_send' && c.conversationId === conversationId),
      ).toHaveLength(0);

      const walked = await walkOAuth(ws, channel.id);
      expect(walked.location).toBe(`${api.url}/#/channels?divar=connected&channel=${channel.id}`);
      expect(await channelStatus(channel.id)).toBe('active');
      await eventually(async () => expect((await statusOf(held.id)).status).toBe('sent'), 15000);
      expect(divar().sent('post_send', conversationId)[0].bearer).toBe(divar().currentAccessToken(app.slug));
    }, 30000);

    it('a 401 on send holds the reply; authorizing again sends it once', async () => {
      const { app, channel } = await connect();
      const conversationId = uniqueId('bot');
      const row = await says(app, divar().chatbotMessage(conversationId));
      const notes = await notifications();
      divar().revokeGrant(app.slug);

      const held = await reply(row.conversation_id, 'held after a 401');
      const notice = await notes.next((f) => f.kind === 'channel_reauthorization_required');
      expect(notice.channel_id).toBe(channel.id);
      expect(await channelStatus(channel.id)).toBe('reauthorization_required');
      expect((await statusOf(held.id)).status).toBe('sending');
      expect(
        divar()
          .calls.filter((c) => c.endpoint === 'bot_send' && c.conversationId === conversationId)
          .map((c) => c.status),
      ).toEqual([401]);

      await walkOAuth(ws, channel.id);
      await eventually(async () => expect((await statusOf(held.id)).status).toBe('sent'), 15000);
      expect(divar().sent('bot_send', conversationId)).toHaveLength(1);
    }, 30000);
  });
});
