import { randomUUID } from 'node:crypto';
import { CallAnswerService } from '@parley/domain/calls/call-answer.service';
import { freshEnvironment, startApi, TestApi, TestEnvironment } from './support/app';
import { addAgent, createChannel, customerWrites, signupWorkspace, Workspace } from './support/factories';
import { HttpClient } from './support/http';
import { eventually, WsClient } from './support/ws';

type Agent = Awaited<ReturnType<typeof addAgent>>;

const SHOP = 'https://shop.example';

/**
 * An agent calls a website visitor back (`POST /calls {conversation_id, callee: "contact"}`): the
 * visitor's widget socket rings with an answer page signed for that one call; the page answers,
 * declines or hangs up with that token alone. Agent on one api instance, visitor on the other.
 */
describe('calls to website visitors', () => {
  let environment: TestEnvironment;
  let a: TestApi;
  let b: TestApi;
  let ws: Workspace;
  let other: Workspace;
  let sara: Agent;
  let channelId: string;
  const sockets: WsClient[] = [];

  beforeAll(async () => {
    // A short ring so the timeout test needs no long wait; the sweep runs often.
    environment = await freshEnvironment({ CALL_RING_TIMEOUT_SECONDS: '4', CALL_SWEEP_INTERVAL_MS: '200' });
    a = await startApi(environment);
    b = await startApi(environment);
    ws = await signupWorkspace(a);
    other = await signupWorkspace(a);
    sara = await addAgent(a, ws);
    const web = await ws.http.post('/api/v1/channels', {
      type: 'web',
      name: 'Site',
      allowed_origins: [SHOP],
    });
    expect(web.status).toBe(201);
    channelId = web.body.id as string;
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    // Nobody stays in a call into the next test.
    for (const agent of [ws, sara]) {
      const page = await agent.http.get('/api/v1/calls');
      for (const call of page.body.data as { id: string; status: string }[])
        if (call.status === 'ringing' || call.status === 'active')
          await agent.http.post(`/api/v1/calls/${call.id}/hangup`, {});
    }
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await environment.close();
  });

  const track = (socket: WsClient) => {
    sockets.push(socket);
    return socket;
  };
  const notifications = async (api: TestApi, token: string) => {
    const client = track(await WsClient.connect(api.url, '/ws/notifications/', { token }));
    await client.next((f) => f.type === 'ready');
    return client;
  };
  const stateOf = (client: WsClient, callId: string, status: string, timeoutMs?: number) =>
    client.next((f) => f.type === 'call_state' && f.call_id === callId && f.status === status, timeoutMs);

  /** A visitor who wrote (so it has a conversation), not yet on the site with a socket. */
  const newVisitor = async () => {
    const widget = new HttpClient(a.url);
    const started = await widget.post(`/widget/v1/channels/${channelId}/sessions`, { origin: SHOP });
    const token = started.body.visitor_token as string;
    const http = new HttpClient(a.url, { token });
    await http.post('/widget/v1/messages', { content: 'Hello', client_id: randomUUID() });
    const again = await widget.post(`/widget/v1/channels/${channelId}/sessions`, {
      origin: SHOP,
      visitor_token: token,
    });
    return { token, http, conversationId: again.body.conversation_id as string };
  };
  /** The visitor's widget socket on `api`, once the agents can see the visitor is there. */
  const onSite = async (api: TestApi, visitor: { token: string; conversationId: string }) => {
    const socket = track(await WsClient.connect(api.url, '/ws/visitor/', { token: visitor.token }));
    await socket.next((f) => f.type === 'recent_messages');
    await eventually(async () =>
      expect(
        (await ws.http.get(`/api/v1/conversations/${visitor.conversationId}/visitor-call`)).body,
      ).toEqual({
        web: true,
        online: true,
      }),
    );
    return socket;
  };
  const callVisitor = (agent: { http: HttpClient }, conversationId: string) =>
    agent.http.post('/api/v1/calls', { conversation_id: conversationId, callee: 'contact' });
  const answerPath = (url: string) => new URL(url).pathname;
  const tokenOf = (url: string) => answerPath(url).split('/')[3];
  const page = (token: string, path: string) =>
    fetch(`${a.url}/call/answer/${token}${path}`, { method: 'POST' });

  it('rings the visitor’s widget on another instance; the answer page accepts, signalling flows both ways, and history and timeline name the visitor', async () => {
    const visitor = await newVisitor();
    const widget = await onSite(b, visitor);
    const agent = await notifications(a, ws.token);

    const started = await callVisitor(ws, visitor.conversationId);
    expect(started.status).toBe(201);
    expect(started.body).toEqual({ call_id: expect.any(String), status: 'ringing' });
    const callId = started.body.call_id as string;
    const incoming = await widget.next((f) => f.type === 'incoming_call');
    expect(incoming).toEqual({
      type: 'incoming_call',
      call_id: callId,
      caller_username: 'Admin',
      conversation_id: visitor.conversationId,
      answer_url: expect.stringMatching(/\/call\/answer\/ans\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/),
    });
    // The answer page carries its own credential, never the visitor's token.
    expect(incoming.answer_url).not.toContain(visitor.token);
    const ringing = await stateOf(agent, callId, 'ringing');
    expect(ringing.call.callee).toEqual({
      kind: 'contact',
      id: expect.any(String),
      name: expect.stringMatching(/^Visitor [0-9A-F]{4}$/),
    });

    const token = tokenOf(incoming.answer_url as string);
    const html = await fetch(`${b.url}${answerPath(incoming.answer_url as string)}`, {
      headers: { 'accept-language': 'ar' },
    });
    expect(html.status).toBe(200);
    const text = await html.text();
    expect(text).toContain('<html lang="ar" dir="rtl">');
    expect(text).toContain(`data-call-id="${callId}"`);
    expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");

    const pageSocket = track(await WsClient.connect(b.url, `/ws/call/?token=${token}`));
    await pageSocket.next((f) => f.type === 'ready');
    const accepted = await page(token, `/calls/${callId}/accept`);
    expect(accepted.status).toBe(200);
    const view = (await accepted.json()) as { id: string; status: string; ice_servers: unknown };
    expect([view.id, view.status, Array.isArray(view.ice_servers)]).toEqual([callId, 'active', true]);
    await stateOf(agent, callId, 'active');
    await stateOf(pageSocket, callId, 'active');
    // The widget's banner goes: the call no longer rings.
    expect(await widget.next((f) => f.type === 'call_state' && f.call_id === callId)).toEqual({
      type: 'call_state',
      call_id: callId,
      status: 'active',
    });

    agent.send({ type: 'call_signal', call_id: callId, kind: 'offer', data: { sdp: 'v=0 agent' } });
    expect((await pageSocket.next((f) => f.type === 'call_signal')).data).toEqual({ sdp: 'v=0 agent' });
    pageSocket.send({ type: 'call_signal', call_id: callId, kind: 'answer', data: { sdp: 'v=0 visitor' } });
    expect((await agent.next((f) => f.type === 'call_signal')).data).toEqual({ sdp: 'v=0 visitor' });

    const hung = await page(token, `/calls/${callId}/hangup`);
    expect(((await hung.json()) as { status: string }).status).toBe('ended');
    const ended = await stateOf(agent, callId, 'ended');
    expect(ended.call).toMatchObject({ end_reason: 'hangup', duration_seconds: expect.any(Number) });

    const history = await ws.http.get('/api/v1/calls');
    expect((history.body.data as { id: string }[]).find((c) => c.id === callId)).toMatchObject({
      status: 'ended',
      caller: { kind: 'agent', id: ws.adminId, name: 'Admin' },
      callee: { kind: 'contact', name: ringing.call.callee.name },
      conversation_id: visitor.conversationId,
    });
    await eventually(async () => {
      const messages = await ws.http.get(`/api/v1/conversations/${visitor.conversationId}/messages`);
      const lines = (messages.body.data as { type: string; content: string }[]).filter(
        (m) => m.type === 'system',
      );
      expect(lines.map((m) => m.content)).toEqual([
        `Voice call between Admin and ${ringing.call.callee.name as string} (0:00)`,
      ]);
    });
    // A finished call's token opens nothing any more.
    await expect(WsClient.connect(b.url, `/ws/call/?token=${token}`)).rejects.toMatchObject({ status: 404 });
  });

  it('tells the agent `rejected` when the visitor declines, and the widget stops ringing', async () => {
    const visitor = await newVisitor();
    const widget = await onSite(a, visitor);
    const agent = await notifications(b, sara.token);
    const { call_id: callId } = (await callVisitor(sara, visitor.conversationId)).body;
    const incoming = await widget.next((f) => f.type === 'incoming_call');
    const declined = await page(tokenOf(incoming.answer_url as string), `/calls/${callId}/reject`);
    expect(((await declined.json()) as { status: string }).status).toBe('rejected');
    const heard = await stateOf(agent, callId, 'rejected');
    expect(heard.call.end_reason).toBe('rejected');
    await stateOf(widget, callId, 'rejected');
  });

  it('stops ringing the widget when the agent cancels; the answer page can no longer accept', async () => {
    const visitor = await newVisitor();
    const widget = await onSite(b, visitor);
    const { call_id: callId } = (await callVisitor(ws, visitor.conversationId)).body;
    const incoming = await widget.next((f) => f.type === 'incoming_call');
    const cancelled = await ws.http.post(`/api/v1/calls/${callId}/hangup`, {});
    expect(cancelled.body.status).toBe('cancelled');
    await stateOf(widget, callId, 'cancelled');
    const late = await page(tokenOf(incoming.answer_url as string), `/calls/${callId}/accept`);
    expect(late.status).toBe(409);
    expect(((await late.json()) as { code: string }).code).toBe('call_not_ringing');
  });

  it('marks a call the visitor does not answer missed after the ring timeout, and the widget stops ringing', async () => {
    const visitor = await newVisitor();
    const widget = await onSite(a, visitor);
    const agent = await notifications(b, ws.token);
    const { call_id: callId } = (await callVisitor(ws, visitor.conversationId)).body;
    await widget.next((f) => f.type === 'incoming_call');
    const missed = await stateOf(agent, callId, 'missed', 10_000);
    expect(missed.call.end_reason).toBe('no_answer');
    await stateOf(widget, callId, 'missed');
  });

  it('shows a call still ringing to a widget that connects mid-ring', async () => {
    const visitor = await newVisitor();
    const first = await onSite(a, visitor);
    const { call_id: callId } = (await callVisitor(ws, visitor.conversationId)).body;
    await first.next((f) => f.type === 'incoming_call');
    const reloaded = track(await WsClient.connect(b.url, '/ws/visitor/', { token: visitor.token }));
    expect(await reloaded.next((f) => f.type === 'incoming_call')).toMatchObject({
      call_id: callId,
      answer_url: expect.stringContaining('/call/answer/'),
    });
  });

  it('refuses with 409 call_visitor_offline while the visitor has no widget open, and again once it closes', async () => {
    const visitor = await newVisitor();
    expect((await ws.http.get(`/api/v1/conversations/${visitor.conversationId}/visitor-call`)).body).toEqual({
      web: true,
      online: false,
    });
    const offline = await callVisitor(ws, visitor.conversationId);
    expect([offline.status, offline.body.code]).toEqual([409, 'call_visitor_offline']);
    const fa = await ws.http.post(
      '/api/v1/calls',
      { conversation_id: visitor.conversationId, callee: 'contact' },
      { lang: 'fa' },
    );
    expect(fa.body.message).toBe('بازدیدکننده اکنون در وب‌سایت نیست، پس تماس زنگ نمی‌خورد.');

    const socket = await onSite(b, visitor);
    socket.close();
    await eventually(async () =>
      expect(
        (await ws.http.get(`/api/v1/conversations/${visitor.conversationId}/visitor-call`)).body.online,
      ).toBe(false),
    );
    expect((await callVisitor(ws, visitor.conversationId)).body.code).toBe('call_visitor_offline');
  });

  it('stores `busy` when the visitor is already in a call', async () => {
    const visitor = await newVisitor();
    await onSite(a, visitor);
    expect((await callVisitor(ws, visitor.conversationId)).body.status).toBe('ringing');
    const second = await callVisitor(sara, visitor.conversationId);
    expect(second.body.status).toBe('busy');
    expect((await sara.http.get(`/api/v1/calls/${second.body.call_id}`)).body).toMatchObject({
      status: 'busy',
      end_reason: 'busy',
      callee: { kind: 'contact' },
    });
  });

  it('refuses a conversation of another platform: its customer gets a call link instead', async () => {
    const telegram = await createChannel(a, ws.workspaceId);
    const conversationId = (await customerWrites(a, ws.workspaceId, telegram.id, { text: 'Hi' })).message
      .conversation_id as string;
    const refused = await callVisitor(ws, conversationId);
    expect([refused.status, refused.body.code]).toEqual([400, 'call_visitor_not_web']);
    expect(refused.body.message).toContain('call link');
    expect((await ws.http.get(`/api/v1/conversations/${conversationId}/visitor-call`)).body).toEqual({
      web: false,
      online: false,
    });
    const bad = await ws.http.post('/api/v1/calls', { conversation_id: conversationId, callee: 'robot' });
    expect([bad.status, bad.body.code]).toEqual([400, 'validation_failed']);
    expect((await ws.http.post('/api/v1/calls', { callee: 'contact' })).body.code).toBe(
      'call_target_required',
    );
  });

  it('answers 404 for another workspace’s conversation', async () => {
    const visitor = await newVisitor();
    await onSite(a, visitor);
    const foreign = await callVisitor(other, visitor.conversationId);
    expect([foreign.status, foreign.body.code]).toEqual([404, 'not_found']);
    expect(
      (await other.http.get(`/api/v1/conversations/${visitor.conversationId}/visitor-call`)).status,
    ).toBe(404);
    expect((await other.http.get('/api/v1/conversations/not-a-uuid/visitor-call')).status).toBe(404);
  });

  it('never rings the visitor of another conversation, who cannot accept the call either', async () => {
    const called = await newVisitor();
    const bystander = await newVisitor();
    const calledSocket = await onSite(a, called);
    const bystanderSocket = await onSite(a, bystander);
    const { call_id: callId } = (await callVisitor(ws, called.conversationId)).body;
    await calledSocket.next((f) => f.type === 'incoming_call');
    const cancelled = await ws.http.post(`/api/v1/calls/${callId}/hangup`, {});
    expect(cancelled.body.status).toBe('cancelled');
    await stateOf(calledSocket, callId, 'cancelled');
    // Both sockets are on one instance, delivered in order: the bystander has had its chance to hear it.
    expect(
      bystanderSocket.frames.filter((f) => f.type === 'incoming_call' || f.type === 'call_state'),
    ).toEqual([]);

    const { call_id: again } = (await callVisitor(ws, called.conversationId)).body;
    // Its visitor token is no agent's: the agents' routes refuse it.
    expect((await bystander.http.post(`/api/v1/calls/${again}/accept`)).status).toBe(401);
    // Nor is it a call page's credential.
    await expect(WsClient.connect(a.url, '/ws/call/', { token: bystander.token })).rejects.toMatchObject({
      status: 404,
    });
  });

  it('keeps an answer token to its own call: it accepts no other, and a tampered or expired one is refused', async () => {
    const first = await newVisitor();
    const second = await newVisitor();
    const firstSocket = await onSite(a, first);
    const secondSocket = await onSite(a, second);
    const { call_id: firstCall } = (await callVisitor(ws, first.conversationId)).body;
    const { call_id: secondCall } = (await callVisitor(sara, second.conversationId)).body;
    const firstToken = tokenOf(
      (await firstSocket.next((f) => f.type === 'incoming_call')).answer_url as string,
    );
    await secondSocket.next((f) => f.type === 'incoming_call');

    const crossed = await page(firstToken, `/calls/${secondCall}/accept`);
    expect(crossed.status).toBe(404);
    expect((await page(firstToken, `/calls/${secondCall}/reject`)).status).toBe(404);
    expect((await sara.http.get(`/api/v1/calls/${secondCall}`)).body.status).toBe('ringing');

    const tampered = firstToken.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    const forged = await page(tampered, `/calls/${firstCall}/accept`);
    expect([forged.status, ((await forged.json()) as { code: string }).code]).toEqual([
      404,
      'call_answer_invalid',
    ]);
    expect((await fetch(`${a.url}/call/answer/${tampered}`)).status).toBe(404);
    await expect(WsClient.connect(a.url, `/ws/call/?token=${tampered}`)).rejects.toMatchObject({
      status: 404,
    });

    const contactId = (await ws.http.get(`/api/v1/calls/${firstCall}`)).body.callee.id as string;
    const expired = a
      .get(CallAnswerService)
      .issue(ws.workspaceId, firstCall, contactId, Date.now() - 2 * 24 * 3600_000);
    const stale = await page(expired, `/calls/${firstCall}/accept`);
    expect([stale.status, ((await stale.json()) as { code: string }).code]).toEqual([
      410,
      'call_answer_invalid',
    ]);
    expect((await fetch(`${a.url}/call/answer/${expired}`)).status).toBe(410);
    await expect(WsClient.connect(a.url, `/ws/call/?token=${expired}`)).rejects.toMatchObject({
      status: 404,
    });
    // A call link's token is no answer token, nor the other way round.
    const link = (await ws.http.post(`/api/v1/conversations/${first.conversationId}/call-link`)).body
      .url as string;
    const linkToken = new URL(link).pathname.split('/')[2];
    expect((await page(linkToken, `/calls/${firstCall}/accept`)).status).toBe(404);
    expect((await fetch(`${a.url}/call/${firstToken}/calls`, { method: 'POST' })).status).toBe(404);
    // Still ringing: none of that touched it.
    expect((await ws.http.get(`/api/v1/calls/${firstCall}`)).body.status).toBe('ringing');
  });
});
