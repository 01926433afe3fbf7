import { IpGuardService } from '@parley/security/ip-guard.service';
import {
  freshEnvironment,
  startApi,
  startIngest,
  startWorker,
  TestApp,
  TestEnvironment,
} from './support/app';
import { addAgent, createChannel, customerWrites, signupWorkspace, Workspace } from './support/factories';
import { HttpClient } from './support/http';
import { eventually, WsClient } from './support/ws';

/** The limits as shipped: 20 messages a minute, 5 sockets, 5 failed sign-ins per IP. */
describe('security', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let ws: Workspace;
  let channelId: string;
  const sockets: WsClient[] = [];

  beforeAll(async () => {
    environment = await freshEnvironment({
      MESSAGES_PER_MINUTE: '20',
      AUTH_FAILURES_BEFORE_BLOCK: '5',
      AUTH_REQUESTS_PER_MINUTE_PER_IP: '1000',
    });
    api = await startApi(environment);
    ws = await signupWorkspace(api);
    channelId = (await createChannel(api, ws.workspaceId)).id;
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(async () => {
    await api.close();
    await environment.close();
  });

  const open = async (path: string, options: Parameters<typeof WsClient.connect>[2]) => {
    const client = await WsClient.connect(api.url, path, options);
    sockets.push(client);
    return client;
  };
  const conversation = async () =>
    (await customerWrites(api, ws.workspaceId, channelId, {})).message.conversation_id;
  const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });

  it('refuses the 21st message in a minute, REST and WebSocket sharing one budget', async () => {
    const agent = await addAgent(api, ws);
    const id = await conversation();
    const chat = await open(`/ws/chat/${id}/`, { token: agent.token });
    await chat.next((f) => f.type === 'recent_messages');
    for (let i = 0; i < 10; i++) {
      const res = await agent.http.post(`/api/v1/message/conversation/${id}/send-message/`, {
        content: `rest ${i}`,
        type: 'note',
      });
      expect(res.status).toBe(201);
    }
    for (let i = 0; i < 10; i++) chat.send({ type: 'chat_message', content: `socket ${i}`, is_note: true });
    await eventually(() =>
      expect(chat.ofType('chat_message').filter((f) => f.message.content.startsWith('socket'))).toHaveLength(
        10,
      ),
    );

    const rest = await agent.http.post(`/api/v1/message/conversation/${id}/send-message/`, {
      content: 'one too many',
      type: 'note',
    });
    expect(rest.status).toBe(429);
    expect(rest.body.code).toBe('rate_limited');
    expect(Number(rest.headers.get('retry-after'))).toBeGreaterThan(0);
    chat.send({ type: 'chat_message', content: 'one too many', is_note: true, client_id: 'local-21' });
    const refused = await chat.next((f) => f.type === 'error');
    // The refusal names the reply it refused, so the dashboard can show that one as not sent.
    expect(refused).toMatchObject({
      code: 'rate_limited',
      retry_after: expect.any(Number),
      client_id: 'local-21',
    });
    chat.send({ type: 'ping' });
    await chat.next((f) => f.type === 'pong');
    const [event] = await api.db.query(
      `SELECT count(*)::int AS n FROM security_event WHERE kind = 'rate_limited' AND agent_id = $1`,
      [agent.id],
    );
    expect(event.n).toBe(2);
  });

  it('an admin override of the budget applies to the workspace', async () => {
    const own = await signupWorkspace(api);
    const ownChannel = await createChannel(api, own.workspaceId);
    const { message } = await customerWrites(api, own.workspaceId, ownChannel.id, {});
    const set = await own.http.patch('/api/v1/admin/security/policy', { messages_per_minute: 2 });
    expect(set.body.messages_per_minute).toBe(2);
    const send = () =>
      own.http.post(`/api/v1/message/conversation/${message.conversation_id}/send-message/`, {
        content: 'x',
        type: 'note',
      });
    expect([(await send()).status, (await send()).status, (await send()).status]).toEqual([201, 201, 429]);
  });

  it('refuses the 6th socket of an agent, across endpoints, and frees the slot on close', async () => {
    const agent = await addAgent(api, ws);
    const id = await conversation();
    const five = [
      await open('/ws/conversations/', { token: agent.token }),
      await open('/ws/notifications/', { token: agent.token }),
      await open(`/ws/chat/${id}/`, { token: agent.token }),
      await open(`/ws/chat/${id}/`, { token: agent.token }),
      await open('/ws/conversations/', { token: agent.token }),
    ];
    const sixth = await WsClient.connect(api.url, '/ws/notifications/', { token: agent.token }).catch(
      (e) => e,
    );
    expect(sixth.status).toBe(429);
    expect(JSON.parse(sixth.body)).toMatchObject({
      code: 'too_many_connections',
      message: expect.stringContaining('5'),
    });
    // What a browser, which cannot read that refusal, asks instead.
    expect((await agent.http.get('/api/v1/agents/me/connections')).body).toEqual({ open: 5, max: 5 });
    five[0].close();
    await five[0].closed();
    await eventually(async () => {
      const again = await WsClient.connect(api.url, '/ws/notifications/', { token: agent.token });
      sockets.push(again);
    });
  });

  it('5 bad logins from one IP block it on REST and WebSocket until an admin unblocks it', async () => {
    const attacker = '203.0.113.7';
    const http = new HttpClient(api.url, from(attacker));
    for (let i = 0; i < 5; i++) {
      const res = await http.post('/api/v1/auth/login', { email: ws.email, password: `wrong ${i}` });
      expect(res.body.code).toBe('invalid_credentials');
    }
    const sixth = await http.post('/api/v1/auth/login', { email: ws.email, password: ws.password });
    expect(sixth.status).toBe(403);
    expect(sixth.body.code).toBe('ip_blocked');
    expect((await http.as(ws.token).get('/api/v1/conversations')).status).toBe(403);
    const blockedRequests = await api.db.query(
      `SELECT 1 FROM security_event WHERE kind = 'request_blocked' AND ip = $1`,
      [attacker],
    );
    expect(blockedRequests).toHaveLength(1); // two refused requests, one event per minute
    const socket = await WsClient.connect(api.url, '/ws/conversations/', {
      token: ws.token,
      ...from(attacker),
    }).catch((e) => e);
    expect(socket.status).toBe(403);
    // everyone else is unaffected
    expect((await ws.http.get('/api/v1/conversations')).status).toBe(200);

    const list = await ws.http.get('/api/v1/admin/security/blacklist');
    expect(list.body).toEqual([expect.objectContaining({ ip: attacker, failures: 5, can_unblock: true })]);
    expect(list.body[0]).not.toHaveProperty('workspace_ids');
    const summary = await ws.http.get('/api/v1/admin/security/summary?hours=1');
    expect(summary.body).toMatchObject({
      failed_authentications: 5,
      blacklisted_now: [expect.objectContaining({ ip: attacker })],
    });
    expect(summary.body.top_ips[0]).toMatchObject({ ip: attacker });
    expect(summary.body.over_time.find((b: { kind: string }) => b.kind === 'auth_failed').count).toBe(5);

    expect((await ws.http.delete(`/api/v1/admin/security/blacklist/${attacker}`)).status).toBe(204);
    expect((await http.post('/api/v1/auth/login', { email: ws.email, password: ws.password })).status).toBe(
      200,
    );
    const back = await WsClient.connect(api.url, '/ws/conversations/', {
      token: ws.token,
      ...from(attacker),
    });
    sockets.push(back);
  });

  it('failed WebSocket handshakes count toward the same block', async () => {
    const attacker = '198.51.100.9';
    for (let i = 0; i < 5; i++) {
      const refused = await WsClient.connect(api.url, '/ws/conversations/', {
        token: 'forged',
        ...from(attacker),
      }).catch((e) => e);
      expect(refused.status).toBe(401);
    }
    const blocked = await new HttpClient(api.url, from(attacker)).get('/api/v1/auth/me');
    expect([blocked.status, blocked.body.code]).toEqual([403, 'ip_blocked']);
  });

  it('lets an admin change the policy piece by piece, restore a default, and block patterns of its own', async () => {
    const own = await signupWorkspace(api);
    const other = await signupWorkspace(api);
    const ownChannel = await createChannel(api, own.workspaceId);
    const first = await own.http.get('/api/v1/admin/security/policy');
    expect(first.body).toMatchObject({
      messages_per_minute: 20,
      max_sockets_per_agent: 5,
      spam: { max_links: 5, patterns: [] },
      defaults: { messages_per_minute: 20, spam: { patterns: [] } },
    });
    await own.http.patch('/api/v1/admin/security/policy', { messages_per_minute: 40 });
    const patterned = await own.http.patch('/api/v1/admin/security/policy', {
      spam: { patterns: ['free\\s+crypto', 'تخفیف\\s+ویژه'], max_links: 2 },
    });
    expect(patterned.status).toBe(200);
    // The second change kept the first.
    expect(patterned.body).toMatchObject({
      messages_per_minute: 40,
      spam: { max_links: 2, repeats_allowed: 3, patterns: ['free\\s+crypto', 'تخفیف\\s+ویژه'] },
    });
    const restored = await own.http.patch('/api/v1/admin/security/policy', {
      messages_per_minute: null,
      spam: { max_links: null },
    });
    expect(restored.body).toMatchObject({
      messages_per_minute: 20,
      spam: { max_links: 5, patterns: ['free\\s+crypto', 'تخفیف\\s+ویژه'] },
    });

    // A customer's message matching a pattern is stored and flagged; the other workspace is untouched.
    const { message } = await customerWrites(api, own.workspaceId, ownChannel.id, {
      text: 'FREE   crypto inside',
    });
    const { message: persian } = await customerWrites(api, own.workspaceId, ownChannel.id, {
      text: 'تخفیف   ویژه امروز',
    });
    const [row] = await api.db.query('SELECT spam_reason FROM message WHERE id = $1', [message.id]);
    expect(row.spam_reason).toMatch(/pattern/);
    const [fa] = await api.db.query('SELECT spam_reason FROM message WHERE id = $1', [persian.id]);
    expect(fa.spam_reason).toMatch(/pattern/);
    expect((await other.http.get('/api/v1/admin/security/policy')).body.spam.patterns).toEqual([]);

    // A pattern RE2 cannot compile (here unbalanced, or a backreference) is refused with a clear error.
    for (const pattern of ['(unclosed', '(a)\\1']) {
      const bad = await own.http.patch('/api/v1/admin/security/policy', { spam: { patterns: [pattern] } });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('validation_failed');
      expect(bad.body.message).toMatch(/regular expression/);
    }
    const wrongType = await own.http.patch('/api/v1/admin/security/policy', { messages_per_minute: 'lots' });
    expect(wrongType.body.code).toBe('validation_failed');
    expect((await own.http.get('/api/v1/admin/security/policy')).body.spam.patterns).toHaveLength(2);
    const changes = await api.db.query(
      `SELECT agent_id, detail FROM security_event WHERE kind = 'policy_changed' AND workspace_id = $1 ORDER BY id`,
      [own.workspaceId],
    );
    expect(changes).toHaveLength(3); // the refused changes are not recorded as changes
    expect(changes[0]).toMatchObject({ agent_id: own.adminId, detail: { messages_per_minute: 40 } });
  });

  it('flags an inbound spam burst and repeats, stores them all, and counts them', async () => {
    const user = `spammer-${Date.now()}`;
    for (let i = 0; i < 10; i++)
      await customerWrites(api, ws.workspaceId, channelId, { userId: user, text: `buy now ${i}` });
    const rows: { content: string; spam_reason: string | null }[] = await api.db.query(
      `SELECT m.content, m.spam_reason FROM message m JOIN contact_identity ci ON ci.contact_id = m.sender_contact_id
        WHERE ci.platform_user_id = $1 ORDER BY m.seq`,
      [user],
    );
    expect(rows).toHaveLength(10);
    expect(rows.slice(0, 8).every((r) => r.spam_reason === null)).toBe(true);
    expect(rows[8].spam_reason).toMatch(/burst/);
    const repeater = `repeater-${Date.now()}`;
    for (let i = 0; i < 4; i++)
      await customerWrites(api, ws.workspaceId, channelId, {
        userId: repeater,
        text: 'CHEAP followers here',
      });
    const history = await ws.http.get(
      `/api/v1/conversations/${(await api.db.query(`SELECT c.id FROM conversation c JOIN contact_identity ci ON ci.contact_id = c.contact_id WHERE ci.platform_user_id = $1`, [repeater]))[0].id}/messages`,
    );
    expect(history.body.data.map((m: { spam_reason: string | null }) => m.spam_reason)).toEqual([
      null,
      null,
      null,
      expect.stringMatching(/same text 4 times/),
    ]);
    const summary = await ws.http.get('/api/v1/admin/security/summary');
    expect(summary.body.spam_caught).toBeGreaterThanOrEqual(3);
  });

  it('refuses outbound link floods and over-long replies with clear codes', async () => {
    const id = await conversation();
    const links = Array.from({ length: 6 }, (_, i) => `https://spam${i}.example`).join(' ');
    const flood = await ws.http.post(
      `/api/v1/message/conversation/${id}/send-message/`,
      { content: links, type: 'support' },
      { lang: 'fa' },
    );
    expect(flood.status).toBe(422);
    expect(flood.body.code).toBe('spam_detected');
    const long = await ws.http.post(`/api/v1/message/conversation/${id}/send-message/`, {
      content: 'x'.repeat(4097),
      type: 'support',
    });
    expect(long.body.code).toBe('validation_failed');
  });

  it('keeps a <script> payload inert: stored and served as plain text, never HTML', async () => {
    const id = await conversation();
    const payload = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const chat = await open(`/ws/chat/${id}/`, { token: ws.token });
    await chat.next((f) => f.type === 'recent_messages');
    const res = await ws.http.post(`/api/v1/message/conversation/${id}/send-message/`, {
      content: payload,
      type: 'note',
    });
    expect(res.body.content).toBe(payload);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await chat.next((f) => f.type === 'chat_message')).message.content).toBe(payload);
    const raw = await fetch(`${api.url}/api/v1/conversations/${id}/messages`, {
      headers: { authorization: `Bearer ${ws.token}` },
    });
    expect(raw.headers.get('content-type')).toMatch(/^application\/json/);
    // JSON carries it as a string value; nothing on the server renders or executes it.
    expect(JSON.parse(await raw.text()).data.at(-1).content).toBe(payload);
  });

  it('strips invisible-character abuse and refuses ill-formed text', async () => {
    const id = await conversation();
    const res = await ws.http.post(`/api/v1/message/conversation/${id}/send-message/`, {
      content: 'pay\u200B\u200Bpal\u202E می‌خواهم',
      type: 'note',
    });
    expect(res.body.content).toBe('paypal می‌خواهم');
    const bad = await ws.http.post(`/api/v1/message/conversation/${id}/send-message/`, undefined, {
      raw: '{"content": "broken \\ud800 text", "type": "note"}',
    });
    expect([bad.status, bad.body.code]).toEqual([400, 'content_invalid']);
    const [recorded] = await api.db.query(
      `SELECT detail FROM security_event WHERE kind = 'content_rejected' ORDER BY id DESC LIMIT 1`,
    );
    expect(recorded.detail.code).toBe('content_invalid');
  });

  describe('admin routes', () => {
    it('refuse agents (403) and answer 404 for another workspace’s ids', async () => {
      const agent = await addAgent(api, ws);
      for (const path of ['summary', 'ws-stats', 'blacklist', 'policy', `agents/${agent.id}/activity`]) {
        const res = await agent.http.get(`/api/v1/admin/security/${path}`);
        expect([path, res.status, res.body.code]).toEqual([path, 403, 'admin_only']);
      }
      const other = await signupWorkspace(api);
      for (const path of [`agents/${agent.id}/activity`, `ws-stats/${agent.id}`]) {
        const res = await other.http.get(`/api/v1/admin/security/${path}`);
        expect([path, res.status]).toEqual([path, 404]);
      }
      expect((await other.http.delete('/api/v1/admin/security/blacklist/203.0.113.99')).status).toBe(404);
      const summary = await other.http.get('/api/v1/admin/security/summary');
      expect(summary.body.failed_authentications).toBe(0);
      expect(summary.body.top_agents).toEqual([]);
    });

    it('report live sockets per agent across instances and an agent’s activity', async () => {
      const second = await startApi(environment);
      try {
        const agent = await addAgent(api, ws);
        const id = await conversation();
        sockets.push(await WsClient.connect(api.url, '/ws/conversations/', { token: agent.token }));
        sockets.push(await WsClient.connect(second.url, '/ws/notifications/', { token: agent.token }));
        await agent.http.post(`/api/v1/message/conversation/${id}/send-message/`, {
          content: 'hello',
          type: 'support',
        });
        const stats = await ws.http.get(`/api/v1/admin/security/ws-stats/${agent.id}`);
        expect(stats.body).toMatchObject({ agent_id: agent.id, connections: 2, messages_last_minute: 1 });
        const all = await ws.http.get('/api/v1/admin/security/ws-stats');
        expect(all.body.total_connections).toBeGreaterThanOrEqual(2);
        const activity = await ws.http.get(`/api/v1/admin/security/agents/${agent.id}/activity`);
        expect(activity.body).toMatchObject({
          messages_sent: 1,
          connections_now: 2,
          messages_last_minute: 1,
        });
      } finally {
        await second.close();
      }
    });
  });
});

/** The per-IP budgets of the doors attackers hammer: the auth endpoints (api) and the webhooks (ingest). */
describe('per-IP budgets', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let ingest: TestApp;
  let worker: TestApp;

  beforeAll(async () => {
    environment = await freshEnvironment({
      AUTH_REQUESTS_PER_MINUTE_PER_IP: '3',
      WEBHOOK_REFUSALS_PER_MINUTE_PER_IP: '3',
      AUTH_FAILURES_BEFORE_BLOCK: '100',
    });
    api = await startApi(environment);
    ingest = await startIngest(environment);
    worker = await startWorker(environment);
  });
  afterAll(async () => {
    await worker.close();
    await ingest.close();
    await api.close();
    await environment.close();
  });

  const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });

  /** A new workspace's Telegram channel, its webhook secret, and a client of ingest to post to it. */
  const telegramWebhook = async () => {
    const ws = await signupWorkspace(api);
    const channelId = (await createChannel(api, ws.workspaceId)).id;
    const [{ webhook_secret: secret }] = await api.db.query(
      'SELECT webhook_secret FROM channel WHERE id = $1',
      [channelId],
    );
    return {
      channelId,
      secret: secret as string,
      hook: new HttpClient(`http://127.0.0.1:${environment.ingestPort}`),
    };
  };
  /** Telegram's update from a customer's private chat, as its webhook delivers it. */
  const privateUpdate = (
    updateId: number,
    messageId: number,
    customer: { id: number; name: string },
    text: string,
  ) => ({
    update_id: updateId,
    message: {
      message_id: messageId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: customer.id, type: 'private' },
      from: { id: customer.id, is_bot: false, first_name: customer.name },
      text,
    },
  });

  it('answer 429 with Retry-After past the budget, for that IP only, never to genuine webhooks, and record it', async () => {
    const http = new HttpClient(api.url);
    const login = (ip: string) =>
      http.post('/api/v1/auth/login', { email: 'nobody@example.test', password: 'wrong password' }, from(ip));
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await login('198.51.100.7')).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const refused = await login('198.51.100.7');
    expect(refused.body.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login('198.51.100.8')).status).toBe(401); // another client is not held back

    // Webhooks: forged deliveries from one IP are cut off; a platform's genuine ones never are.
    const { channelId, secret, hook } = await telegramWebhook();
    const update = (n: number) => privateUpdate(9000 + n, n, { id: 4242, name: 'Pari' }, `genuine ${n}`);
    const deliver = (ip: string, n: number, signed: boolean) =>
      hook.post(`/webhooks/telegram/${channelId}`, update(n), {
        headers: {
          'x-forwarded-for': ip,
          ...(signed ? { 'x-telegram-bot-api-secret-token': secret } : {}),
        },
      });
    const genuine = [];
    for (let n = 0; n < 6; n++) genuine.push((await deliver('198.51.100.20', n, true)).status);
    expect(genuine).toEqual(Array(6).fill(200));
    const forged = [];
    for (let n = 0; n < 4; n++) forged.push((await deliver('198.51.100.9', 100 + n, false)).status);
    expect(forged).toEqual([403, 403, 403, 429]);
    expect((await deliver('198.51.100.9', 200, true)).status).toBe(429); // that IP is cut off for now
    expect((await deliver('198.51.100.20', 6, true)).status).toBe(200);
    expect((await deliver('198.51.100.10', 300, false)).status).toBe(403);
    // A body that cannot be parsed is not counted: a parsing gap of ours must never lock a platform out.
    for (let n = 0; n < 5; n++) {
      const garbled = await hook.post(`/webhooks/telegram/${channelId}`, undefined, {
        raw: '{"update_id": ',
        headers: { 'x-forwarded-for': '198.51.100.21', 'x-telegram-bot-api-secret-token': secret },
      });
      expect(garbled.status).toBe(400);
    }
    expect((await deliver('198.51.100.21', 400, true)).status).toBe(200);

    const events = await api.db.query(
      `SELECT ip, detail->>'family' AS family FROM security_event WHERE kind = 'rate_limited' ORDER BY ip`,
    );
    expect(events).toEqual(
      expect.arrayContaining([
        { ip: '198.51.100.7', family: 'auth' },
        { ip: '198.51.100.9', family: 'webhooks' },
      ]),
    );
  });

  it("another process's block and unblock reach ingest within a second or two", async () => {
    const { channelId, secret, hook } = await telegramWebhook();
    const ip = '198.51.100.77';
    let n = 0;
    const deliver = () => {
      n += 1;
      return hook.post(
        `/webhooks/telegram/${channelId}`,
        privateUpdate(9700 + n, n, { id: 4343, name: 'Sina' }, `from a blocked office ${n}`),
        { headers: { 'x-forwarded-for': ip, 'x-telegram-bot-api-secret-token': secret } },
      );
    };
    expect((await deliver()).status).toBe(200); // ingest has read the blacklist: the IP is not on it

    // The api process counts guesses from the IP until it blocks it (AUTH_FAILURES_BEFORE_BLOCK here: 100).
    const guard = api.get(IpGuardService);
    for (let i = 0; i < 100; i++) await guard.recordFailure(ip, { reason: 'test_guess', counted: true });
    await eventually(async () => expect((await deliver()).body.code).toBe('ip_blocked'), 5000);

    const [{ id: operatorId }] = await api.db.query(`SELECT id FROM agent LIMIT 1`);
    await guard.unblockAsOperator(ip, operatorId);
    await eventually(async () => expect((await deliver()).status).toBe(200), 5000);
  });
});
