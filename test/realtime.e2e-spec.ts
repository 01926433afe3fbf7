import jwt from 'jsonwebtoken';
import { freshEnvironment, startApi, TestApi, TestEnvironment } from './support/app';
import { addAgent, createChannel, customerWrites, signupWorkspace, Workspace } from './support/factories';
import { launch, listeningPort } from './support/processes';
import { eventually, Frame, WsClient } from './support/ws';

/**
 * Two api instances share one database and one Redis prefix, as two replicas behind a load
 * balancer would: what happens on one must reach sockets on the other.
 */
describe('realtime gateway across two api instances', () => {
  let environment: TestEnvironment;
  let a: TestApi;
  let b: TestApi;
  let ws: Workspace;
  let agent: Awaited<ReturnType<typeof addAgent>>;
  let channelId: string;
  const sockets: WsClient[] = [];

  const open = async (api: TestApi, path: string, auth: Parameters<typeof WsClient.connect>[2]) => {
    const client = await WsClient.connect(api.url, path, auth);
    sockets.push(client);
    return client;
  };
  /** A new conversation with one customer message; returns its id. */
  const newConversation = async (text = 'Hello, I need help') =>
    (await customerWrites(a, ws.workspaceId, channelId, { text })).message.conversation_id;
  const chat = async (api: TestApi, conversationId: string, token: string, since?: number) => {
    const client = await open(api, `/ws/chat/${conversationId}/`, { token, since });
    if (since === undefined) await client.next((f) => f.type === 'recent_messages');
    return client;
  };
  const send = (
    conversationId: string,
    content: string,
    type: 'support' | 'note' = 'support',
    http = ws.http,
  ) => http.post(`/api/v1/message/conversation/${conversationId}/send-message/`, { content, type });

  beforeAll(async () => {
    environment = await freshEnvironment({ PRESENCE_TTL_SECONDS: '2', WS_PING_INTERVAL_SECONDS: '1' });
    a = await startApi(environment);
    b = await startApi(environment);
    ws = await signupWorkspace(a);
    agent = await addAgent(a, ws);
    channelId = (await createChannel(a, ws.workspaceId)).id;
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await environment.close();
  });

  describe('handshake', () => {
    let conversationId: string;
    beforeAll(async () => {
      conversationId = await newConversation();
    });

    it.each([
      ['no token', () => ({}), 401],
      ['a garbage token', () => ({ token: 'not-a-jwt' }), 401],
      [
        'an expired token',
        () => ({
          token: jwt.sign({ sub: ws.adminId, wsp: ws.workspaceId, role: 'admin' }, a.config.jwt.secret, {
            issuer: a.config.jwt.issuer,
            audience: a.config.jwt.audience,
            expiresIn: -10,
          }),
        }),
        401,
      ],
      [
        'an alg:none token',
        () => ({
          token: [
            Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url'),
            Buffer.from(
              JSON.stringify({
                sub: ws.adminId,
                wsp: ws.workspaceId,
                role: 'admin',
                iss: 'parley',
                aud: 'parley-agents',
              }),
            ).toString('base64url'),
            '',
          ].join('.'),
        }),
        401,
      ],
    ])('refuses %s with HTTP 401 before any socket opens', async (_label, auth, status) => {
      await expect(WsClient.connect(a.url, `/ws/chat/${conversationId}/`, auth())).rejects.toMatchObject({
        status,
      });
    });

    it("refuses another workspace's conversation, an unknown one, and an unknown path with 404", async () => {
      const other = await signupWorkspace(a);
      await expect(
        WsClient.connect(a.url, `/ws/chat/${conversationId}/`, { token: other.token }),
      ).rejects.toMatchObject({
        status: 404,
      });
      await expect(
        WsClient.connect(a.url, '/ws/chat/6f1c8a1e-0000-4000-8000-000000000000/', { token: ws.token }),
      ).rejects.toMatchObject({ status: 404 });
      await expect(WsClient.connect(a.url, '/ws/chat/nope/', { token: ws.token })).rejects.toMatchObject({
        status: 404,
      });
      await expect(WsClient.connect(a.url, '/ws/elsewhere/', { token: ws.token })).rejects.toMatchObject({
        status: 404,
      });
    });

    it('refuses a deactivated agent with 403', async () => {
      const gone = await addAgent(a, ws);
      expect((await ws.http.patch(`/api/v1/agents/${gone.id}`, { is_active: false })).status).toBe(200);
      await expect(
        WsClient.connect(a.url, '/ws/conversations/', { token: gone.token }),
      ).rejects.toMatchObject({
        status: 403,
      });
    });

    it('accepts the token as Sec-WebSocket-Protocol "bearer, <token>" and without a trailing slash', async () => {
      const client = await open(a, `/ws/chat/${conversationId}`, { token: ws.token, protocol: true });
      expect(client.socket.protocol).toBe('bearer');
      const recent = await client.next((f) => f.type === 'recent_messages');
      expect(recent.messages.map((m: Frame) => m.content)).toEqual(['Hello, I need help']);
    });
  });

  it('sends recent_messages right after connect: the newest 50, oldest first, with when they were read', async () => {
    const conversationId = await newConversation('first');
    for (let i = 0; i < 55; i++) await send(conversationId, `reply ${i}`, 'note');
    const before = Date.now();
    const client = await open(a, `/ws/chat/${conversationId}/`, { token: ws.token });
    const recent = await client.next((f) => f.type === 'recent_messages');
    // the snapshot's time, beside the seq it is current to
    expect(recent.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Date.parse(recent.timestamp)).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(recent.timestamp)).toBeLessThanOrEqual(Date.now());
    expect(recent.messages).toHaveLength(50);
    expect(recent.messages[0].content).toBe('reply 5');
    expect(recent.messages[49].content).toBe('reply 54');
    const seqs = recent.messages.map((m: Frame) => m.seq);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    expect(recent.last_seq).toBeGreaterThanOrEqual(seqs[49]);
  });

  it('delivers a chat_message sent on instance B to a socket on instance A, echoing client_id', async () => {
    const conversationId = await newConversation();
    const onA = await chat(a, conversationId, ws.token);
    const onB = await chat(b, conversationId, agent.token);
    onB.send({ type: 'chat_message', content: 'سلام! چطور می‌توانم کمک کنم؟', client_id: 'tmp-1' });
    const heardOnA = await onA.next((f) => f.type === 'chat_message');
    const echoOnB = await onB.next((f) => f.type === 'chat_message');
    for (const frame of [heardOnA, echoOnB]) {
      expect(frame).toMatchObject({
        client_id: 'tmp-1',
        external_send_result: null,
        message: {
          content: 'سلام! چطور می‌توانم کمک کنم؟',
          type: 'support',
          status: 'sending',
          sender: { kind: 'agent', id: agent.id },
        },
      });
    }
    // the same domain path as REST: stored, and a job on the outbound queue
    const history = await ws.http.get(`/api/v1/conversations/${conversationId}/messages`);
    expect(history.body.data.map((m: Frame) => m.id)).toContain(heardOnA.message.id);

    // and REST on A reaches B
    const rest = await send(conversationId, 'from REST on A');
    expect(
      (await onB.next((f) => f.type === 'chat_message' && f.message.id === rest.body.id)).message.content,
    ).toBe('from REST on A');
  });

  it('is_note sends a private note, and an invalid chat_message is refused with an error frame', async () => {
    const conversationId = await newConversation();
    const client = await chat(b, conversationId, ws.token);
    client.send({ type: 'chat_message', content: 'internal: refund approved', is_note: true });
    expect((await client.next((f) => f.type === 'chat_message')).message.type).toBe('note');
    client.send({ type: 'chat_message', content: '   ' });
    expect(await client.next((f) => f.type === 'error')).toMatchObject({ code: 'message_empty' });
    client.send({ type: 'chat_message', content: 42 });
    expect(await client.next((f) => f.type === 'error' && f.code === 'invalid_frame')).toBeTruthy();
  });

  it('resumes with ?since: every missed event from Postgres, in order, nothing twice, then live ones', async () => {
    const conversationId = await newConversation();
    const first = await chat(a, conversationId, agent.token);
    const cursor = (await first.next((f) => f.type === 'recent_messages')).last_seq as number;
    first.close();
    await first.closed();

    // missed while disconnected: replies on both instances, a customer message, a note, a status change, an edit
    const replies = [
      await send(conversationId, 'missed 1'),
      await send(conversationId, 'missed 2', 'note', ws.http),
    ];
    await customerWrites(b, ws.workspaceId, channelId, {
      userId: undefined,
      text: 'ignored other conversation',
    });
    await ws.http.patch(`/api/v1/message/conversation/${conversationId}/status/`, { status: 'pending' });
    const editor = await chat(b, conversationId, ws.token);
    editor.send({ type: 'edit_message', message_id: replies[0].body.id, content: 'missed 1 (edited)' });
    await editor.next((f) => f.type === 'message_updated');

    const expected: { seq: number; type: string }[] = await a.db.query(
      `SELECT seq::int AS seq, type FROM event WHERE workspace_id = $1 AND conversation_id = $2 AND seq > $3 ORDER BY seq`,
      [ws.workspaceId, conversationId, cursor],
    );
    // the first support reply also moves the conversation from open to support_active; the edit
    // of a reply is also a change for the platform (pending: this file runs no worker), and of the
    // newest message (the note after it never shows) a new preview for the list
    expect(expected.map((e) => e.type)).toEqual([
      'message.created',
      'conversation.updated',
      'message.created',
      'conversation.updated',
      'message.platform_change',
      'message.updated',
      'conversation.updated',
    ]);

    const resumed = await open(b, `/ws/chat/${conversationId}/`, { token: agent.token, since: cursor });
    await eventually(() => expect(resumed.frames.length).toBeGreaterThanOrEqual(expected.length));
    // (Presence changes carry a seq too; this socket hears the editor's agent come online, live.)
    const replayed = resumed.frames.filter((f) => typeof f.seq === 'number' && f.type !== 'user_presence');
    expect(replayed.map((f) => f.seq)).toEqual(expected.map((e) => e.seq));
    expect(replayed.map((f) => f.type)).toEqual([
      'chat_message',
      'conversation_updated',
      'chat_message',
      'conversation_updated',
      'message_platform_change',
      'message_updated',
      'conversation_updated',
    ]);
    expect(replayed[0].message.content).toBe('missed 1');
    expect(replayed[1].conversation.status).toBe('support_active');
    expect(replayed[3].conversation.status).toBe('pending');
    expect(replayed[4].platform_change).toMatchObject({ kind: 'edit', state: 'pending' });
    expect(replayed[5].message.content).toBe('missed 1 (edited)');
    expect(replayed[6].conversation.last_message_preview).toBe('missed 1 (edited)');
    expect(resumed.ofType('recent_messages')).toHaveLength(0);

    const live = await send(conversationId, 'live after resume');
    const liveFrame = await resumed.next((f) => f.type === 'chat_message' && f.message.id === live.body.id);
    expect(liveFrame.seq).toBeGreaterThan(expected[expected.length - 1].seq);
    const seqs = resumed.frames.filter((f) => typeof f.seq === 'number').map((f) => f.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('a socket that reconnects while messages keep arriving misses none and sees none twice', async () => {
    const conversationId = await newConversation();
    const watcher = await chat(a, conversationId, agent.token);
    let cursor = (await watcher.next((f) => f.type === 'recent_messages')).last_seq as number;
    const sent: string[] = [];
    const received: Frame[] = [];
    let current = watcher;
    for (let round = 0; round < 4; round++) {
      const burst = Promise.all(Array.from({ length: 5 }, (_, i) => send(conversationId, `r${round}-${i}`)));
      if (round > 0) {
        current = await open(round % 2 ? b : a, `/ws/chat/${conversationId}/`, {
          token: agent.token,
          since: cursor,
        });
      }
      sent.push(...(await burst).map((r) => r.body.id as string));
      await eventually(() =>
        expect(
          current.ofType('chat_message').filter((f) => sent.includes(f.message.id)).length,
        ).toBeGreaterThanOrEqual(sent.length - received.length),
      );
      received.push(...current.ofType('chat_message'));
      cursor = Math.max(cursor, ...current.frames.filter((f) => typeof f.seq === 'number').map((f) => f.seq));
      current.close();
      await current.closed();
    }
    const ids = received.map((f) => f.message.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...sent].sort());
  });

  it('typing reaches the others only, and stops by itself about 5 s after the last refresh', async () => {
    const conversationId = await newConversation();
    const typist = await chat(a, conversationId, agent.token);
    const other = await chat(b, conversationId, ws.token);
    typist.send({ type: 'typing', is_typing: true });
    const started = await other.next((f) => f.type === 'typing_indicator');
    expect(started).toMatchObject({ user_id: agent.id, is_typing: true });
    const at = Date.now();
    const stopped = await other.next((f) => f.type === 'typing_indicator' && f.is_typing === false, 9000);
    expect(stopped.user_id).toBe(agent.id);
    expect(Date.now() - at).toBeGreaterThanOrEqual(4000);
    expect(typist.ofType('typing_indicator')).toHaveLength(0);
  }, 15000);

  /** The conversation's customer writes again. */
  const customerReplies = async (conversationId: string, text: string) =>
    customerWrites(a, ws.workspaceId, channelId, {
      userId: (
        await a.db.query(
          `SELECT platform_user_id FROM contact_identity ci JOIN conversation c ON c.contact_id = ci.contact_id WHERE c.id = $1`,
          [conversationId],
        )
      )[0].platform_user_id,
      text,
    });

  it('mark_read sends read_receipt to the others and drops unread counts on conversation sockets', async () => {
    const conversationId = await newConversation();
    const list = await open(b, '/ws/conversations/', { token: agent.token });
    await list.next((f) => f.type === 'ready');
    const customer = await customerReplies(conversationId, 'are you there?');
    const raised = await list.next(
      (f) => f.type === 'conversation_updated' && f.conversation.id === conversationId,
    );
    expect(raised.conversation.unread_count).toBe(2);
    expect(raised.conversation.last_message_preview).toBe('are you there?');

    const reader = await chat(a, conversationId, agent.token);
    const other = await chat(b, conversationId, ws.token);
    reader.send({ type: 'mark_read' });
    const receipt = await other.next((f) => f.type === 'read_receipt');
    expect(receipt).toMatchObject({
      user_id: agent.id,
      message_id: customer.message.id,
      conversation_id: conversationId,
    });
    const dropped = await list.next(
      (f) =>
        f.type === 'conversation_updated' &&
        f.conversation.id === conversationId &&
        f.conversation.unread_count === 0,
    );
    expect(dropped.changes).toEqual(['unread_count']);
    expect(reader.ofType('read_receipt')).toHaveLength(0);
  });

  it("one event's frames differ per agent on one instance: a receipt for the others only, each list its own unread count", async () => {
    const conversationId = await newConversation();
    const agentList = await open(b, '/ws/conversations/', { token: agent.token });
    const adminList = await open(b, '/ws/conversations/', { token: ws.token });
    await agentList.next((f) => f.type === 'ready');
    await adminList.next((f) => f.type === 'ready');
    const reader = await chat(a, conversationId, agent.token);
    const other = await chat(a, conversationId, ws.token);

    reader.send({ type: 'mark_read' });
    expect(await other.next((f) => f.type === 'read_receipt')).toMatchObject({
      user_id: agent.id,
      conversation_id: conversationId,
    });
    await agentList.next(
      (f) =>
        f.type === 'conversation_updated' &&
        f.conversation.id === conversationId &&
        f.conversation.unread_count === 0,
    );

    // An event every socket hears: by the time it arrives, the read's frames reached all of them.
    await customerReplies(conversationId, 'still there?');
    const [mine, theirs] = await Promise.all(
      [agentList, adminList].map((list) =>
        list.next(
          (f) =>
            f.type === 'conversation_updated' &&
            f.conversation.id === conversationId &&
            f.conversation.last_message_preview === 'still there?',
        ),
      ),
    );
    expect(mine.conversation.unread_count).toBe(1);
    expect(theirs.conversation.unread_count).toBe(2);
    await reader.next((f) => f.type === 'chat_message' && f.message.content === 'still there?');
    expect(reader.ofType('read_receipt')).toHaveLength(0);
    expect(
      adminList.frames.filter((f) => f.type === 'conversation_updated' && f.changes.includes('unread_count')),
    ).toHaveLength(0);
  });

  it('reactions add and remove live; the same reaction twice changes nothing', async () => {
    const conversationId = await newConversation();
    const one = await chat(a, conversationId, agent.token);
    const two = await chat(b, conversationId, ws.token);
    const messageId = (await one.next((f) => f.type === 'recent_messages')).messages[0].id;
    one.send({ type: 'reaction', message_id: messageId, emoji: '👍', action: 'add' });
    one.send({ type: 'reaction', message_id: messageId, emoji: '👍', action: 'add' });
    one.send({ type: 'reaction', message_id: messageId, emoji: '👍', action: 'remove' });
    await two.next((f) => f.type === 'reaction' && f.action === 'remove');
    expect(two.ofType('reaction').map((f) => [f.emoji, f.action, f.sender.id])).toEqual([
      ['👍', 'add', agent.id],
      ['👍', 'remove', agent.id],
    ]);
  });

  it('only the author edits or deletes a message; deleted content is served to no one afterwards', async () => {
    const conversationId = await newConversation();
    const author = await chat(a, conversationId, agent.token);
    const other = await chat(b, conversationId, ws.token);
    author.send({ type: 'chat_message', content: 'secret typo', is_note: true });
    const messageId = (await other.next((f) => f.type === 'chat_message')).message.id;

    other.send({ type: 'edit_message', message_id: messageId, content: 'hijacked' });
    other.send({ type: 'delete_message', message_id: messageId });
    const refusals = [
      await other.next((f) => f.type === 'error'),
      await other.next(
        (f) => f.type === 'error',
        5000,
        other.frames.findIndex((f) => f.type === 'error') + 1,
      ),
    ];
    expect(refusals.map((f) => f.code)).toEqual(['not_message_author', 'not_message_author']);
    const customerMessageId = (await author.next((f) => f.type === 'recent_messages')).messages[0].id;
    author.send({ type: 'edit_message', message_id: customerMessageId, content: 'rewriting the customer' });
    expect((await author.next((f) => f.type === 'error')).code).toBe('not_message_author');

    author.send({ type: 'edit_message', message_id: messageId, content: 'fixed' });
    expect((await other.next((f) => f.type === 'message_updated')).message).toMatchObject({
      content: 'fixed',
    });
    author.send({ type: 'delete_message', message_id: messageId });
    expect(await other.next((f) => f.type === 'message_deleted')).toMatchObject({ message_id: messageId });

    const history = await ws.http.get(`/api/v1/conversations/${conversationId}/messages`);
    const deleted = history.body.data.find((m: Frame) => m.id === messageId);
    expect(deleted).toMatchObject({ deleted: true, content: '' });
    const late = await chat(a, conversationId, ws.token);
    const recent = late.ofType('recent_messages')[0].messages.find((m: Frame) => m.id === messageId);
    expect(recent).toMatchObject({ deleted: true, content: '' });
    expect(JSON.stringify(late.frames)).not.toContain('fixed');

    author.send({ type: 'edit_message', message_id: messageId, content: 'again' });
    expect((await author.next((f) => f.type === 'error' && f.code !== 'not_message_author')).code).toBe(
      'message_not_editable',
    );
  });

  it.each([
    ['bad JSON', '{"type": "chat_message",', 'invalid_json'],
    ['an unknown type', JSON.stringify({ type: 'launch_rockets' }), 'unknown_frame_type'],
    ['a frame without a type', JSON.stringify({ content: 'x' }), 'invalid_frame'],
    ['an array', JSON.stringify([1, 2]), 'invalid_frame'],
    [
      'a too-large frame',
      JSON.stringify({ type: 'chat_message', content: 'x'.repeat(40000) }),
      'frame_too_large',
    ],
    ['a wrong field type', JSON.stringify({ type: 'typing', is_typing: 'yes' }), 'invalid_frame'],
    ['a message of another conversation', 'OTHER', 'not_found'],
  ])('refuses %s with an error frame and keeps the socket open', async (_label, raw, code) => {
    const conversationId = await newConversation();
    const client = await chat(a, conversationId, ws.token);
    if (raw === 'OTHER') {
      const elsewhere = await send(await newConversation(), 'elsewhere', 'note');
      raw = JSON.stringify({ type: 'delete_message', message_id: elsewhere.body.id });
    }
    client.send(raw);
    const error = await client.next((f) => f.type === 'error');
    expect(error.code).toBe(code);
    expect(typeof error.message).toBe('string');
    client.send({ type: 'ping' });
    await client.next((f) => f.type === 'pong');
    expect(client.closeCode).toBeNull();
  });

  it('announces presence across instances, with away and last_seen', async () => {
    const watcher = await open(a, '/ws/conversations/', { token: ws.token });
    await watcher.next((f) => f.type === 'ready');
    const colleague = await addAgent(a, ws);
    const tab = await open(b, '/ws/notifications/', { token: colleague.token });
    expect(await watcher.next((f) => f.type === 'user_presence' && f.user_id === colleague.id)).toMatchObject(
      {
        is_online: true,
        status: 'online',
        username: expect.any(String),
      },
    );
    expect(
      (await colleague.http.request('PUT', '/api/v1/agents/me/availability', { availability: 'away' }))
        .status,
    ).toBe(200);
    await watcher.next(
      (f) => f.type === 'user_presence' && f.user_id === colleague.id && f.status === 'away',
    );
    tab.close();
    const offline = await watcher.next(
      (f) => f.type === 'user_presence' && f.user_id === colleague.id && !f.is_online,
    );
    expect(offline.status).toBe('offline');
    expect(Date.parse(offline.last_seen)).toBeGreaterThan(Date.now() - 10000);
  });

  it('presence changes are events: a list socket resuming with ?since= replays who came and went meanwhile', async () => {
    const list = await open(a, '/ws/conversations/', { token: ws.token });
    const cursor = (await list.next((f) => f.type === 'ready')).last_seq as number;
    list.close();
    await list.closed();
    const colleague = await addAgent(a, ws);
    const tab = await open(b, '/ws/notifications/', { token: colleague.token });
    await tab.next((f) => f.type === 'ready');
    tab.close();
    const stored = async () =>
      (await a.db.query(
        `SELECT seq::int AS seq, payload FROM event WHERE workspace_id = $1 AND type = 'agent.presence'
            AND payload->>'user_id' = $2 AND seq > $3 ORDER BY seq`,
        [ws.workspaceId, colleague.id, cursor],
      )) as { seq: number; payload: { is_online: boolean } }[];
    await eventually(async () =>
      expect((await stored()).map((e) => e.payload.is_online)).toEqual([true, false]),
    );

    const resumed = await open(b, '/ws/conversations/', { token: ws.token, since: cursor });
    await eventually(() =>
      expect(
        resumed.frames.filter((f) => f.type === 'user_presence' && f.user_id === colleague.id && f.seq),
      ).toHaveLength(2),
    );
    const replayed = resumed.frames.filter(
      (f) => f.type === 'user_presence' && f.user_id === colleague.id && f.seq,
    );
    expect(replayed.map((f) => [f.seq, f.is_online])).toEqual(
      (await stored()).map((e) => [e.seq, e.payload.is_online]),
    );
  });

  it('turns the agents of a crashed instance offline within the presence TTL, and frees their socket slots', async () => {
    const watcher = await open(a, '/ws/conversations/', { token: ws.token });
    await watcher.next((f) => f.type === 'ready');
    const doomed = await addAgent(a, ws);
    const crashing = launch('api', { ...environment.env, API_PORT: '0', LOG_LEVEL: 'info' });
    try {
      const port = await listeningPort(crashing);
      // All five of the agent's slots held by the instance about to crash.
      for (let i = 0; i < 5; i++)
        await WsClient.connect(`http://127.0.0.1:${port}`, '/ws/conversations/', { token: doomed.token });
      await watcher.next((f) => f.type === 'user_presence' && f.user_id === doomed.id && f.is_online);
      crashing.child.kill('SIGKILL');
      const at = Date.now();
      await watcher.next((f) => f.type === 'user_presence' && f.user_id === doomed.id && !f.is_online, 10000);
      expect(Date.now() - at).toBeLessThan(8000); // TTL is 2 s in this file; 30 s by default
      // The slots expired with the instance's heartbeats: the agent gets all five back elsewhere.
      for (let i = 0; i < 5; i++) await open(a, '/ws/conversations/', { token: doomed.token });
    } finally {
      crashing.child.kill('SIGKILL');
    }
  }, 30000);

  it('notifies every tab of an agent, wherever it is: assignment, new conversation, mention', async () => {
    const colleague = await addAgent(a, ws);
    const tabs = [
      await open(a, '/ws/notifications/', { token: colleague.token }),
      await open(b, '/ws/notifications/', { token: colleague.token }),
    ];
    for (const tab of tabs) await tab.next((f) => f.type === 'ready');
    const conversationId = await newConversation('brand new');
    for (const tab of tabs) {
      expect(await tab.next((f) => f.kind === 'new_conversation')).toMatchObject({
        type: 'notification',
        conversation: { id: conversationId },
      });
    }
    await ws.http.post(`/api/v1/conversations/${conversationId}/assign`, { agent_id: colleague.id });
    for (const tab of tabs) {
      expect(await tab.next((f) => f.kind === 'assignment')).toMatchObject({
        conversation: { id: conversationId, assignee: { id: colleague.id } },
      });
    }
    const [name] = (await a.db.query('SELECT email FROM agent WHERE id = $1', [colleague.id])) as {
      email: string;
    }[];
    const handle = name.email.split('@')[0];
    await send(conversationId, `@${handle} can you take the refund?`, 'note');
    for (const tab of tabs) {
      expect(await tab.next((f) => f.kind === 'mention')).toMatchObject({
        conversation_id: conversationId,
        message: { type: 'note' },
      });
    }
    // nobody is notified of their own assignment
    await colleague.http.post(`/api/v1/conversations/${conversationId}/assign`, { agent_id: colleague.id });
    await send(conversationId, 'sync', 'note');
    await eventually(async () =>
      expect(tabs[0].ofType('notification').filter((f) => f.kind === 'assignment')).toHaveLength(1),
    );
  });

  it('never shows one workspace the events of another', async () => {
    const other = await signupWorkspace(a);
    const otherChannel = await createChannel(a, other.workspaceId);
    const spy = await open(b, '/ws/conversations/', { token: other.token });
    const spyNotes = await open(b, '/ws/notifications/', { token: other.token });
    await spy.next((f) => f.type === 'ready');
    await newConversation('private to the first workspace');
    await customerWrites(a, other.workspaceId, otherChannel.id, { text: 'mine' });
    await spy.next((f) => f.type === 'conversation_created');
    await spyNotes.next((f) => f.kind === 'new_conversation');
    expect(JSON.stringify(spy.frames)).not.toContain('private to the first workspace');
    expect(JSON.stringify(spyNotes.frames)).not.toContain('private to the first workspace');
  });

  it("closes a deactivated agent's open sockets at once, on every instance", async () => {
    const leaving = await addAgent(a, ws);
    const onA = await open(a, '/ws/conversations/', { token: leaving.token });
    const onB = await open(b, '/ws/notifications/', { token: leaving.token });
    await onA.next((f) => f.type === 'ready');
    await onB.next((f) => f.type === 'ready');
    await ws.http.patch(`/api/v1/agents/${leaving.id}`, { is_active: false });
    expect(await onA.closed()).toBe(4003);
    expect(await onB.closed()).toBe(4003);
    expect((await leaving.http.get('/api/v1/auth/me')).status).toBe(401);
  });

  it('terminates a socket that stops answering pings', async () => {
    const silent = await open(a, '/ws/conversations/', { token: ws.token, autoPong: false });
    await silent.next((f) => f.type === 'ready');
    expect(await silent.closed(6000)).toBe(1006);
  });

  it('closes its sockets with 1001 on shutdown so clients reconnect elsewhere', async () => {
    const leaving = await startApi(environment);
    const client = await WsClient.connect(leaving.url, '/ws/conversations/', { token: ws.token });
    await client.next((f) => f.type === 'ready');
    await leaving.close();
    expect(await client.closed()).toBe(1001);
  });
});
