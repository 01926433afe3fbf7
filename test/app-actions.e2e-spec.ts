import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import type { AppContextClaims } from '@parley/contract/app-actions';
import { RetentionService } from '@parley/domain/services/retention.service';
import { en } from '@parley/errors/i18n/en';
import { freshEnvironment, startApi, startWorker, TestApp, TestEnvironment } from './support/app';
import { addAgent, createChannel, customerWrites, signupWorkspace, Workspace } from './support/factories';
import { HttpClient } from './support/http';
import { eventually, WsClient } from './support/ws';

/** The README's lines that verify an opened action's context, run as an app would run them. */
const NODE_VERIFY = [
  "const jwt = require('jsonwebtoken');",
  "const context = jwt.verify(token, secret, { algorithms: ['HS256'], issuer: 'parley', audience: appId });",
  'console.log(context.conversation.id, context.agent.name);',
];
const PYTHON_VERIFY = [
  'import jwt',
  "context = jwt.decode(token, secret, algorithms=['HS256'], issuer='parley', audience=app_id)",
  "print(context['conversation']['id'], context['agent']['name'])",
];
/** Debian's python3 is where python3-jwt (PyJWT) installs; PYTHON overrides. */
const PYTHON = process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const hasPyJwt = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import jwt'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** The claims as Parley signs them (the contract's own type). */
type Context = AppContextClaims;

/** A receiver of event webhooks: the bodies it was sent. */
class Receiver {
  readonly bodies: { type: string; data: { message?: { id: string; card?: unknown } } }[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        this.bodies.push(JSON.parse(body));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Apps inside a conversation: an app declares its actions with its own key; agents open one on a
 * conversation and get the app's page with a signed, short-lived context the app verifies; the
 * app posts a result card back, a private note agents see live.
 */
describe('apps inside a conversation', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let worker: TestApp;
  let receiver: Receiver;
  let ws: Workspace;
  let channelId: string;
  let keyCount = 0;
  const sockets: WsClient[] = [];

  const newKey = async (scopes: string[], admin: Workspace = ws) => {
    const res = await admin.http.post('/api/v1/api-keys', { name: `Shop ${++keyCount}`, scopes });
    expect(res.status).toBe(201);
    return {
      id: res.body.id as string,
      name: res.body.name as string,
      key: res.body.key as string,
      http: new HttpClient(api.url).as(res.body.key),
    };
  };
  const newConversation = async (workspace: Workspace = ws, channel = channelId, name = 'Sara Karimi') =>
    (await customerWrites(api, workspace.workspaceId, channel, { name })).message.conversation_id;
  const declare = (app: { http: HttpClient }, actions: unknown) =>
    app.http.put('/api/v1/app/actions', { actions });
  const shopAction = (port = 4000) => ({
    key: 'order',
    name: 'Order lookup',
    name_fa: 'پیگیری سفارش',
    name_ar: 'تتبع الطلب',
    url: `https://shop.example.com:${port}/parley/order?lang=en`,
  });
  /** An app with one declared action, and its context secret. */
  const appWithAction = async () => {
    const app = await newKey(['actions:manage', 'messages:write']);
    const declared = await declare(app, [shopAction()]);
    expect(declared.status).toBe(200);
    return { ...app, secret: declared.body.context_secret as string, actionId: declared.body.actions[0].id };
  };
  const contextOf = (url: string) => new URL(url).searchParams.get('parley_context')!;

  beforeAll(async () => {
    environment = await freshEnvironment({
      API_KEY_MESSAGES_PER_MINUTE: '1000',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    });
    api = await startApi(environment);
    worker = await startWorker(environment);
    receiver = await new Receiver().start();
    ws = await signupWorkspace(api, { name: 'Karimi Shop' });
    channelId = (await createChannel(api, ws.workspaceId)).id;
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(async () => {
    await receiver.stop();
    await worker.close();
    await api.close();
    await environment.close();
  });

  it('an app declares its actions with its own key and is shown its context secret once, sealed at rest', async () => {
    const app = await newKey(['actions:manage']);
    const first = await declare(app, [
      shopAction(),
      { key: 'refund', name: 'Refund', url: 'https://shop.example.com/refund' },
    ]);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      app: { id: app.id, name: app.name },
      actions: [
        {
          id: expect.any(String),
          key: 'order',
          name: 'Order lookup',
          name_fa: 'پیگیری سفارش',
          name_ar: 'تتبع الطلب',
          url: 'https://shop.example.com:4000/parley/order?lang=en',
        },
        { key: 'refund', name: 'Refund', name_fa: null, name_ar: null },
      ],
      context_secret: expect.stringMatching(/^pcx_[A-Za-z0-9_-]{43}$/),
    });
    const secret = first.body.context_secret as string;

    // Never again: not on reading, not on declaring anew; an action keeps its id while its key stays.
    const listed = await app.http.get('/api/v1/app/actions');
    expect(listed.status).toBe(200);
    expect(listed.body).not.toHaveProperty('context_secret');
    expect(listed.body.actions.map((a: { key: string }) => a.key)).toEqual(['order', 'refund']);
    const again = await declare(app, [{ ...shopAction(), name: 'Orders' }]);
    expect(again.status).toBe(200);
    expect(again.body).not.toHaveProperty('context_secret');
    expect(again.body.actions).toEqual([
      expect.objectContaining({ id: first.body.actions[0].id, name: 'Orders' }),
    ]);

    const [row] = await api.db.query(`SELECT secret_sealed FROM app_context_secret WHERE api_key_id = $1`, [
      app.id,
    ]);
    expect(row.secret_sealed).toMatch(/^v2\./);
    expect(JSON.stringify(row)).not.toContain(secret.slice(4));

    // An empty list takes every action away.
    expect((await declare(app, [])).body.actions).toEqual([]);
  });

  it('an agent opens an action on a conversation: the context verifies with the app’s secret and names the workspace, conversation, contact and agent', async () => {
    const app = await appWithAction();
    const conversationId = await newConversation();
    const agent = await addAgent(api, ws);
    const agentName = (await agent.http.get('/api/v1/auth/me')).body.name as string;

    const actions = await agent.http.get(`/api/v1/conversations/${conversationId}/actions`);
    expect(actions.status).toBe(200);
    const mine = actions.body.find((a: { app: { id: string } }) => a.app.id === app.id);
    expect(mine).toEqual({
      id: app.actionId,
      key: 'order',
      name: 'Order lookup',
      name_fa: 'پیگیری سفارش',
      name_ar: 'تتبع الطلب',
      app: { id: app.id, name: app.name },
    });

    const before = Math.floor(Date.now() / 1000);
    const opened = await agent.http.post(
      `/api/v1/conversations/${conversationId}/actions/${app.actionId}/open`,
    );
    expect(opened.status).toBe(200);
    const url = new URL(opened.body.url);
    expect(`${url.origin}${url.pathname}`).toBe('https://shop.example.com:4000/parley/order');
    expect(url.searchParams.get('lang')).toBe('en');
    const token = contextOf(opened.body.url);
    const context = jwt.verify(token, app.secret, {
      algorithms: ['HS256'],
      issuer: 'parley',
      audience: app.id,
    }) as Context;
    expect(context).toEqual({
      iss: 'parley',
      aud: app.id,
      iat: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      action: 'order',
      workspace: { id: ws.workspaceId, name: 'Karimi Shop' },
      conversation: { id: conversationId, status: 'open', channel_type: 'telegram' },
      contact: { id: expect.any(String), name: 'Sara Karimi' },
      agent: { id: agent.id, name: agentName, role: 'agent' },
    });
    expect(context.iat).toBeGreaterThanOrEqual(before);
    expect(context.exp - context.iat).toBe(300);
    expect(Date.parse(opened.body.expires_at) / 1000).toBe(context.exp);
    const [{ contact_id }] = await api.db.query(`SELECT contact_id FROM conversation WHERE id = $1`, [
      conversationId,
    ]);
    expect(context.contact.id).toBe(contact_id);

    // Each opening is its own context.
    const twice = await agent.http.post(
      `/api/v1/conversations/${conversationId}/actions/${app.actionId}/open`,
    );
    expect((jwt.decode(contextOf(twice.body.url)) as Context).jti).not.toBe(context.jti);

    // It expires, a tampered one fails, another app's secret or audience fails.
    expect(() =>
      jwt.verify(token, app.secret, {
        algorithms: ['HS256'],
        audience: app.id,
        clockTimestamp: context.exp + 1,
      }),
    ).toThrow(jwt.TokenExpiredError);
    const [head, body, signature] = token.split('.');
    const forgedBody = Buffer.from(
      JSON.stringify({ ...context, agent: { ...context.agent, role: 'admin' } }),
    ).toString('base64url');
    expect(() =>
      jwt.verify(`${head}.${forgedBody}.${signature}`, app.secret, { algorithms: ['HS256'] }),
    ).toThrow('invalid signature');
    expect(() => jwt.verify(token, 'pcx_someone-elses-secret', { algorithms: ['HS256'] })).toThrow(
      'invalid signature',
    );
    expect(() => jwt.verify(token, app.secret, { algorithms: ['HS256'], audience: 'another-app' })).toThrow(
      'jwt audience invalid',
    );
    expect(() => jwt.verify(body, app.secret)).toThrow();

    // Recorded: which agent opened which app's action, on which conversation.
    const [event] = await api.db.query(
      `SELECT agent_id, detail FROM security_event WHERE kind = 'app_action_opened' AND workspace_id = $1
        ORDER BY created_at LIMIT 1`,
      [ws.workspaceId],
    );
    expect(event).toEqual({
      agent_id: agent.id,
      detail: {
        api_key_id: app.id,
        app: app.name,
        action_id: app.actionId,
        action: 'order',
        conversation_id: conversationId,
      },
    });
  });

  it('the README’s Node lines verify the context (jsonwebtoken)', async () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    for (const line of [...NODE_VERIFY, ...PYTHON_VERIFY]) expect(readme).toContain(line);
    const app = await appWithAction();
    const conversationId = await newConversation();
    const opened = await ws.http.post(`/api/v1/conversations/${conversationId}/actions/${app.actionId}/open`);
    const env = { ...process.env, TOKEN: contextOf(opened.body.url), SECRET: app.secret, APP_ID: app.id };
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        [
          'const token = process.env.TOKEN, secret = process.env.SECRET, appId = process.env.APP_ID;',
          ...NODE_VERIFY,
        ].join('\n'),
      ],
      { env },
    );
    expect(out.toString().trim()).toBe(`${conversationId} Admin`);
  });

  (hasPyJwt ? it : it.skip)('the README’s Python lines verify the context (PyJWT)', async () => {
    const app = await appWithAction();
    const conversationId = await newConversation();
    const opened = await ws.http.post(`/api/v1/conversations/${conversationId}/actions/${app.actionId}/open`);
    const env = { ...process.env, TOKEN: contextOf(opened.body.url), SECRET: app.secret, APP_ID: app.id };
    const out = execFileSync(
      PYTHON,
      [
        '-c',
        [
          'import os',
          "token, secret, app_id = os.environ['TOKEN'], os.environ['SECRET'], os.environ['APP_ID']",
          ...PYTHON_VERIFY,
        ].join('\n'),
      ],
      { env },
    );
    expect(out.toString().trim()).toBe(`${conversationId} Admin`);
  });

  it('rotating the secret answers a new one once: new contexts verify with it and no longer with the old', async () => {
    const app = await appWithAction();
    const conversationId = await newConversation();
    const open = async () =>
      contextOf(
        (await ws.http.post(`/api/v1/conversations/${conversationId}/actions/${app.actionId}/open`)).body.url,
      );
    const old = await open();
    const rotated = await app.http.post('/api/v1/app/actions/rotate-secret');
    expect(rotated.status).toBe(200);
    const secret = rotated.body.context_secret as string;
    expect(secret).toMatch(/^pcx_/);
    expect(secret).not.toBe(app.secret);
    const fresh = await open();
    expect(() => jwt.verify(fresh, app.secret, { algorithms: ['HS256'] })).toThrow('invalid signature');
    expect((jwt.verify(fresh, secret, { algorithms: ['HS256'], audience: app.id }) as Context).action).toBe(
      'order',
    );
    // What was signed before stays what it was (and expires within five minutes).
    expect(() => jwt.verify(old, app.secret, { algorithms: ['HS256'] })).not.toThrow();
    expect((await app.http.get('/api/v1/app/actions')).body).not.toHaveProperty('context_secret');
  });

  it('refuses bad actions and URLs with stable codes in en, fa and ar, and keeps what was declared', async () => {
    const app = await newKey(['actions:manage']);
    const good = { key: 'ok', name: 'OK', url: 'https://shop.example.com/ok' };
    expect((await declare(app, [good])).status).toBe(200);
    const cases: [unknown, string][] = [
      [undefined, 'app_actions_invalid'],
      ['order', 'app_actions_invalid'],
      [Array.from({ length: 6 }, (_, i) => ({ ...good, key: `k${i}` })), 'app_actions_invalid'],
      [[{ ...good, key: 'Not A Key' }], 'app_actions_invalid'],
      [[{ ...good, key: 'x'.repeat(41) }], 'app_actions_invalid'],
      [[good, good], 'app_actions_invalid'],
      [[{ ...good, name: '' }], 'app_actions_invalid'],
      [[{ ...good, name: 'x'.repeat(41) }], 'app_actions_invalid'],
      [[{ ...good, name_fa: 7 }], 'app_actions_invalid'],
      [[null], 'app_actions_invalid'],
      [[{ ...good, url: 'javascript:alert(document.cookie)' }], 'app_action_url_invalid'],
      [[{ ...good, url: 'data:text/html,<script>alert(1)</script>' }], 'app_action_url_invalid'],
      [[{ ...good, url: 'http://shop.example.com/ok' }], 'app_action_url_invalid'],
      [[{ ...good, url: 'https://user:secret@shop.example.com/ok' }], 'app_action_url_invalid'],
      [[{ ...good, url: '/ok' }], 'app_action_url_invalid'],
      [[{ ...good, url: `https://shop.example.com/${'a'.repeat(2048)}` }], 'app_action_url_invalid'],
      // Parley's own origin would be the dashboard framed with scripts, the agent's session in reach.
      [[{ ...good, url: `${api.config.apiPublicUrl}/#/inbox` }], 'app_action_url_invalid'],
    ];
    for (const [actions, code] of cases) {
      const res = await declare(app, actions);
      expect([res.status, res.body.code]).toEqual([400, code]);
    }
    expect((await app.http.get('/api/v1/app/actions')).body.actions).toEqual([expect.objectContaining(good)]);
    // http is allowed on this machine's own loopback outside production (an app in development).
    expect((await declare(app, [{ ...good, url: 'http://127.0.0.1:5000/ok' }])).status).toBe(200);
    expect((await app.http.get('/api/v1/app/actions')).body.actions).toEqual([
      expect.objectContaining({ key: 'ok', url: 'http://127.0.0.1:5000/ok' }),
    ]);

    const messages = await Promise.all(
      ['en', 'fa', 'ar'].map(
        async (lang) =>
          (
            await app.http.put(
              '/api/v1/app/actions',
              { actions: [{ ...good, url: 'javascript:x' }] },
              { lang },
            )
          ).body.message as string,
      ),
    );
    expect(messages[0]).toBe('The action URL is not valid: only https URLs.');
    expect(new Set(messages).size).toBe(3);
    expect(messages[1]).toMatch(/[\u0600-\u06FF]/);
    expect(messages[2]).toMatch(/[\u0600-\u06FF]/);
  });

  it('only apps declare actions and post cards, only agents list and open them, and an app needs actions:manage', async () => {
    const app = await appWithAction();
    const conversationId = await newConversation();
    const agent = await addAgent(api, ws);
    for (const caller of [ws.http, agent.http]) {
      const refusals = [
        await caller.put('/api/v1/app/actions', { actions: [shopAction()] }),
        await caller.get('/api/v1/app/actions'),
        await caller.post('/api/v1/app/actions/rotate-secret'),
        await caller.post(`/api/v1/conversations/${conversationId}/cards`, { title: 'Agents write notes' }),
      ];
      expect(refusals.map((r) => [r.status, r.body.code])).toEqual(refusals.map(() => [403, 'apps_only']));
    }
    const asApp = [
      await app.http.get(`/api/v1/conversations/${conversationId}/actions`),
      await app.http.post(`/api/v1/conversations/${conversationId}/actions/${app.actionId}/open`),
    ];
    expect(asApp.map((r) => [r.status, r.body.code])).toEqual(asApp.map(() => [403, 'agents_only']));

    const reader = await newKey(['conversations:read', 'messages:write']);
    const refused = await declare(reader, [shopAction()]);
    expect([refused.status, refused.body.code]).toEqual([403, 'scope_missing']);
    expect(refused.body.message).toContain('actions:manage');
    const noWrite = await newKey(['actions:manage']);
    const card = await noWrite.http.post(`/api/v1/conversations/${conversationId}/cards`, { title: 'x' });
    expect([card.status, card.body.code]).toEqual([403, 'scope_missing']);
    expect(await api.db.query(`SELECT 1 FROM app_action WHERE api_key_id = $1`, [reader.id])).toHaveLength(0);
  });

  it("another workspace's conversation or action is not found (404), and its apps' actions are not listed", async () => {
    const app = await appWithAction();
    const mine = await newConversation();
    const other = await signupWorkspace(api);
    const theirChannel = (await createChannel(api, other.workspaceId)).id;
    const theirs = await newConversation(other, theirChannel);
    const theirApp = await newKey(['actions:manage', 'messages:write'], other);
    const theirAction = (await declare(theirApp, [shopAction()])).body.actions[0].id as string;

    const refusals = [
      await ws.http.get(`/api/v1/conversations/${theirs}/actions`),
      await ws.http.post(`/api/v1/conversations/${theirs}/actions/${app.actionId}/open`),
      await ws.http.post(`/api/v1/conversations/${mine}/actions/${theirAction}/open`),
      await ws.http.post(`/api/v1/conversations/${mine}/actions/not-a-uuid/open`),
      await ws.http.get('/api/v1/conversations/not-a-uuid/actions'),
      await app.http.post(`/api/v1/conversations/${theirs}/cards`, { title: 'Not yours' }),
    ];
    expect(refusals.map((r) => r.status)).toEqual(refusals.map(() => 404));
    const listed = await ws.http.get(`/api/v1/conversations/${mine}/actions`);
    expect(listed.body.map((a: { id: string }) => a.id)).not.toContain(theirAction);
    expect(listed.body.map((a: { id: string }) => a.id)).toContain(app.actionId);
    expect(await api.db.query(`SELECT 1 FROM message WHERE content = 'Not yours'`)).toHaveLength(0);
  });

  it("a revoked key's actions are gone at once: not listed, not opened", async () => {
    const app = await appWithAction();
    const conversationId = await newConversation();
    const ids = async () =>
      (await ws.http.get(`/api/v1/conversations/${conversationId}/actions`)).body.map(
        (a: { id: string }) => a.id,
      );
    expect(await ids()).toContain(app.actionId);
    expect((await ws.http.delete(`/api/v1/api-keys/${app.id}`)).status).toBe(200);
    expect(await ids()).not.toContain(app.actionId);
    const opened = await ws.http.post(`/api/v1/conversations/${conversationId}/actions/${app.actionId}/open`);
    expect(opened.status).toBe(404);
  });

  it('an app posts a result card: a private note with the card, live on an agent’s socket, in the history, and to event webhooks', async () => {
    const app = await appWithAction();
    const conversationId = await newConversation();
    const hook = await ws.http.post('/api/v1/webhooks', {
      url: `${receiver.url}/events`,
      events: ['message.created'],
    });
    expect(hook.status).toBe(201);
    const agent = await addAgent(api, ws);
    const chat = await WsClient.connect(api.url, `/ws/chat/${conversationId}/`, { token: agent.token });
    sockets.push(chat);
    await chat.next((f) => f.type === 'recent_messages');

    const posted = await app.http.post(`/api/v1/conversations/${conversationId}/cards`, {
      title: 'Order #1042: shipped',
      text: 'Arrives Thursday.\u0007',
      fields: [
        { label: 'Total', value: '€42.00' },
        { label: 'Carrier', value: 'Post' },
      ],
      url: 'https://shop.example.com/orders/1042',
    });
    expect(posted.status).toBe(201);
    const card = {
      title: 'Order #1042: shipped',
      text: 'Arrives Thursday.',
      fields: [
        { label: 'Total', value: '€42.00' },
        { label: 'Carrier', value: 'Post' },
      ],
      url: 'https://shop.example.com/orders/1042',
      app: { id: app.id, name: app.name },
    };
    expect(posted.body).toMatchObject({
      type: 'note',
      content: 'Order #1042: shipped',
      status: 'sent',
      sender: { kind: 'app', id: app.id, name: app.name },
      card,
    });

    const frame = await chat.next((f) => f.type === 'chat_message' && f.message.id === posted.body.id);
    expect(frame.message.card).toEqual(card);
    const history = await ws.http.get(`/api/v1/conversations/${conversationId}/messages`);
    expect(history.body.data.find((m: { id: string }) => m.id === posted.body.id).card).toEqual(card);
    await eventually(() => {
      const delivered = receiver.bodies.find((b) => b.data.message?.id === posted.body.id);
      expect(delivered).toMatchObject({ type: 'message.created', data: { message: { card } } });
    }, 15000);
    // A note: nothing went to the platform, and the conversation's preview is untouched.
    const [row] = await api.db.query(`SELECT type, status, external_id FROM message WHERE id = $1`, [
      posted.body.id,
    ]);
    expect(row).toEqual({ type: 'note', status: 'sent', external_id: null });
    await ws.http.delete(`/api/v1/webhooks/${hook.body.id}`);
  });

  it("a card is erased with its channel's retention: from the message and from the events a replay sends", async () => {
    const app = await appWithAction();
    const channel = (await createChannel(api, ws.workspaceId, 'Short memory')).id;
    const conversationId = await newConversation(ws, channel);
    const posted = await app.http.post(`/api/v1/conversations/${conversationId}/cards`, {
      title: 'Order 77',
      fields: [{ label: 'Address', value: '12 Vali-Asr St.' }],
    });
    expect(posted.status).toBe(201);
    expect((await ws.http.patch(`/api/v1/channels/${channel}`, { retention_days: 1 })).status).toBe(200);
    await api.get(RetentionService).scan(new Date(Date.now() + 2 * 24 * 3600 * 1000));

    const history = await ws.http.get(`/api/v1/conversations/${conversationId}/messages`);
    const expired = history.body.data.find((m: { id: string }) => m.id === posted.body.id);
    expect(expired.expired).toEqual(expect.objectContaining({ after_days: 1 }));
    expect(expired).not.toHaveProperty('card');
    const [row] = await api.db.query(`SELECT card FROM message WHERE id = $1`, [posted.body.id]);
    expect(row.card).toBeNull();
    const events = await api.db.query(
      `SELECT payload FROM event WHERE conversation_id = $1 AND payload->'message'->>'id' = $2`,
      [conversationId, posted.body.id],
    );
    expect(events.length).toBeGreaterThan(0);
    expect(JSON.stringify(events)).not.toContain('Vali-Asr');
  });

  it('refuses a bad card with card_invalid (400) and stores nothing, and answers any JSON with a known code', async () => {
    const app = await appWithAction();
    const conversationId = await newConversation();
    const post = (body: unknown) => app.http.post(`/api/v1/conversations/${conversationId}/cards`, body);
    const cases: unknown[] = [
      {},
      { title: '' },
      { title: 'x'.repeat(201) },
      { title: 'ok', text: 'x'.repeat(2001) },
      { title: 'ok', fields: Array(11).fill({ label: 'a', value: 'b' }) },
      { title: 'ok', fields: [{ label: 'a' }] },
      { title: 'ok', fields: 'Total: 42' },
      { title: 'ok', url: 'javascript:alert(1)' },
      { title: 'ok', url: 'http://shop.example.com/x' },
      { title: 'ok', url: 'https://u:p@shop.example.com/x' },
      { title: ['a'] },
    ];
    for (const body of cases) {
      const res = await post(body);
      expect([res.status, res.body.code]).toEqual([400, 'card_invalid']);
    }
    const codes = new Set(Object.keys(en));
    for (const raw of ['[]', '"title"', 'null', '{"title": {"a": 1}}', '{"fields": [[], null]}']) {
      const res = await app.http.post(`/api/v1/conversations/${conversationId}/cards`, undefined, { raw });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(codes.has(res.body.code)).toBe(true);
    }
    expect(
      await api.db.query(`SELECT 1 FROM message WHERE conversation_id = $1 AND card IS NOT NULL`, [
        conversationId,
      ]),
    ).toHaveLength(0);
  });

  it('OpenAPI lists every apps route, each app-facing one with its scope', async () => {
    const doc = (await new HttpClient(api.url).get('/api/docs-json')).body;
    const scopes = (path: string, method: string) => doc.paths[path]?.[method]?.['x-parley-scopes'];
    expect(scopes('/api/v1/app/actions', 'get')).toEqual(['actions:manage']);
    expect(scopes('/api/v1/app/actions', 'put')).toEqual(['actions:manage']);
    expect(scopes('/api/v1/app/actions/rotate-secret', 'post')).toEqual(['actions:manage']);
    expect(scopes('/api/v1/conversations/{id}/cards', 'post')).toEqual(['messages:write']);
    expect(doc.paths['/api/v1/app/actions'].put.security).toEqual(
      expect.arrayContaining([{ 'api-key': [] }]),
    );
    // The agents' two routes are documented and declare no scope: apps are refused there.
    expect(doc.paths['/api/v1/conversations/{id}/actions'].get).toBeDefined();
    expect(scopes('/api/v1/conversations/{id}/actions', 'get')).toBeUndefined();
    expect(doc.paths['/api/v1/conversations/{id}/actions/{action_id}/open'].post).toBeDefined();
    expect(scopes('/api/v1/conversations/{id}/actions/{action_id}/open', 'post')).toBeUndefined();
  });
});
