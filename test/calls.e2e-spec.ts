import { freshEnvironment, startApi, TestApi, TestEnvironment } from './support/app';
import { addAgent, createChannel, customerWrites, signupWorkspace, Workspace } from './support/factories';
import { HttpClient } from './support/http';
import { eventually, Frame, WsClient } from './support/ws';

type Agent = Awaited<ReturnType<typeof addAgent>>;

/**
 * Calls over the REST routes and the notifications socket, on two api instances sharing one
 * database and Redis (caller on one, callee on the other): states, races, busy, ring timeout,
 * signalling relay, and isolation between workspaces.
 */
describe('calls', () => {
  let environment: TestEnvironment;
  let a: TestApi;
  let b: TestApi;
  let ws: Workspace;
  let other: Workspace;
  let sara: Agent;
  let omid: Agent;
  let lina: Agent;
  const sockets: WsClient[] = [];

  const notifications = async (api: TestApi, token: string) => {
    const client = await WsClient.connect(api.url, '/ws/notifications/', { token });
    sockets.push(client);
    await client.next((f) => f.type === 'ready');
    return client;
  };
  const stateOf = (client: WsClient, callId: string, status: string, timeoutMs?: number) =>
    client.next((f) => f.type === 'call_state' && f.call_id === callId && f.status === status, timeoutMs);

  beforeAll(async () => {
    // A short ring so the timeout test needs no long wait; the sweep runs often.
    environment = await freshEnvironment({ CALL_RING_TIMEOUT_SECONDS: '2', CALL_SWEEP_INTERVAL_MS: '200' });
    a = await startApi(environment);
    b = await startApi(environment);
    ws = await signupWorkspace(a);
    other = await signupWorkspace(a);
    sara = await addAgent(a, ws);
    omid = await addAgent(a, ws);
    lina = await addAgent(a, ws);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await environment.close();
  });

  /** Ends whatever call these agents are in, so the next test starts with nobody busy. */
  const hangUpAll = async (...agents: { http: Workspace['http'] }[]) => {
    for (const agent of agents) {
      const page = await agent.http.get('/api/v1/calls');
      if (!page.body.data) throw new Error(JSON.stringify(page.body));
      for (const call of page.body.data as { id: string; status: string }[])
        if (call.status === 'ringing' || call.status === 'active')
          await agent.http.post(`/api/v1/calls/${call.id}/hangup`, {});
    }
  };
  afterEach(() => hangUpAll(ws, sara, omid, lina));

  it('rings the callee on another api instance, who accepts; both hear it active, then ended with a duration', async () => {
    const callee = await notifications(b, sara.token);
    const caller = await notifications(a, ws.token);
    const started = await ws.http.post('/api/v1/calls', { agent_id: sara.id });
    expect(started.status).toBe(201);
    expect(started.body).toEqual({ call_id: expect.any(String), status: 'ringing' });
    const callId = started.body.call_id as string;

    const incoming = await callee.next((f) => f.type === 'incoming_call');
    expect(incoming).toEqual({
      type: 'incoming_call',
      seq: expect.any(Number),
      call_id: callId,
      caller_username: 'Admin',
      conversation_id: null,
    });
    await stateOf(caller, callId, 'ringing');

    const accepted = await sara.http.post(`/api/v1/calls/${callId}/accept`);
    expect(accepted.status).toBe(200);
    expect(accepted.body.status).toBe('active');
    await stateOf(caller, callId, 'active');
    await stateOf(callee, callId, 'active');

    const ended = await ws.http.post(`/api/v1/calls/${callId}/hangup`, {});
    expect(ended.body).toMatchObject({ status: 'ended', ended_by: ws.adminId, end_reason: 'hangup' });
    expect(ended.body.duration_seconds).toEqual(expect.any(Number));
    const heard = await stateOf(callee, callId, 'ended');
    expect(heard.call).toMatchObject({
      caller: { kind: 'agent', id: ws.adminId, name: 'Admin' },
      callee: { kind: 'agent', id: sara.id },
      answered_at: expect.any(String),
      ended_at: expect.any(String),
    });
  });

  it('relays signalling between the two parties across instances, and refuses it to anyone else', async () => {
    const callee = await notifications(b, sara.token);
    const caller = await notifications(a, ws.token);
    const outsider = await notifications(a, omid.token);
    const { call_id: callId } = (await ws.http.post('/api/v1/calls', { agent_id: sara.id })).body;
    await sara.http.post(`/api/v1/calls/${callId}/accept`);

    caller.send({ type: 'call_signal', call_id: callId, kind: 'offer', data: { sdp: 'v=0 offer' } });
    const offer = await callee.next((f) => f.type === 'call_signal');
    expect(offer).toEqual({
      type: 'call_signal',
      call_id: callId,
      kind: 'offer',
      data: { sdp: 'v=0 offer' },
      from: ws.adminId,
    });
    const candidate = {
      candidate: 'candidate:1 1 udp 2122260223 10.0.0.1 5000 typ host',
      sdpMid: '0',
      sdpMLineIndex: 0,
    };
    callee.send({ type: 'call_signal', call_id: callId, kind: 'ice', data: { candidate } });
    expect((await caller.next((f) => f.type === 'call_signal')).data).toEqual({ candidate });

    outsider.send({ type: 'call_signal', call_id: callId, kind: 'offer', data: { sdp: 'v=0 intruder' } });
    const refused = await outsider.next((f) => f.type === 'error');
    expect(refused.code).toBe('not_found');
    // The intruder's frame reached no one: the callee got the one offer only.
    expect(callee.ofType('call_signal')).toHaveLength(1);
  });

  it('refuses malformed signalling frames with an error frame and keeps the socket open', async () => {
    const socket = await notifications(a, ws.token);
    const id = '00000000-0000-4000-8000-000000000000';
    socket.send({ type: 'call_signal', call_id: 'not-a-uuid', kind: 'offer', data: {} });
    socket.send({ type: 'call_signal', call_id: id, kind: 'dance', data: {} });
    socket.send({ type: 'call_signal', call_id: id, kind: 'offer', data: { sdp: 'x'.repeat(25_000) } });
    socket.send({ type: 'call_signal', call_id: id, kind: 'offer', data: { script: 'alert(1)' } });
    await eventually(() => expect(socket.ofType('error')).toHaveLength(4));
    expect(socket.ofType('error').map((f: Frame) => f.code)).toEqual([
      'invalid_frame',
      'invalid_frame',
      'invalid_frame',
      'invalid_frame',
    ]);
    socket.send({ type: 'ping' });
    await socket.next((f) => f.type === 'pong');
  });

  it('makes one winner when two tabs accept at once; the popup closes in the other tab', async () => {
    const tab1 = await notifications(a, sara.token);
    const tab2 = await notifications(b, sara.token);
    const { call_id: callId } = (await ws.http.post('/api/v1/calls', { agent_id: sara.id })).body;
    await tab1.next((f) => f.type === 'incoming_call');
    await tab2.next((f) => f.type === 'incoming_call');
    const answers = await Promise.all([
      sara.http.post(`/api/v1/calls/${callId}/accept`),
      sara.http.post(`/api/v1/calls/${callId}/accept`),
      sara.http.post(`/api/v1/calls/${callId}/accept`),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    expect(answers.find((r) => r.status === 409)!.body.code).toBe('call_not_ringing');
    await stateOf(tab1, callId, 'active');
    await stateOf(tab2, callId, 'active');
  });

  it('tells the caller when the callee rejects, and when the caller cancels the callee stops ringing', async () => {
    const caller = await notifications(a, ws.token);
    const callee = await notifications(b, sara.token);
    const first = (await ws.http.post('/api/v1/calls', { agent_id: sara.id })).body.call_id;
    const rejected = await sara.http.post(`/api/v1/calls/${first}/reject`);
    expect(rejected.body).toMatchObject({ status: 'rejected', ended_by: sara.id });
    await stateOf(caller, first, 'rejected');

    const second = (await ws.http.post('/api/v1/calls', { agent_id: sara.id })).body.call_id;
    await callee.next((f) => f.type === 'incoming_call' && f.call_id === second);
    const cancelled = await ws.http.post(`/api/v1/calls/${second}/hangup`, {});
    expect(cancelled.body).toMatchObject({
      status: 'cancelled',
      ended_by: ws.adminId,
      duration_seconds: null,
    });
    await stateOf(callee, second, 'cancelled');
    // Too late to answer a cancelled call.
    const late = await sara.http.post(`/api/v1/calls/${second}/accept`);
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('call_not_ringing');
  });

  it('stores busy when the callee is in another call, and refuses a caller who is in one', async () => {
    const { call_id: first } = (await ws.http.post('/api/v1/calls', { agent_id: sara.id })).body;
    await sara.http.post(`/api/v1/calls/${first}/accept`);
    const caller = await notifications(a, omid.token);
    const busy = await omid.http.post('/api/v1/calls', { agent_id: sara.id });
    expect(busy.body).toEqual({ call_id: expect.any(String), status: 'busy' });
    await stateOf(caller, busy.body.call_id, 'busy');
    const again = await sara.http.post('/api/v1/calls', { agent_id: lina.id });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('call_caller_busy');
  });

  it('lets only one of two simultaneous calls to the same agent ring', async () => {
    const results = await Promise.all([
      ws.http.post('/api/v1/calls', { agent_id: lina.id }),
      omid.http.post('/api/v1/calls', { agent_id: lina.id }),
    ]);
    expect(results.map((r) => r.body.status).sort()).toEqual(['busy', 'ringing']);
  });

  it('marks a call nobody answers missed after the ring timeout, and notifies the callee', async () => {
    const callee = await notifications(b, sara.token);
    const caller = await notifications(a, ws.token);
    const { call_id: callId } = (await ws.http.post('/api/v1/calls', { agent_id: sara.id })).body;
    const missed = await stateOf(caller, callId, 'missed', 10_000);
    expect(missed.call).toMatchObject({ end_reason: 'no_answer', ended_by: null, duration_seconds: null });
    const note = await callee.next((f) => f.type === 'notification' && f.kind === 'missed_call', 10_000);
    expect(note.call.id).toBe(callId);
    // Written once, though two instances sweep.
    await eventually(async () => {
      const rows: { n: string }[] = await a.db.query(
        `SELECT count(*) AS n FROM event WHERE type = 'call.updated' AND payload->'call'->>'id' = $1`,
        [callId],
      );
      expect(Number(rows[0].n)).toBe(2);
    });
  });

  it('shows a call still ringing to a tab opened mid-ring', async () => {
    const { call_id: callId } = (await ws.http.post('/api/v1/calls', { agent_id: omid.id })).body;
    const late = await notifications(b, omid.token);
    const incoming = await late.next((f) => f.type === 'incoming_call');
    expect(incoming).toMatchObject({ call_id: callId, caller_username: 'Admin' });
  });

  it('calls a conversation’s assignee and writes the outcome into its timeline', async () => {
    const channel = await createChannel(a, ws.workspaceId);
    const conversationId = (await customerWrites(a, ws.workspaceId, channel.id, { text: 'Hi' })).message
      .conversation_id as string;
    expect((await ws.http.post('/api/v1/calls', { conversation_id: conversationId })).body.code).toBe(
      'call_no_callee',
    );
    await ws.http.post(`/api/v1/conversations/${conversationId}/assign`, { agent_id: lina.id });
    const callee = await notifications(b, lina.token);
    const { call_id: callId } = (await ws.http.post('/api/v1/calls', { conversation_id: conversationId }))
      .body;
    const incoming = await callee.next((f) => f.type === 'incoming_call');
    expect(incoming.conversation_id).toBe(conversationId);
    await lina.http.post(`/api/v1/calls/${callId}/reject`);
    await eventually(async () => {
      const messages = await ws.http.get(`/api/v1/conversations/${conversationId}/messages`);
      const system = (messages.body.data as { type: string; content: string }[]).filter(
        (m) => m.type === 'system',
      );
      expect(system.map((m) => m.content)).toEqual([expect.stringMatching(/declined a call from Admin/)]);
    });
  });

  it('pages the history newest first, with each agent seeing only its own calls', async () => {
    const placed: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { call_id } = (await omid.http.post('/api/v1/calls', { agent_id: lina.id })).body;
      await omid.http.post(`/api/v1/calls/${call_id}/hangup`, {});
      placed.push(call_id);
    }
    const first = await omid.http.get('/api/v1/calls?limit=2');
    expect(first.body.data).toHaveLength(2);
    const second = await omid.http.get(`/api/v1/calls?limit=2&cursor=${first.body.next_cursor}`);
    const seen = [...first.body.data, ...second.body.data].map((c: { id: string }) => c.id);
    expect(seen.slice(0, 3)).toEqual([...placed].reverse());
    expect(new Set(seen).size).toBe(seen.length);
    const sarasOwn = await sara.http.get('/api/v1/calls?limit=100');
    expect((sarasOwn.body.data as { id: string }[]).map((c) => c.id)).not.toContain(placed[0]);
    expect((await sara.http.get(`/api/v1/calls/${placed[0]}`)).status).toBe(404);
    expect((await ws.http.get('/api/v1/calls?cursor=bogus')).body.code).toBe('invalid_cursor');
  });

  it('answers 404 for another workspace’s agent, conversation and call on every route', async () => {
    const { call_id: callId } = (await ws.http.post('/api/v1/calls', { agent_id: sara.id })).body;
    const channel = await createChannel(a, ws.workspaceId);
    const conversationId = (await customerWrites(a, ws.workspaceId, channel.id, { text: 'Hi' })).message
      .conversation_id as string;
    expect((await other.http.post('/api/v1/calls', { agent_id: sara.id })).status).toBe(404);
    expect((await other.http.post('/api/v1/calls', { conversation_id: conversationId })).status).toBe(404);
    expect((await other.http.get(`/api/v1/calls/${callId}`)).status).toBe(404);
    for (const action of ['accept', 'reject', 'hangup'])
      expect((await other.http.post(`/api/v1/calls/${callId}/${action}`, {})).status).toBe(404);
    // A colleague in the same workspace who is no party of the call cannot touch it either.
    for (const action of ['accept', 'reject', 'hangup'])
      expect((await omid.http.post(`/api/v1/calls/${callId}/${action}`, {})).status).toBe(404);
    expect((await other.http.get('/api/v1/calls')).body.data).toEqual([]);
    const foreign = await notifications(a, other.token);
    foreign.send({ type: 'call_signal', call_id: callId, kind: 'offer', data: { sdp: 'v=0' } });
    expect((await foreign.next((f) => f.type === 'error')).code).toBe('not_found');
    expect((await other.http.get('/api/v1/calls/not-a-uuid')).status).toBe(404);
  });

  it('refuses to call nobody, oneself, or with ids that are not UUIDs', async () => {
    expect((await ws.http.post('/api/v1/calls', {})).body.code).toBe('call_target_required');
    expect((await ws.http.post('/api/v1/calls', { agent_id: ws.adminId })).body.code).toBe('call_self');
    const bad = await ws.http.post('/api/v1/calls', { agent_id: "1' OR '1'='1" });
    expect(bad.status).toBe(400);
    expect((await ws.http.post('/api/v1/calls', { agent_id: sara.id, extra: 1 })).status).toBe(400);
  });

  describe('call links', () => {
    /** A Telegram customer's conversation assigned to Lina, and a call link Lina made for it. */
    const linkFor = async () => {
      const channel = await createChannel(a, ws.workspaceId);
      const written = await customerWrites(a, ws.workspaceId, channel.id, { text: 'Can you call me?' });
      const conversationId = written.message.conversation_id as string;
      const made = await lina.http.post(`/api/v1/conversations/${conversationId}/call-link`);
      expect(made.status).toBe(201);
      const path = new URL(made.body.url as string).pathname;
      return { conversationId, path, token: path.split('/')[2], made: made.body };
    };

    it('makes a signed, expiring link whose page speaks the browser’s language', async () => {
      const { path, made } = await linkFor();
      expect(made.url).toMatch(/\/call\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
      expect(Date.parse(made.expires_at)).toBeGreaterThan(Date.now());
      const page = await fetch(`${a.url}${path}`, { headers: { 'accept-language': 'fa-IR,fa;q=0.9' } });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<html lang="fa" dir="rtl">');
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      const english = await (
        await fetch(`${a.url}${path}`, { headers: { 'accept-language': 'de,en;q=0.5' } })
      ).text();
      expect(english).toContain('<html lang="en" dir="ltr">');
      const tampered = path.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
      expect((await fetch(`${a.url}${tampered}`)).status).toBe(404);
      expect((await fetch(`${a.url}/call/nonsense`)).status).toBe(404);
    });

    it('lets the customer call the agent who sent the link; audio signalling flows both ways and the call lands in the timeline', async () => {
      const { conversationId, token } = await linkFor();
      const agent = await notifications(b, lina.token);
      const customer = await WsClient.connect(a.url, `/ws/call/?token=${token}`);
      sockets.push(customer);
      await customer.next((f) => f.type === 'ready');
      const started = await fetch(`${a.url}/call/${token}/calls`, { method: 'POST' });
      expect(started.status).toBe(201);
      const { call_id: callId, status } = (await started.json()) as { call_id: string; status: string };
      expect(status).toBe('ringing');
      const incoming = await agent.next((f) => f.type === 'incoming_call');
      expect(incoming).toMatchObject({ call_id: callId, conversation_id: conversationId });
      expect(incoming.caller_username).toEqual(expect.any(String));

      await lina.http.post(`/api/v1/calls/${callId}/accept`);
      await customer.next((f) => f.type === 'call_state' && f.status === 'active');
      customer.send({ type: 'call_signal', call_id: callId, kind: 'offer', data: { sdp: 'v=0 customer' } });
      const offer = await agent.next((f) => f.type === 'call_signal');
      expect(offer.data).toEqual({ sdp: 'v=0 customer' });
      agent.send({ type: 'call_signal', call_id: callId, kind: 'answer', data: { sdp: 'v=0 agent' } });
      expect((await customer.next((f) => f.type === 'call_signal')).data).toEqual({ sdp: 'v=0 agent' });

      const hung = await fetch(`${a.url}/call/${token}/calls/${callId}/hangup`, { method: 'POST' });
      expect(((await hung.json()) as { status: string }).status).toBe('ended');
      await stateOf(agent, callId, 'ended');
      await eventually(async () => {
        const messages = await lina.http.get(`/api/v1/conversations/${conversationId}/messages`);
        const lines = (messages.body.data as { type: string; content: string }[]).filter(
          (m) => m.type === 'system',
        );
        expect(lines.map((m) => m.content)).toEqual([
          expect.stringMatching(/^Voice call between .* and Agent/),
        ]);
      });
    });

    it('keeps a link to its own conversation’s calls', async () => {
      const { token } = await linkFor();
      const { call_id: agentsCall } = (await ws.http.post('/api/v1/calls', { agent_id: omid.id })).body;
      const customer = await WsClient.connect(a.url, `/ws/call/?token=${token}`);
      sockets.push(customer);
      await customer.next((f) => f.type === 'ready');
      customer.send({ type: 'call_signal', call_id: agentsCall, kind: 'offer', data: { sdp: 'v=0' } });
      expect((await customer.next((f) => f.type === 'error')).code).toBe('not_found');
      const hangup = await fetch(`${a.url}/call/${token}/calls/${agentsCall}/hangup`, { method: 'POST' });
      expect(hangup.status).toBe(404);
      // The customer's socket hears nothing of the agents' call.
      expect(customer.ofType('call_state')).toEqual([]);
      await expect(WsClient.connect(a.url, '/ws/call/?token=forged.token')).rejects.toMatchObject({
        status: 404,
      });
    });

    it('gives a website visitor a call link for its own conversation that rings the agent who has it', async () => {
      const shop = 'https://shop.example';
      const web = await ws.http.post('/api/v1/channels', {
        type: 'web',
        name: 'Site',
        allowed_origins: [shop],
      });
      expect(web.status).toBe(201);
      const started = await new HttpClient(a.url).post(`/widget/v1/channels/${web.body.id}/sessions`, {
        origin: shop,
      });
      const visitor = new HttpClient(a.url, { token: started.body.visitor_token });
      expect((await visitor.post('/widget/v1/call-link')).body.code).toBe('call_no_callee');
      await visitor.post('/widget/v1/messages', { content: 'Can we talk?', client_id: 'v-1' });
      const conversationId = (
        await new HttpClient(a.url).post(`/widget/v1/channels/${web.body.id}/sessions`, {
          origin: shop,
          visitor_token: started.body.visitor_token,
        })
      ).body.conversation_id as string;
      // Nobody has it yet: nobody to ring.
      expect((await visitor.post('/widget/v1/call-link')).body.code).toBe('call_no_callee');
      await ws.http.post(`/api/v1/conversations/${conversationId}/assign`, { agent_id: omid.id });
      const link = await visitor.post('/widget/v1/call-link');
      expect(link.status).toBe(201);
      const token = new URL(link.body.url as string).pathname.split('/')[2];
      const agent = await notifications(b, omid.token);
      const call = await fetch(`${a.url}/call/${token}/calls`, { method: 'POST' });
      const { call_id: callId } = (await call.json()) as { call_id: string };
      const incoming = await agent.next((f) => f.type === 'incoming_call');
      expect(incoming).toMatchObject({ call_id: callId, conversation_id: conversationId });
      expect((await new HttpClient(a.url).post('/widget/v1/call-link')).status).toBe(401);
    });

    it('refuses a call link for another workspace’s conversation', async () => {
      const { conversationId } = await linkFor();
      expect((await other.http.post(`/api/v1/conversations/${conversationId}/call-link`)).status).toBe(404);
      expect((await other.http.post('/api/v1/conversations/not-a-uuid/call-link')).status).toBe(404);
    });
  });
});

describe('ICE servers', () => {
  it('hands out STUN and short-lived TURN credentials from the configuration', async () => {
    const configured = await freshEnvironment({
      STUN_URLS: 'stun:stun.parley.test:3478',
      TURN_URLS: 'turn:turn.parley.test:3478?transport=udp,turns:turn.parley.test:5349',
      TURN_SECRET: 'a-shared-coturn-secret',
      TURN_TTL_SECONDS: '600',
    });
    const api = await startApi(configured);
    try {
      const admin = await signupWorkspace(api);
      const view = (await admin.http.get('/api/v1/calls/ice-servers')).body;
      expect(view.ttl_seconds).toBe(600);
      expect(view.ice_servers[0]).toEqual({ urls: ['stun:stun.parley.test:3478'] });
      const turn = view.ice_servers[1];
      expect(turn.urls).toEqual(['turn:turn.parley.test:3478?transport=udp', 'turns:turn.parley.test:5349']);
      const [expiry, user] = (turn.username as string).split(':');
      expect(user).toBe(admin.adminId);
      expect(Number(expiry) - Date.now() / 1000).toBeGreaterThan(590);
      expect(turn.credential).toMatch(/^[A-Za-z0-9+/]{27}=$/);
    } finally {
      await api.close();
      await configured.close();
    }
  });
});
