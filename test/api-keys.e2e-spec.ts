import fc from 'fast-check';
import { en } from '@parley/errors/i18n/en';
import {
  freshEnvironment,
  startApi,
  startIngest,
  startWorker,
  TestApp,
  TestEnvironment,
} from './support/app';
import { addAgent, signupWorkspace, storedMessage, Workspace } from './support/factories';
import { HttpClient } from './support/http';
import { eventually, WsClient } from './support/ws';

/**
 * Apps acting on a workspace with API keys: created by an admin, shown once, stored hashed,
 * limited to their scopes and their own budget, attributed on what they send, revoked at once.
 */
describe('API keys', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  /** A second api instance on the same database and Redis, as a replica behind a load balancer. */
  let second: TestApp;
  let ingest: TestApp;
  let worker: TestApp;
  let ws: Workspace;
  let telegram: { id: string; external_id: string };
  let customerId = 91000;
  let keyCount = 0;
  const sockets: WsClient[] = [];

  const sim = () => environment.simulator;
  const createKey = (name: string, scopes: string[], admin: Workspace = ws) =>
    admin.http.post('/api/v1/api-keys', { name, scopes });
  const newKey = async (scopes: string[], admin: Workspace = ws) => {
    const res = await createKey(`App ${++keyCount}`, scopes, admin);
    expect([res.status, res.body.code]).toEqual([201, undefined]);
    return {
      ...(res.body as { id: string; key: string; name: string }),
      http: new HttpClient(api.url).as(res.body.key),
    };
  };
  const conversationWithCustomer = async () => {
    const from = { id: ++customerId, first_name: 'Sara' };
    const update = sim().telegramMessage(telegram.external_id, from, { text: 'where is my order?' });
    expect(await sim().postTelegramUpdate(telegram.external_id, update)).toBe(200);
    const row = await storedMessage(api, `${from.id}:${update.message.message_id}`);
    return { from, conversationId: row.conversation_id };
  };
  const securityKinds = async () =>
    (await ws.http.get('/api/v1/admin/security/summary')).body.counts_by_kind as Record<string, number>;

  beforeAll(async () => {
    environment = await freshEnvironment({
      API_KEY_MESSAGES_PER_MINUTE: '5',
      AUTH_FAILURES_BEFORE_BLOCK: '5',
      AUTH_REQUESTS_PER_MINUTE_PER_IP: '1000',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    });
    api = await startApi(environment);
    second = await startApi(environment);
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
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(async () => {
    await worker.close();
    await ingest.close();
    await second.close();
    await api.close();
    await environment.close();
  });

  it('an admin creates a key shown once: the list never shows it and only its hash is stored', async () => {
    const res = await createKey('Order system', ['conversations:read', 'messages:write']);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.any(String),
      name: 'Order system',
      scopes: ['conversations:read', 'messages:write'],
      key: expect.stringMatching(/^pk_live_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/),
      created_at: expect.any(String),
      last_used_at: null,
      revoked_at: null,
    });
    const key = res.body.key as string;
    const secret = key.slice('pk_live_'.length + 33);

    const list = await ws.http.get('/api/v1/api-keys');
    expect(list.status).toBe(200);
    const listed = list.body.find((k: { id: string }) => k.id === res.body.id);
    expect(listed).toMatchObject({ name: 'Order system', created_by: { id: ws.adminId, name: 'Admin' } });
    expect(listed).not.toHaveProperty('key');
    expect(JSON.stringify(list.body)).not.toContain(secret);

    const [row] = await api.db.query(`SELECT * FROM api_key WHERE id = $1`, [res.body.id]);
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(JSON.stringify(row)).not.toContain(key);
    expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);

    // Using it sets last_used_at.
    expect((await new HttpClient(api.url).as(key).get('/api/v1/conversations')).status).toBe(200);
    const after = (await ws.http.get('/api/v1/api-keys')).body.find(
      (k: { id: string }) => k.id === res.body.id,
    );
    expect(after.last_used_at).toEqual(expect.any(String));
    // ...and within the minute using it again writes nothing.
    expect((await new HttpClient(api.url).as(key).get('/api/v1/conversations')).status).toBe(200);
    const [{ last_used_at }] = await api.db.query(`SELECT last_used_at FROM api_key WHERE id = $1`, [
      res.body.id,
    ]);
    expect(last_used_at.toISOString()).toBe(after.last_used_at);
    expect((await securityKinds()).api_key_created).toBeGreaterThanOrEqual(1);
  });

  it("a key with messages:write sends a reply that reaches Telegram, its sender the app on REST and on the agents' socket", async () => {
    const app = await newKey(['conversations:read', 'messages:read', 'messages:write']);
    const { from, conversationId } = await conversationWithCustomer();
    const chat = await WsClient.connect(api.url, `/ws/chat/${conversationId}/`, { token: ws.token });
    sockets.push(chat);
    await chat.next((f) => f.type === 'recent_messages');

    const sent = await app.http.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
      content: 'Your order ships tomorrow',
      type: 'support',
    });
    expect(sent.status).toBe(201);
    const sender = { kind: 'app', id: app.id, name: app.name };
    expect(sent.body.sender).toEqual(sender);

    const frame = await chat.next((f) => f.type === 'chat_message' && f.message.id === sent.body.id);
    expect(frame.message.sender).toEqual(sender);
    await eventually(() => {
      const calls = sim()
        .sent('telegram', telegram.external_id)
        .filter((c) => c.body.text === 'Your order ships tomorrow');
      expect(calls).toHaveLength(1);
      expect(calls[0].body.chat_id).toEqual(String(from.id));
    }, 10000);

    const history = await app.http.get(`/api/v1/conversations/${conversationId}/messages`);
    expect(history.status).toBe(200);
    const stored = history.body.data.find((m: { id: string }) => m.id === sent.body.id);
    expect(stored.sender).toEqual(sender);
    const [row] = await api.db.query(`SELECT sender_agent_id, sender_api_key_id FROM message WHERE id = $1`, [
      sent.body.id,
    ]);
    expect(row).toEqual({ sender_agent_id: null, sender_api_key_id: app.id });
  });

  it('a key without the scope is refused 403 scope_missing, and the admin sees the refusal', async () => {
    const reader = await newKey(['conversations:read']);
    const { conversationId } = await conversationWithCustomer();
    expect((await reader.http.get(`/api/v1/conversations/${conversationId}`)).status).toBe(200);
    const before = (await securityKinds()).scope_refused ?? 0;

    const refused = await reader.http.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
      content: 'not allowed',
      type: 'support',
    });
    expect([refused.status, refused.body.code]).toEqual([403, 'scope_missing']);
    expect(refused.body.message).toContain('messages:write');
    const status = await reader.http.patch(`/api/v1/message/conversation/${conversationId}/status/`, {
      status: 'resolved',
    });
    expect([status.status, status.body.code]).toEqual([403, 'scope_missing']);
    expect((await reader.http.get(`/api/v1/conversations/${conversationId}/messages`)).body.code).toBe(
      'scope_missing',
    );
    expect((await reader.http.get('/api/v1/contacts')).body.code).toBe('scope_missing');
    expect((await securityKinds()).scope_refused).toBe(before + 4);
    expect(await api.db.query(`SELECT 1 FROM message WHERE content = 'not allowed'`)).toHaveLength(0);
  });

  it('a key with conversations:write and contacts scopes changes status and assignee and edits contacts', async () => {
    const app = await newKey(['conversations:write', 'contacts:read', 'contacts:write']);
    const { conversationId } = await conversationWithCustomer();
    const status = await app.http.patch(`/api/v1/message/conversation/${conversationId}/status/`, {
      status: 'pending',
    });
    expect([status.status, status.body.status]).toEqual([200, 'pending']);
    const assigned = await app.http.post(`/api/v1/conversations/${conversationId}/assign`, {
      agent_id: ws.adminId,
    });
    expect([assigned.status, assigned.body.assignee?.id]).toEqual([200, ws.adminId]);
    const contacts = await app.http.get('/api/v1/contacts');
    expect(contacts.status).toBe(200);
    const contactId = contacts.body.data[0].id as string;
    const edited = await app.http.patch(`/api/v1/contacts/${contactId}`, { name: 'Sara K.' });
    expect([edited.status, edited.body.name]).toEqual([200, 'Sara K.']);
  });

  it("a key with webhooks:manage manages the workspace's webhooks; without it 403 scope_missing", async () => {
    const app = await newKey(['webhooks:manage']);
    const created = await app.http.post('/api/v1/webhooks', {
      url: 'http://127.0.0.1:9/parley-events',
      events: ['message.created'],
    });
    expect([created.status, typeof created.body.secret]).toEqual([201, 'string']);
    const listed = await app.http.get('/api/v1/webhooks');
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).toContain(created.body.id);
    const removed = await app.http.delete(`/api/v1/webhooks/${created.body.id}`);
    expect(removed.status).toBeLessThan(300);

    const other = await newKey(['messages:write', 'conversations:read']);
    const refused = await other.http.post('/api/v1/webhooks', {
      url: 'http://127.0.0.1:9/parley-events',
      events: ['message.created'],
    });
    expect([refused.status, refused.body.code]).toEqual([403, 'scope_missing']);
    // An agent who is not an admin is still refused, scopes or not.
    const agent = await addAgent(api, ws);
    const byAgent = await agent.http.get('/api/v1/webhooks');
    expect([byAgent.status, byAgent.body.code]).toEqual([403, 'admin_only']);
  });

  it('agent-only routes refuse a key with every scope (403 agents_only)', async () => {
    const app = await newKey([
      'conversations:read',
      'conversations:write',
      'messages:read',
      'messages:write',
      'contacts:read',
      'contacts:write',
      'webhooks:manage',
    ]);
    const { conversationId } = await conversationWithCustomer();
    const refusals = [
      await app.http.get('/api/v1/agents'),
      await app.http.post('/api/v1/agents', { name: 'x', email: 'x@example.test', role: 'admin' }),
      await app.http.post('/api/v1/channels', { type: 'telegram', name: 'x', bot_token: 'x' }),
      await app.http.get('/api/v1/channels'),
      await app.http.get('/api/v1/admin/security/summary'),
      await app.http.get('/api/v1/api-keys'),
      await app.http.post('/api/v1/api-keys', { name: 'escalate', scopes: ['messages:write'] }),
      await app.http.get('/api/v1/auth/me'),
      await app.http.post('/api/v1/auth/logout', {}),
      await app.http.post(`/api/v1/conversations/${conversationId}/read`, {}),
    ];
    expect(refusals.map((r) => [r.status, r.body.code])).toEqual(refusals.map(() => [403, 'agents_only']));
    // Sockets too: refused as agents-only, and not counted as a failed sign-in.
    const failures = async () =>
      Number(
        (await api.db.query(`SELECT count(*) AS n FROM security_event WHERE kind = 'auth_failed'`))[0].n,
      );
    const failuresBefore = await failures();
    const socket = await WsClient.connect(api.url, '/ws/conversations/', {
      token: app.key,
      protocol: true,
    }).catch((error: { status: number; body: string }) => error);
    expect(socket).toMatchObject({ status: 403 });
    expect((socket as { body: string }).body).toContain('agents_only');
    expect(await failures()).toBe(failuresBefore);
    // The agent's own token is unaffected by scopes.
    expect((await ws.http.get('/api/v1/agents')).status).toBe(200);
  });

  it('a revoked key is refused on its next request (401), on every api instance', async () => {
    {
      const app = await newKey(['conversations:read']);
      const elsewhere = new HttpClient(second.url).as(app.key);
      expect((await app.http.get('/api/v1/conversations')).status).toBe(200);
      expect((await elsewhere.get('/api/v1/conversations')).status).toBe(200);

      const revoked = await ws.http.delete(`/api/v1/api-keys/${app.id}`);
      expect(revoked.status).toBe(200);
      expect(revoked.body.revoked_at).toEqual(expect.any(String));
      expect((await app.http.get('/api/v1/conversations')).status).toBe(401);
      expect((await elsewhere.get('/api/v1/conversations')).status).toBe(401);
      expect((await securityKinds()).api_key_revoked).toBeGreaterThanOrEqual(1);
    }
  });

  it("an app's activity shows its messages, the conversations it changed and its refusals; admins only, own workspace", async () => {
    const app = await newKey(['messages:write', 'conversations:write']);
    const { conversationId } = await conversationWithCustomer();
    const send = (content: string) =>
      app.http.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
        content,
        type: 'note',
      });
    expect((await send('activity one')).status).toBe(201);
    expect((await send('activity two')).status).toBe(201);
    expect(
      (await app.http.patch(`/api/v1/message/conversation/${conversationId}/status/`, { status: 'pending' }))
        .status,
    ).toBe(200);
    expect((await app.http.get('/api/v1/contacts')).body.code).toBe('scope_missing');

    const activity = await ws.http.get(`/api/v1/admin/security/apps/${app.id}/activity?hours=1`);
    expect(activity.status).toBe(200);
    expect(activity.body).toMatchObject({
      api_key_id: app.id,
      name: app.name,
      scopes: ['messages:write', 'conversations:write'],
      hours: 1,
      messages_sent: 2,
      messages_failed: 0,
      conversations_changed: 1,
      messages_last_minute: 2,
      // API_KEY_MESSAGES_PER_MINUTE of this file's stack.
      messages_per_minute_limit: 5,
      // Its creation, and the refusal.
      security_events: 2,
      revoked_at: null,
    });
    expect(activity.body.last_used_at).not.toBeNull();
    expect(activity.body.recent_events).toEqual([
      expect.objectContaining({
        kind: 'scope_refused',
        detail: expect.objectContaining({ api_key_id: app.id }),
      }),
      expect.objectContaining({
        kind: 'api_key_created',
        detail: expect.objectContaining({ api_key_id: app.id }),
      }),
    ]);
    // Another workspace's admin, an agent, and the app itself are refused.
    const other = await signupWorkspace(api);
    expect((await other.http.get(`/api/v1/admin/security/apps/${app.id}/activity`)).status).toBe(404);
    const agent = await addAgent(api, ws, 'agent');
    expect((await agent.http.get(`/api/v1/admin/security/apps/${app.id}/activity`)).status).toBe(403);
    expect((await app.http.get(`/api/v1/admin/security/apps/${app.id}/activity`)).body.code).toBe(
      'agents_only',
    );
  });

  it("another workspace's key is not found, and a key reads only its own workspace", async () => {
    const other = await signupWorkspace(api);
    const theirs = await newKey(['conversations:read'], other);
    expect((await ws.http.delete(`/api/v1/api-keys/${theirs.id}`)).status).toBe(404);
    expect((await ws.http.delete('/api/v1/api-keys/not-a-uuid')).status).toBe(404);
    expect((await theirs.http.get('/api/v1/conversations')).status).toBe(200);
    expect((await ws.http.get('/api/v1/api-keys')).body.map((k: { id: string }) => k.id)).not.toContain(
      theirs.id,
    );

    const { conversationId } = await conversationWithCustomer();
    expect((await theirs.http.get(`/api/v1/conversations/${conversationId}`)).status).toBe(404);
    expect((await theirs.http.get('/api/v1/conversations')).body.data).toEqual([]);
  });

  it('forged and garbage keys are 401 and count toward the IP blacklist like forged tokens', async () => {
    const real = await newKey(['conversations:read']);
    const attacker = '198.51.100.77';
    const from = { headers: { 'x-forwarded-for': attacker } };
    const forged = [
      'pk_live_garbage',
      `pk_live_${'0'.repeat(32)}_${'A'.repeat(43)}`,
      `${real.key.slice(0, -4)}AAAA`,
      'pk_live_',
      `${real.key}x`,
    ];
    for (const key of forged) {
      const res = await new HttpClient(api.url, from).as(key).get('/api/v1/conversations');
      expect([res.status, res.body.code]).toEqual([401, 'unauthorized']);
    }
    const blocked = await new HttpClient(api.url, from).as(real.key).get('/api/v1/conversations');
    expect([blocked.status, blocked.body.code]).toEqual([403, 'ip_blocked']);
    // Anyone else with the real key goes on.
    expect((await real.http.get('/api/v1/conversations')).status).toBe(200);
  });

  it('a key has its own message budget: past it 429 rate_limited, while agents still send', async () => {
    const app = await newKey(['messages:write']);
    const { conversationId } = await conversationWithCustomer();
    const post = (client: HttpClient, content: string) =>
      client.post(`/api/v1/message/conversation/${conversationId}/send-message/`, { content, type: 'note' });
    for (let n = 0; n < 5; n++) expect((await post(app.http, `app note ${n}`)).status).toBe(201);
    const refused = await post(app.http, 'one too many');
    expect([refused.status, refused.body.code]).toEqual([429, 'rate_limited']);
    expect(refused.body.retry_after).toBeGreaterThan(0);
    expect((await post(ws.http, 'the agent still writes')).status).toBe(201);
    // Another key has a budget of its own.
    const another = await newKey(['messages:write']);
    expect((await post(another.http, 'another app')).status).toBe(201);
  });

  it('refuses a bad name or scopes with stable codes in en, fa and ar, and non-admins', async () => {
    const cases: [unknown, unknown, string][] = [
      ['', ['messages:write'], 'api_key_name_invalid'],
      ['   ', ['messages:write'], 'api_key_name_invalid'],
      ['x'.repeat(81), ['messages:write'], 'api_key_name_invalid'],
      [undefined, ['messages:write'], 'api_key_name_invalid'],
      ['Shop', ['messages:write', 'everything:admin'], 'api_key_scopes_invalid'],
      ['Shop', [], 'api_key_scopes_invalid'],
      ['Shop', 'messages:write', 'api_key_scopes_invalid'],
      ['Shop', undefined, 'api_key_scopes_invalid'],
    ];
    for (const [name, scopes, code] of cases) {
      const res = await ws.http.post('/api/v1/api-keys', { name, scopes });
      expect([res.status, res.body.code]).toEqual([400, code]);
    }
    const messages = await Promise.all(
      ['en', 'fa', 'ar'].map(
        async (lang) =>
          (await ws.http.post('/api/v1/api-keys', { name: 'Shop', scopes: ['everything:admin'] }, { lang }))
            .body.message as string,
      ),
    );
    expect(messages[0]).toContain('everything:admin');
    expect(new Set(messages).size).toBe(3);
    expect(messages[1]).toMatch(/[\u0600-\u06FF]/);
    expect(messages[2]).toMatch(/[\u0600-\u06FF]/);
    expect(await api.db.query(`SELECT 1 FROM api_key WHERE name = 'Shop'`)).toHaveLength(0);

    const agent = await addAgent(api, ws);
    const byAgent = await agent.http.post('/api/v1/api-keys', { name: 'Mine', scopes: ['messages:write'] });
    expect([byAgent.status, byAgent.body.code]).toEqual([403, 'admin_only']);
    expect((await agent.http.get('/api/v1/api-keys')).status).toBe(403);
  });

  it('creating a key answers any JSON with 201 or a 4xx with a known code, and any pk_live_ bearer with 401, never a 500', async () => {
    const codes = new Set(Object.keys(en));
    const anyValue = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.constant(null),
      fc.array(fc.anything(), { maxLength: 4 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.json(),
          fc.record({
            name: anyValue,
            scopes: fc.oneof(anyValue, fc.array(fc.constantFrom('messages:write', 'x', 1))),
          }),
        ),
        async (body) => {
          const res = await fetch(`${api.url}/api/v1/api-keys`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${ws.token}` },
            body: typeof body === 'string' ? body : JSON.stringify(body),
          });
          const json = (await res.json()) as { code?: string };
          expect(res.status === 201 || (res.status >= 400 && res.status < 500)).toBe(true);
          if (res.status >= 400) expect(codes.has(json.code!)).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
    let tries = 0;
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary-ascii', maxLength: 120 }), async (tail) => {
        // Printable ASCII only: a header cannot carry anything else.
        const token = `pk_live_${tail.replace(/[^\x21-\x7e]/g, 'a')}`;
        const res = await fetch(`${api.url}/api/v1/conversations`, {
          // One try per address, so the answer is the key's and never the blacklist's.
          headers: {
            authorization: `Bearer ${token}`,
            'x-forwarded-for': `203.0.${113 + Math.floor(tries / 250)}.${tries++ % 250}`,
          },
        });
        expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([401, 'unauthorized']);
      }),
      { numRuns: 60 },
    );
  }, 60000);

  it('OpenAPI names the key scheme and each app-facing operation its scopes', async () => {
    const doc = (await new HttpClient(api.url).get('/api/docs-json')).body;
    expect(doc.components.securitySchemes['api-key']).toMatchObject({ type: 'http', scheme: 'bearer' });
    const send = doc.paths['/api/v1/message/conversation/{id}/send-message']?.post;
    expect(send['x-parley-scopes']).toEqual(['messages:write']);
    expect(send.security).toEqual(expect.arrayContaining([{ 'api-key': [] }]));
    expect(doc.paths['/api/v1/conversations'].get['x-parley-scopes']).toEqual(['conversations:read']);
    expect(doc.paths['/api/v1/api-keys'].post['x-parley-scopes']).toBeUndefined();
  });
});
