import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_JPEG, SAMPLE_WEBM_OPUS } from '../tools/simulator/samples';
import { freshEnvironment, startApi, startWorker, TestApp, TestEnvironment } from './support/app';
import { signupWorkspace, Workspace } from './support/factories';
import { HttpClient } from './support/http';
import { eventually, Frame, WsClient } from './support/ws';

const SHOP = 'https://shop.example';
/** The three lines of Node in README.md's "Web chat widget" section, verbatim. */
const README_NODE_LINES = [
  "const crypto = require('node:crypto');",
  'const secret = process.env.PARLEY_IDENTITY_SECRET;',
  "const signature = crypto.createHmac('sha256', secret).update(String(user.id)).digest('hex');",
].join('\n');
const MESSAGES_PER_MINUTE = 12;
const SOCKETS_PER_IP = 4;

describe('web chat widget (server)', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let worker: TestApp;
  let a: Workspace;
  let b: Workspace;
  let widget: HttpClient;
  let channel: { id: string; identity_secret: string };
  let visitor: { token: string; id: string };
  let conversationId: string;
  let agentChat: WsClient;
  let visitorSocket: WsClient;
  const sockets: WsClient[] = [];

  const open = async (
    path: string,
    token: string,
    options: { since?: number; headers?: Record<string, string> } = {},
  ) => {
    const socket = await WsClient.connect(api.url, path, { token, ...options });
    sockets.push(socket);
    return socket;
  };
  const session = async (body: Record<string, unknown>, channelId = channel.id) =>
    widget.post(`/widget/v1/channels/${channelId}/sessions`, { origin: SHOP, ...body });
  const asVisitor = (token: string) => new HttpClient(api.url, { token });
  const reply = async (content: string, type: 'support' | 'note' = 'support', workspace = a) => {
    const res = await workspace.http.post(`/api/v1/message/conversation/${conversationId}/send-message`, {
      content,
      type,
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; seq: number };
  };
  const upload = async (token: string, kind: string, bytes: Buffer, name: string, type: string) => {
    const form = new FormData();
    form.append('kind', kind);
    form.append('file', new Blob([bytes], { type }), name);
    const res = await fetch(`${api.url}/widget/v1/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    return { status: res.status, body: (await res.json()) as Frame };
  };
  const lastSeq = (socket: WsClient) =>
    Math.max(0, ...socket.frames.map((f) => Number(f.seq ?? f.last_seq ?? 0)).filter(Number.isFinite));

  beforeAll(async () => {
    environment = await freshEnvironment({
      WIDGET_MESSAGES_PER_MINUTE: String(MESSAGES_PER_MINUTE),
      // This file makes more widget requests than one real visitor; the per-IP budget is not what it tests.
      WIDGET_REQUESTS_PER_MINUTE_PER_IP: '100000',
      WIDGET_SOCKETS_PER_IP: String(SOCKETS_PER_IP),
    });
    api = await startApi(environment);
    worker = await startWorker(environment);
    a = await signupWorkspace(api);
    b = await signupWorkspace(api);
    widget = new HttpClient(api.url);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await worker.close();
    await api.close();
    await environment.close();
  });

  it('an admin creates a website channel: its settings are checked, its identity secret is shown once', async () => {
    const bad = await a.http.post('/api/v1/channels', {
      type: 'web',
      name: 'Shop',
      allowed_origins: ['https://shop.example/page'],
    });
    expect([bad.status, bad.body.code]).toEqual([400, 'web_origins_invalid']);
    const badFa = await a.http.post(
      '/api/v1/channels',
      { type: 'web', name: 'Shop', allowed_origins: [SHOP], color: 'blue' },
      { lang: 'fa' },
    );
    expect([badFa.status, badFa.body.code]).toEqual([400, 'web_settings_invalid']);
    expect(badFa.body.message).toMatch(/ابزارک/);
    expect((await a.http.post('/api/v1/channels', { type: 'web', name: 'Shop' })).body.code).toBe(
      'web_origins_invalid',
    );

    const created = await a.http.post('/api/v1/channels', {
      type: 'web',
      name: 'Shop',
      allowed_origins: [SHOP, 'http://localhost:3000'],
      color: '#112233',
      greeting: { en: 'Hi!', fa: 'سلام!' },
      languages: ['fa', 'en'],
      pre_chat: { name: 'optional', email: 'optional', phone: 'off' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      type: 'web',
      name: 'Shop',
      status: 'active',
      web: { allowed_origins: [SHOP, 'http://localhost:3000'], color: '#112233', languages: ['fa', 'en'] },
    });
    expect(created.body.identity_secret).toMatch(/^pis_/);
    channel = { id: created.body.id, identity_secret: created.body.identity_secret };
    const shown = await a.http.get(`/api/v1/channels/${channel.id}`);
    expect(shown.body.identity_secret).toBeUndefined();
    expect(JSON.stringify(shown.body)).not.toContain(channel.identity_secret);

    const patched = await a.http.patch(`/api/v1/channels/${channel.id}`, { greeting: { en: 'Hello' } });
    expect(patched.status).toBe(200);
    expect(patched.body.web.greeting).toEqual({ en: 'Hello' });
    expect(patched.body.web.allowed_origins).toEqual([SHOP, 'http://localhost:3000']);
    // Another workspace cannot rotate it; a rotation answers a new secret once.
    expect((await b.http.post(`/api/v1/channels/${channel.id}/web/rotate-identity-secret`)).status).toBe(404);
    const rotated = await a.http.post(`/api/v1/channels/${channel.id}/web/rotate-identity-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.identity_secret).toMatch(/^pis_/);
    expect(rotated.body.identity_secret).not.toBe(channel.identity_secret);
    channel.identity_secret = rotated.body.identity_secret;
  });

  it('the config answers an allowed origin and refuses any other with 403 widget_origin_refused', async () => {
    const config = await widget.get(
      `/widget/v1/channels/${channel.id}/config?origin=${encodeURIComponent(SHOP)}`,
    );
    expect(config.status).toBe(200);
    expect(config.body).toMatchObject({
      channel_id: channel.id,
      name: 'Shop',
      color: '#112233',
      greeting: { en: 'Hello' },
      languages: ['fa', 'en'],
      agents_online: false,
      usually_answers_within_seconds: null,
    });
    const elsewhere = await widget.get(
      `/widget/v1/channels/${channel.id}/config?origin=${encodeURIComponent('https://evil.example')}`,
    );
    expect([elsewhere.status, elsewhere.body.code]).toEqual([403, 'widget_origin_refused']);
    // The browser's own Origin header must agree when it is sent.
    const forgedHeader = await widget.get(
      `/widget/v1/channels/${channel.id}/config?origin=${encodeURIComponent(SHOP)}`,
      {
        headers: { origin: 'https://evil.example' },
      },
    );
    expect(forgedHeader.status).toBe(403);
    expect(
      (await widget.get(`/widget/v1/channels/00000000-0000-4000-8000-000000000000/config?origin=${SHOP}`))
        .status,
    ).toBe(404);
    const refused = await api.db.query(
      `SELECT count(*)::int AS n FROM security_event WHERE kind = 'widget_origin_refused' AND workspace_id = $1`,
      [a.workspaceId],
    );
    expect(refused[0].n).toBeGreaterThanOrEqual(2);
  });

  it('a visitor gets a token (stored hashed), keeps it across page loads, and writes over REST', async () => {
    const refused = await session({ origin: 'https://evil.example' });
    expect([refused.status, refused.body.code]).toEqual([403, 'widget_origin_refused']);
    const started = await session({});
    expect(started.status).toBe(200);
    expect(started.body.visitor_token).toMatch(/^pvt_/);
    expect(started.body).toMatchObject({ conversation_id: null, visitor: { identified: false } });
    visitor = { token: started.body.visitor_token, id: started.body.visitor.id };
    const [row] = await api.db.query(`SELECT token_hash FROM widget_visitor WHERE id = $1`, [visitor.id]);
    expect(row.token_hash).not.toContain(visitor.token);

    const again = await session({ visitor_token: visitor.token });
    expect(again.body.visitor.id).toBe(visitor.id);

    const sent = await asVisitor(visitor.token).post('/widget/v1/messages', {
      content: 'Hello from the web',
      client_id: 'c-1',
    });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ type: 'visitor', content: 'Hello from the web', status: 'delivered' });
    // The same client_id is stored once.
    const dup = await asVisitor(visitor.token).post('/widget/v1/messages', {
      content: 'Hello from the web',
      client_id: 'c-1',
    });
    expect(dup.body.id).toBe(sent.body.id);
    conversationId = (await session({ visitor_token: visitor.token })).body.conversation_id;
    expect(conversationId).toBeTruthy();
    // In the same inbox as every platform.
    const inbox = await a.http.get(`/api/v1/conversations/${conversationId}`);
    expect(inbox.status).toBe(200);
    expect(inbox.body.channel).toMatchObject({ id: channel.id, type: 'web' });
    // Bad input is 400 with a stable code, a missing token 401.
    const empty = await asVisitor(visitor.token).post('/widget/v1/messages', { content: '   ' });
    expect([empty.status, empty.body.code]).toEqual([400, 'validation_failed']);
    expect((await widget.get('/widget/v1/messages')).body.code).toBe('visitor_token_invalid');
    expect((await asVisitor('pvt_forged').get('/widget/v1/messages')).status).toBe(401);
  });

  it('the visitor socket opens with recent messages and presence; a socket message reaches the agent', async () => {
    agentChat = await open(`/ws/chat/${conversationId}`, a.token);
    await agentChat.next((f) => f.type === 'recent_messages');
    visitorSocket = await open('/ws/visitor/', visitor.token);
    const recent = await visitorSocket.next((f) => f.type === 'recent_messages');
    expect(recent.messages.map((m: Frame) => m.content)).toEqual(['Hello from the web']);
    const presence = await visitorSocket.next((f) => f.type === 'agent_presence');
    expect(presence).toHaveProperty('agents_online');
    // With the agent's socket open, the agent is online.
    await eventually(async () => {
      const config = await widget.get(`/widget/v1/channels/${channel.id}/config?origin=${SHOP}`);
      expect(config.body.agents_online).toBe(true);
    });

    visitorSocket.send({ type: 'chat_message', content: 'Over the socket', client_id: 'c-2' });
    const echoed = await visitorSocket.next((f) => f.type === 'chat_message' && f.client_id === 'c-2');
    expect(echoed.message).toMatchObject({ type: 'visitor', content: 'Over the socket', agent_name: null });
    const heard = await agentChat.next(
      (f) => f.type === 'chat_message' && f.message.content === 'Over the socket',
    );
    expect(heard.message).toMatchObject({ type: 'customer', customer: { source: 'web' } });
    // A frame that is not the visitor's is refused with a stable code, the socket stays open.
    visitorSocket.send({ type: 'edit_message', message_id: echoed.message.id, content: 'x' });
    expect((await visitorSocket.next((f) => f.type === 'error')).code).toBe('unknown_frame_type');
  });

  it("an agent's reply reaches the visitor as an agent message, typing goes both ways, reads too", async () => {
    const sent = await reply('How can I help?');
    const got = await visitorSocket.next((f) => f.type === 'chat_message' && f.message.id === sent.id);
    expect(got.message).toMatchObject({ type: 'agent', content: 'How can I help?', agent_name: 'Admin' });
    expect(JSON.stringify(got)).not.toMatch(/@example\.test/);
    // Through the one way out: the worker's send leaves it `sent`.
    await visitorSocket.next(
      (f) => f.type === 'message_status' && f.message_id === sent.id && f.status === 'sent',
      15000,
    );

    visitorSocket.send({ type: 'typing', is_typing: true });
    const typing = await agentChat.next((f) => f.type === 'typing_indicator' && f.is_typing === true);
    expect(typing.conversation_id).toBe(conversationId);
    agentChat.send({ type: 'typing', is_typing: true });
    const agentTyping = await visitorSocket.next(
      (f) => f.type === 'typing_indicator' && f.is_typing === true,
    );
    expect(agentTyping.agent_name).toBe('Admin');

    // The visitor read the reply: the agent sees it `read`.
    visitorSocket.send({ type: 'mark_read', message_id: sent.id });
    await agentChat.next(
      (f) => f.type === 'message_status' && f.message_id === sent.id && f.status === 'read',
    );
    // The agent read the conversation: the visitor sees its messages `read`.
    const visitorMessage = visitorSocket.ofType('chat_message').find((f) => f.client_id === 'c-2')!;
    expect((await a.http.post(`/api/v1/conversations/${conversationId}/read`, {})).status).toBe(200);
    await visitorSocket.next(
      (f) => f.type === 'message_status' && f.message_id === visitorMessage.message.id && f.status === 'read',
    );
    const listed = await asVisitor(visitor.token).get('/widget/v1/messages');
    expect(listed.body.messages.find((m: Frame) => m.id === visitorMessage.message.id).status).toBe('read');
  });

  it('a dropped visitor socket resumes with since: exactly the two missed replies, once', async () => {
    const since = lastSeq(visitorSocket);
    visitorSocket.close();
    const first = await reply('Missed one');
    const second = await reply('Missed two');
    const resumed = await open('/ws/visitor/', visitor.token, { since });
    await resumed.next((f) => f.type === 'agent_presence');
    await resumed.next((f) => f.type === 'chat_message' && f.message.id === second.id);
    // Anything still in flight (the sends' statuses) settles before counting.
    await resumed.next(
      (f) => f.type === 'message_status' && f.message_id === second.id && f.status === 'sent',
      15000,
    );
    const messages = resumed.ofType('chat_message').map((f) => f.message.id);
    expect(messages).toEqual([first.id, second.id]);
    expect(resumed.ofType('recent_messages')).toHaveLength(0);
    visitorSocket = resumed;
  });

  it("agents' edits, deletes and reactions reach the visitor live; notes never do", async () => {
    const sent = await reply('Typo hree');
    await visitorSocket.next((f) => f.type === 'chat_message' && f.message.id === sent.id);
    await visitorSocket.next(
      (f) => f.type === 'message_status' && f.message_id === sent.id && f.status === 'sent',
      15000,
    );
    agentChat.send({ type: 'edit_message', message_id: sent.id, content: 'Typo here' });
    const edited = await visitorSocket.next((f) => f.type === 'message_updated' && f.message.id === sent.id);
    expect(edited.message).toMatchObject({ content: 'Typo here' });
    expect(edited.message.edited_at).toBeTruthy();
    const theirs =
      visitorSocket.ofType('chat_message').find((f) => f.message.type === 'visitor') ??
      (await asVisitor(visitor.token).get('/widget/v1/messages')).body.messages.find(
        (m: Frame) => m.type === 'visitor',
      );
    const theirId = theirs.message?.id ?? theirs.id;
    agentChat.send({ type: 'reaction', message_id: theirId, emoji: '👍', action: 'add' });
    const reacted = await visitorSocket.next((f) => f.type === 'message_updated' && f.message.id === theirId);
    expect(reacted.message.reactions).toEqual([{ emoji: '👍', count: 1 }]);
    agentChat.send({ type: 'delete_message', message_id: sent.id });
    await visitorSocket.next((f) => f.type === 'message_deleted' && f.message_id === sent.id);

    const from = visitorSocket.frames.length;
    const note = await reply('Internal: this customer is VIP', 'note');
    const after = await reply('After the note');
    await visitorSocket.next((f) => f.type === 'chat_message' && f.message.id === after.id, 5000, from);
    const seen = JSON.stringify(visitorSocket.frames);
    expect(seen).not.toContain('VIP');
    expect(seen).not.toContain(note.id);
    const listed = JSON.stringify((await asVisitor(visitor.token).get('/widget/v1/messages')).body);
    expect(listed).not.toContain('VIP');
    expect(listed).not.toContain(note.id);
  });

  it("no visitor reads or writes another's conversation; another workspace's agent cannot see it", async () => {
    const other = (await session({})).body.visitor_token as string;
    const theirs = await asVisitor(other).get('/widget/v1/messages');
    expect(theirs.body).toEqual({ messages: [], has_more: false });
    const someMessage = (await asVisitor(visitor.token).get('/widget/v1/messages')).body.messages[0].id;
    const markOther = await open('/ws/visitor/', other);
    await markOther.next((f) => f.type === 'recent_messages');
    markOther.send({ type: 'mark_read', message_id: someMessage });
    expect((await markOther.next((f) => f.type === 'error')).code).toBe('not_found');
    // Its own message opens its own conversation, never this one.
    await asVisitor(other).post('/widget/v1/messages', { content: 'I am someone else' });
    // Its socket, opened before it had a conversation, hears its own first message.
    await markOther.next((f) => f.type === 'chat_message' && f.message.content === 'I am someone else');
    const otherConversation = (await session({ visitor_token: other })).body.conversation_id;
    expect(otherConversation).not.toBe(conversationId);
    await reply('Only for the first visitor');
    await visitorSocket.next(
      (f) => f.type === 'chat_message' && f.message.content === 'Only for the first visitor',
    );
    expect(JSON.stringify(markOther.frames)).not.toContain('Only for the first visitor');
    expect(JSON.stringify(markOther.frames)).not.toContain('Hello from the web');

    expect((await b.http.get(`/api/v1/conversations/${conversationId}`)).status).toBe(404);
    await expect(
      WsClient.connect(api.url, `/ws/chat/${conversationId}`, { token: b.token }),
    ).rejects.toMatchObject({
      status: 404,
    });
    expect((await b.http.post(`/api/v1/conversations/${conversationId}/block-visitor`)).status).toBe(404);
    // An agent's token is no visitor token, and a visitor token is no agent's.
    expect((await asVisitor(a.token).get('/widget/v1/messages')).status).toBe(401);
    expect((await asVisitor(visitor.token).get(`/api/v1/conversations/${conversationId}`)).status).toBe(401);
    await expect(WsClient.connect(api.url, '/ws/visitor/', { token: a.token })).rejects.toMatchObject({
      status: 401,
    });
  });

  it('a signed identity links a second device to the same contact and conversation; a forged one stays anonymous', async () => {
    const sign = (userId: string) =>
      createHmac('sha256', channel.identity_secret).update(userId).digest('hex');
    const first = await session({
      identity: { user_id: 'cust-77', name: 'Sara', email: 'sara@shop.example', signature: sign('cust-77') },
    });
    expect(first.body.visitor).toMatchObject({ identified: true, name: 'Sara', email: 'sara@shop.example' });
    const wrote = await asVisitor(first.body.visitor_token).post('/widget/v1/messages', {
      content: 'From my laptop',
    });
    expect(wrote.status).toBe(201);
    const laptopConversation = (await session({ visitor_token: first.body.visitor_token })).body
      .conversation_id;

    const phone = await session({ identity: { user_id: 'cust-77', signature: sign('cust-77') } });
    expect(phone.body.visitor_token).not.toBe(first.body.visitor_token);
    expect(phone.body.conversation_id).toBe(laptopConversation);
    const history = await asVisitor(phone.body.visitor_token).get('/widget/v1/messages');
    expect(history.body.messages.map((m: Frame) => m.content)).toContain('From my laptop');

    const forged = await session({ identity: { user_id: 'cust-77', signature: sign('cust-78') } });
    expect(forged.status).toBe(200);
    expect(forged.body).toMatchObject({ conversation_id: null, visitor: { identified: false } });
    expect((await asVisitor(forged.body.visitor_token).get('/widget/v1/messages')).body.messages).toEqual([]);
    const unsigned = await session({ identity: { user_id: 'cust-77' } });
    expect(unsigned.body.visitor.identified).toBe(false);
    const events = await api.db.query(
      `SELECT count(*)::int AS n FROM security_event WHERE kind = 'visitor_identity_refused' AND workspace_id = $1`,
      [a.workspaceId],
    );
    expect(events[0].n).toBe(2);

    // The README's three lines of Node compute the same signature the widget accepts.
    const node = execFileSync(
      process.execPath,
      ['-e', `const user = { id: 'cust-77' };\n${README_NODE_LINES}\nprocess.stdout.write(signature);`],
      { env: { ...process.env, PARLEY_IDENTITY_SECRET: channel.identity_secret } },
    ).toString();
    expect(node).toBe(sign('cust-77'));
    expect(readFileSync(join(__dirname, '..', 'README.md'), 'utf8')).toContain(README_NODE_LINES);
  });

  it('an anonymous visitor who signs in keeps its conversation, now as the signed-in user; a user who has one already keeps theirs', async () => {
    const sign = (userId: string) =>
      createHmac('sha256', channel.identity_secret).update(userId).digest('hex');
    const anonymous = await session({});
    const token = anonymous.body.visitor_token as string;
    expect(
      (await asVisitor(token).post('/widget/v1/messages', { content: 'Asked before signing in' })).status,
    ).toBe(201);
    const before = (await session({ visitor_token: token })).body.conversation_id as string;
    expect(before).toEqual(expect.any(String));

    const signedIn = await session({
      visitor_token: token,
      identity: { user_id: 'cust-adopt', name: 'Arash', signature: sign('cust-adopt') },
    });
    expect(signedIn.body).toMatchObject({
      conversation_id: before,
      visitor: { identified: true, name: 'Arash' },
    });
    const conversation = await a.http.get(`/api/v1/conversations/${before}`);
    expect(conversation.body.contact.name).toBe('Arash');
    // The user's other device finds the same conversation, with what was asked before signing in.
    const phone = await session({ identity: { user_id: 'cust-adopt', signature: sign('cust-adopt') } });
    expect(phone.body.conversation_id).toBe(before);
    const history = await asVisitor(phone.body.visitor_token).get('/widget/v1/messages');
    expect(history.body.messages.map((m: Frame) => m.content)).toContain('Asked before signing in');

    // cust-77 already has a conversation (from the test above): an anonymous chat signing in as them
    // stays apart, and the visitor now sees cust-77's conversation.
    const other = await session({});
    const otherToken = other.body.visitor_token as string;
    await asVisitor(otherToken).post('/widget/v1/messages', { content: 'Anonymous, then cust-77' });
    const otherBefore = (await session({ visitor_token: otherToken })).body.conversation_id as string;
    const asSara = await session({
      visitor_token: otherToken,
      identity: { user_id: 'cust-77', signature: sign('cust-77') },
    });
    expect(asSara.body.conversation_id).not.toBe(otherBefore);
    const sara = await a.http.get(`/api/v1/conversations/${asSara.body.conversation_id}`);
    expect(sara.body.contact.name).toBe('Sara');
    expect((await a.http.get(`/api/v1/conversations/${otherBefore}`)).body.contact.name).toBeNull();
  });

  it("a visitor's text is cleaned, and a link flood is stored flagged as spam with a security event", async () => {
    const token = (await session({})).body.visitor_token as string;
    const dirty = await asVisitor(token).post('/widget/v1/messages', {
      content: 'Pay\u0007 here\u202E now\u200B please',
    });
    expect(dirty.status).toBe(201);
    expect(dirty.body.content).toBe('Pay here now please');
    const links = Array.from({ length: 8 }, (_, i) => `https://cheap-${i}.example/deal`).join(' ');
    const flood = await asVisitor(token).post('/widget/v1/messages', { content: `Buy now ${links}` });
    expect(flood.status).toBe(201);
    const conversation = (await session({ visitor_token: token })).body.conversation_id as string;
    const stored = await a.http.get(`/api/v1/conversations/${conversation}/messages`);
    const flagged = stored.body.data.find((m: Frame) => String(m.content).startsWith('Buy now'));
    expect(flagged.spam_reason).toMatch(/link flood/);
    const [event] = await api.db.query(
      `SELECT count(*)::int AS n FROM security_event WHERE kind = 'spam_inbound' AND detail->>'message_id' = $1`,
      [flagged.id],
    );
    expect(event.n).toBe(1);
  });

  it("a contact's invitation link binds the visitor who follows it: its first message joins the invited contact", async () => {
    const contact = (
      await a.http.post('/api/v1/contacts', { name: 'Invited Mina', email: 'mina@shop.example' })
    ).body;
    const invite = await a.http.post(`/api/v1/contacts/${contact.id}/invitations`, {
      channel_id: channel.id,
    });
    expect(invite.status).toBe(201);
    expect(invite.body).toMatchObject({ status: 'pending', binds: true, channel_type: 'web' });
    const token = new URL(invite.body.url).searchParams.get('parley_invite')!;
    expect(new URL(invite.body.url).origin).toBe(SHOP);

    // A malformed token is refused by the session's validation; the real one is kept for the first message.
    const bad = await session({ invitation: 'x' });
    expect([bad.status, bad.body.code]).toEqual([400, 'validation_failed']);
    const started = await session({ invitation: token });
    expect(started.status).toBe(200);
    const visitorToken = started.body.visitor_token as string;
    expect(
      (await asVisitor(visitorToken).post('/widget/v1/messages', { content: 'Hi, you invited me' })).status,
    ).toBe(201);
    const conversationId = (await session({ visitor_token: visitorToken })).body.conversation_id as string;
    const conversation = await a.http.get(`/api/v1/conversations/${conversationId}`);
    expect(conversation.body.contact.id).toBe(contact.id);
    const detail = (await a.http.get(`/api/v1/contacts/${contact.id}`)).body;
    expect(detail.invitations[0]).toMatchObject({ id: invite.body.id, status: 'accepted' });
    expect(detail.identities).toEqual([expect.objectContaining({ channel_id: channel.id })]);

    // Spent: another visitor with the same link is someone new, and so is the first visitor's next page.
    const late = await session({ invitation: token });
    await asVisitor(late.body.visitor_token).post('/widget/v1/messages', { content: 'Me too?' });
    const lateConversation = (await session({ visitor_token: late.body.visitor_token })).body.conversation_id;
    expect((await a.http.get(`/api/v1/conversations/${lateConversation}`)).body.contact.id).not.toBe(
      contact.id,
    );
    // Another workspace's agent cannot invite this workspace's contact to its channel, nor see it.
    expect(
      (await b.http.post(`/api/v1/contacts/${contact.id}/invitations`, { channel_id: channel.id })).status,
    ).toBe(404);
  });

  it('images and voice notes recorded in the browser upload and reach the agent', async () => {
    const image = await upload(visitor.token, 'image', SAMPLE_JPEG, 'photo.jpg', 'image/jpeg');
    expect(image.status).toBe(201);
    expect(image.body.attachments[0]).toMatchObject({ kind: 'image', mime: 'image/jpeg' });
    const voice = await upload(visitor.token, 'voice', SAMPLE_WEBM_OPUS, 'voice.webm', 'audio/webm');
    expect(voice.status).toBe(201);
    // Stored by the media job like any platform's voice note: no link until then.
    expect(voice.body.attachments[0]).toMatchObject({ kind: 'voice', mime: 'audio/webm', url: null });
    const heard = await agentChat.next((f) => f.type === 'chat_message' && f.message.id === voice.body.id);
    expect(heard.message.attachments[0]).toMatchObject({ kind: 'voice', mime: 'audio/webm' });
    // The agent gets it stored, with the M4A copy every browser (Safari too) plays.
    const stored = await agentChat.next(
      (f) =>
        f.type === 'message_updated' &&
        f.message.id === voice.body.id &&
        f.message.attachments[0].storage_key,
      20000,
    );
    expect(stored.message.attachments[0].playable_mime).toBe('audio/mp4');
    // The visitor hears it stored too, with a link that plays it without any token.
    const updated = await visitorSocket.next(
      (f) => f.type === 'message_updated' && f.message.id === voice.body.id && f.message.attachments[0].url,
    );
    const played = await fetch(`${api.url}${updated.message.attachments[0].url}`);
    expect(played.status).toBe(200);
    expect(Buffer.from(await played.arrayBuffer()).equals(SAMPLE_WEBM_OPUS)).toBe(true);
    const notAnImage = await upload(visitor.token, 'image', Buffer.from('just text'), 'x.jpg', 'image/jpeg');
    expect([notAnImage.status, notAnImage.body.code]).toEqual([415, 'attachment_invalid']);
  });

  it('a visitor that writes too fast is refused 429 rate_limited', async () => {
    const fast = (await session({})).body.visitor_token as string;
    const answers: number[] = [];
    for (let i = 0; i <= MESSAGES_PER_MINUTE; i++)
      answers.push((await asVisitor(fast).post('/widget/v1/messages', { content: `spam ${i}` })).status);
    expect(answers.slice(0, MESSAGES_PER_MINUTE).every((s) => s === 201)).toBe(true);
    const refused = await asVisitor(fast).post('/widget/v1/messages', { content: 'one more' });
    expect([refused.status, refused.body.code]).toEqual([429, 'rate_limited']);
    expect(refused.body.retry_after).toBeGreaterThan(0);
  });

  it('one IP holds at most WIDGET_SOCKETS_PER_IP visitor sockets: past it 429 too_many_connections', async () => {
    const token = (await session({})).body.visitor_token as string;
    const opened: WsClient[] = [];
    let refusal: { status?: number; body?: string } | null = null;
    for (let i = 0; i < SOCKETS_PER_IP + 1 && !refusal; i++) {
      try {
        opened.push(await open('/ws/visitor/', token));
      } catch (error) {
        refusal = error as { status?: number; body?: string };
      }
    }
    expect(refusal?.status).toBe(429);
    expect(JSON.parse(refusal!.body!).code).toBe('too_many_connections');
    // A closed socket frees its slot.
    opened[0].close();
    await eventually(async () => {
      const again = await open('/ws/visitor/', token);
      again.close();
    });
    for (const socket of opened) socket.close();
  });

  it('a blocked visitor is refused at once: its token, its new sessions, and its open socket', async () => {
    // An app needs conversations:write to block, as OpenAPI says.
    const key = await a.http.post('/api/v1/api-keys', { name: 'Reader', scopes: ['conversations:read'] });
    const reader = new HttpClient(api.url, { token: key.body.key });
    const denied = await reader.post(`/api/v1/conversations/${conversationId}/block-visitor`);
    expect(denied.status).toBe(403);
    const doc = (await widget.get('/api/docs-json')).body;
    expect(doc.paths['/api/v1/conversations/{id}/block-visitor'].post['x-parley-scopes']).toEqual([
      'conversations:write',
    ]);
    expect(doc.paths['/widget/v1/channels/{id}/sessions']).toBeDefined();

    expect((await a.http.post(`/api/v1/conversations/${conversationId}/block-visitor`)).status).toBe(204);
    expect(await visitorSocket.closed()).toBe(4003);
    const refused = await asVisitor(visitor.token).get('/widget/v1/messages');
    expect([refused.status, refused.body.code]).toEqual([403, 'visitor_blocked']);
    expect((await session({ visitor_token: visitor.token })).body.code).toBe('visitor_blocked');
    await expect(WsClient.connect(api.url, '/ws/visitor/', { token: visitor.token })).rejects.toMatchObject({
      status: 403,
    });
    const events = await api.db.query(
      `SELECT agent_id FROM security_event WHERE kind = 'visitor_blocked' AND workspace_id = $1`,
      [a.workspaceId],
    );
    expect(events).toEqual([{ agent_id: a.adminId }]);
  });

  it('with no agent online the widget says so, and the visitor leaves an e-mail and phone for later', async () => {
    const offline = await b.http.post('/api/v1/channels', {
      type: 'web',
      name: 'B shop',
      allowed_origins: [SHOP],
    });
    expect(offline.status).toBe(201);
    const config = await widget.get(`/widget/v1/channels/${offline.body.id}/config?origin=${SHOP}`);
    expect(config.body.agents_online).toBe(false);
    const started = await session({}, offline.body.id);
    const token = started.body.visitor_token as string;
    const badEmail = await asVisitor(token).post('/widget/v1/contact', { email: 'not-an-email' });
    expect([badEmail.status, badEmail.body.code]).toEqual([400, 'invalid_email']);
    const badPhone = await asVisitor(token).post('/widget/v1/contact', { phone: '12' });
    expect([badPhone.status, badPhone.body.code]).toEqual([400, 'invalid_phone']);
    const saved = await asVisitor(token).post('/widget/v1/contact', {
      name: 'Reza',
      email: 'Reza@Example.com',
      phone: '+98 912 345 6789',
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ name: 'Reza', email: 'reza@example.com', phone: '+989123456789' });
    await asVisitor(token).post('/widget/v1/messages', { content: 'Call me back please' });
    const conversation = (await session({ visitor_token: token }, offline.body.id)).body.conversation_id;
    const waiting = await b.http.get(`/api/v1/conversations/${conversation}`);
    expect(waiting.status).toBe(200);
    const contact = await b.http.get(`/api/v1/contacts/${waiting.body.contact.id}`);
    expect(contact.body).toMatchObject({ name: 'Reza', email: 'reza@example.com', phone: '+989123456789' });
  });

  it('the README identity lines in PHP compute the signature the widget accepts (php from scripts/setup.sh)', async () => {
    let php: string | null = null;
    try {
      php = execFileSync('which', ['php']).toString().trim() || null;
    } catch {
      php = null;
    }
    // scripts/test.sh installs php-cli where it can (root with apt); elsewhere it says it skips this.
    if (!php) return;
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const block = /In PHP:\n\n```php\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toContain('hash_hmac');
    const dir = mkdtempSync(join(tmpdir(), 'parley-php-'));
    const file = join(dir, 'sign.php');
    writeFileSync(file, `<?php\n$user = ['id' => 'cust-php-9'];\n${block}`);
    const printed = JSON.parse(
      execFileSync(php, [file], {
        env: { ...process.env, PARLEY_IDENTITY_SECRET: channel.identity_secret },
      }).toString(),
    ) as { user_id: string; signature: string };
    expect(printed.user_id).toBe('cust-php-9');
    // The server takes what PHP printed as a verified identity: the visitor is that user.
    const signed = await session({
      identity: { user_id: printed.user_id, name: 'Via PHP', signature: printed.signature },
    });
    expect(signed.status).toBe(200);
    expect(signed.body.visitor).toMatchObject({ identified: true, name: 'Via PHP' });
  });
});
