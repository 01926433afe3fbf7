import { Queue } from 'bullmq';
import { OutboundQueue } from '@parley/queue/outbound.queue';
import { RateLimitService } from '@parley/security/rate-limit.service';
import { startApi, TestApp } from './support/app';
import { addAgent, createChannel, customerWrites, signupWorkspace, Workspace } from './support/factories';
import { eventually } from './support/ws';

describe('the inbox REST API', () => {
  let api: TestApp;
  let ws: Workspace;
  let channelId: string;
  let queue: Queue;

  beforeAll(async () => {
    api = await startApi();
    ws = await signupWorkspace(api);
    channelId = (await createChannel(api, ws.workspaceId)).id;
    queue = api.get(OutboundQueue).queue;
  });
  afterAll(() => api.close());

  const newConversation = async (customer: Parameters<typeof customerWrites>[3] = {}) =>
    (await customerWrites(api, ws.workspaceId, channelId, customer)).message.conversation_id as string;
  const send = (id: string, body: unknown, path = `/api/v1/message/conversation/${id}/send-message/`) =>
    ws.http.post(path, body);
  const setStatus = (id: string, status: string) =>
    ws.http.patch(`/api/v1/message/conversation/${id}/status/`, { status });

  describe('conversations', () => {
    it('lists newest activity first, each row with channel, contact, assignee, preview and my unread count', async () => {
      const older = await newConversation({ name: 'Older Customer', text: 'first' });
      const newer = await newConversation({ name: 'Newer Customer', username: 'newer', text: 'سلام' });
      const res = await ws.http.get('/api/v1/conversations');
      expect(res.status).toBe(200);
      const ids = res.body.data.map((c: { id: string }) => c.id);
      expect(ids.indexOf(newer)).toBeLessThan(ids.indexOf(older));
      expect(res.body.data[ids.indexOf(newer)]).toMatchObject({
        status: 'open',
        channel: { id: channelId, type: 'telegram', name: 'Support bot' },
        contact: { name: 'Newer Customer', username: 'newer' },
        assignee: null,
        last_message_preview: 'سلام',
        unread_count: 1,
      });
    });

    it('filters by status, assignee (me, unassigned, an agent) and channel, and searches contacts', async () => {
      const mine = await newConversation({ name: 'Filter Mine' });
      const theirs = await newConversation({ name: 'Filter Theirs' });
      const pending = await newConversation({ name: 'Filter Pending', username: 'pending_user' });
      const colleague = await addAgent(api, ws);
      await ws.http.post(`/api/v1/conversations/${mine}/assign`, { agent_id: ws.adminId });
      await ws.http.post(`/api/v1/conversations/${theirs}/assign`, { agent_id: colleague.id });
      await setStatus(pending, 'pending');
      const ids = async (query: string) =>
        (await ws.http.get(`/api/v1/conversations?${query}`)).body.data.map(
          (c: { id: string }) => c.id,
        ) as string[];

      expect(await ids('assignee=me')).toEqual([mine]);
      expect(await ids(`assignee=${colleague.id}`)).toEqual([theirs]);
      expect(await ids('assignee=unassigned')).toContain(pending);
      expect(await ids('assignee=unassigned')).not.toContain(mine);
      expect(await ids('status=pending')).toEqual([pending]);
      expect((await ids('status=support_active,pending')).sort()).toEqual([mine, theirs, pending].sort());
      expect((await ids(`channel_id=${channelId}&q=filter`)).sort()).toEqual([mine, theirs, pending].sort());
      expect(await ids('q=PENDING_user')).toEqual([pending]);
      expect(await ids('q=%25')).toEqual([]); // a literal %, not a wildcard
    });

    it.each([
      ['status=closed', 'an unknown status'],
      ['assignee=someone', 'a bad assignee'],
      ['limit=0', 'limit 0'],
      ['limit=101', 'limit 101'],
      ['channel_id=nope', 'a bad channel id'],
    ])('refuses %s (%s) with 400 validation_failed', async (query) => {
      const res = await ws.http.get(`/api/v1/conversations?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    });

    it('pages with a cursor: every conversation once, in order, until next_cursor is null', async () => {
      const own = await signupWorkspace(api);
      const ownChannel = await createChannel(api, own.workspaceId);
      for (let i = 0; i < 7; i++)
        await customerWrites(api, own.workspaceId, ownChannel.id, { text: `c${i}` });
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: { status: number; body: any } = await own.http.get(
          `/api/v1/conversations?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(res.status).toBe(200);
        seen.push(...res.body.data.map((c: { id: string }) => c.id));
        cursor = res.body.next_cursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toHaveLength(7);
      expect(new Set(seen).size).toBe(7);
      const all = (await own.http.get('/api/v1/conversations?limit=100')).body.data.map(
        (c: { id: string }) => c.id,
      );
      expect(seen).toEqual(all);
    });

    it('refuses a forged cursor with 400 invalid_cursor', async () => {
      for (const cursor of ['garbage', Buffer.from('["not-a-date","not-a-uuid"]').toString('base64url')]) {
        const res = await ws.http.get(`/api/v1/conversations?cursor=${cursor}`);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('invalid_cursor');
      }
    });

    it('shows one conversation, and 404 for an unknown or malformed id', async () => {
      const id = await newConversation();
      expect((await ws.http.get(`/api/v1/conversations/${id}`)).body.id).toBe(id);
      expect((await ws.http.get('/api/v1/conversations/6f1c8a1e-0000-4000-8000-000000000000')).status).toBe(
        404,
      );
      expect((await ws.http.get('/api/v1/conversations/123')).body.code).toBe('not_found');
    });

    it('counts unread customer messages per agent; reading drops them for that agent only and never goes back', async () => {
      const colleague = await addAgent(api, ws);
      const userId = `reader-${Date.now()}`;
      const id = await newConversation({ userId, text: 'one' });
      const second = await customerWrites(api, ws.workspaceId, channelId, { userId, text: 'two' });
      await customerWrites(api, ws.workspaceId, channelId, { userId, text: 'three' });
      await send(id, { content: 'our reply', type: 'support' });
      await send(id, { content: 'a note', type: 'note' });
      const unread = async (http = ws.http) =>
        (await http.get(`/api/v1/conversations/${id}`)).body.unread_count;
      expect(await unread()).toBe(3);

      const partial = await ws.http.post(`/api/v1/conversations/${id}/read`, {
        message_id: second.message.id,
      });
      expect(partial.status).toBe(200);
      expect(partial.body.unread_count).toBe(1);
      expect(await unread(colleague.http)).toBe(3);
      await ws.http.post(`/api/v1/conversations/${id}/read`, {});
      expect(await unread()).toBe(0);
      await ws.http.post(`/api/v1/conversations/${id}/read`, { message_id: second.message.id });
      expect(await unread()).toBe(0);
      const foreign = await ws.http.post(`/api/v1/conversations/${id}/read`, {
        message_id: '6f1c8a1e-0000-4000-8000-000000000000',
      });
      expect(foreign.status).toBe(404);
    });

    it('assigns (an open conversation becomes support_active) and unassigns', async () => {
      const id = await newConversation();
      const colleague = await addAgent(api, ws);
      const assigned = await ws.http.post(`/api/v1/conversations/${id}/assign`, { agent_id: colleague.id });
      expect(assigned.status).toBe(200);
      expect(assigned.body).toMatchObject({ status: 'support_active', assignee: { id: colleague.id } });
      const unassigned = await ws.http.post(`/api/v1/conversations/${id}/unassign`);
      expect(unassigned.body).toMatchObject({ status: 'support_active', assignee: null });
    });

    it('refuses to assign a deactivated or unknown agent (404 assignee_not_found) or no agent (400)', async () => {
      const id = await newConversation();
      const gone = await addAgent(api, ws);
      await ws.http.patch(`/api/v1/agents/${gone.id}`, { is_active: false });
      for (const agentId of [gone.id, '6f1c8a1e-0000-4000-8000-000000000000']) {
        const res = await ws.http.post(`/api/v1/conversations/${id}/assign`, { agent_id: agentId });
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('assignee_not_found');
      }
      expect((await ws.http.post(`/api/v1/conversations/${id}/assign`, {})).status).toBe(400);
    });

    it('changes status through the scripted route, with or without the trailing slash', async () => {
      const id = await newConversation();
      for (const status of ['support_active', 'pending', 'resolved', 'open']) {
        const res = await setStatus(id, status);
        expect(res.status).toBe(200);
        expect(res.body.status).toBe(status);
      }
      const bare = await ws.http.patch(`/api/v1/message/conversation/${id}/status`, { status: 'pending' });
      expect(bare.body.status).toBe('pending');
      const bad = await setStatus(id, 'closed');
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('validation_failed');
    });

    it('a new customer message reopens a resolved conversation', async () => {
      const userId = `reopen-${Date.now()}`;
      const id = await newConversation({ userId });
      await setStatus(id, 'resolved');
      await customerWrites(api, ws.workspaceId, channelId, { userId, text: 'one more thing' });
      expect((await ws.http.get(`/api/v1/conversations/${id}`)).body.status).toBe('open');
    });

    it('writes an event row for every change, with workspace seqs that have no gaps', async () => {
      const id = await newConversation();
      await ws.http.post(`/api/v1/conversations/${id}/assign`, { agent_id: ws.adminId });
      await setStatus(id, 'pending');
      await ws.http.post(`/api/v1/conversations/${id}/read`, {});
      const rows: { seq: string; type: string }[] = await api.db.query(
        `SELECT seq, type FROM event WHERE conversation_id = $1 ORDER BY seq`,
        [id],
      );
      expect(rows.map((r) => r.type)).toEqual([
        'conversation.created',
        'message.created',
        'conversation.updated',
        'conversation.updated',
        'conversation.read',
      ]);
      const all: { seq: string }[] = await api.db.query(
        `SELECT seq FROM event WHERE workspace_id = $1 ORDER BY seq`,
        [ws.workspaceId],
      );
      expect(all.map((r) => Number(r.seq))).toEqual(all.map((_, i) => i + 1));
    });
  });

  describe('messages', () => {
    it('pages history back from before_seq, as the dashboard scrolls up; another workspace gets 404', async () => {
      const userId = `hist-${Date.now()}`;
      const id = await newConversation({ userId, text: 'one' });
      for (const text of ['two', 'three', 'four'])
        await customerWrites(api, ws.workspaceId, channelId, { userId, text });
      const all = (await ws.http.get(`/api/v1/conversations/${id}/messages?limit=10`)).body.data;
      expect(all.map((m: any) => m.content)).toEqual(['one', 'two', 'three', 'four']);
      const older = await ws.http.get(
        `/api/v1/conversations/${id}/messages?before_seq=${all[2].seq}&limit=1`,
      );
      expect(older.body.data.map((m: any) => m.content)).toEqual(['two']);
      expect(older.body.next_cursor).not.toBeNull();
      expect((await ws.http.get(`/api/v1/conversations/${id}/messages?before_seq=abc`)).body.code).toBe(
        'validation_failed',
      );
      const other = await signupWorkspace(api);
      expect((await other.http.get(`/api/v1/conversations/${id}/messages?before_seq=99`)).status).toBe(404);
    });

    it('send-message stores a support reply as sending and enqueues it on outbound with the message id', async () => {
      const id = await newConversation();
      const res = await send(id, { content: 'سلام! سفارش شما فردا می‌رسد 🙏', type: 'support' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        conversation_id: id,
        type: 'support',
        status: 'sending',
        content: 'سلام! سفارش شما فردا می‌رسد 🙏',
        sender: { kind: 'agent', id: ws.adminId, name: 'Admin' },
        seq: expect.any(Number),
      });
      const job = await queue.getJob(res.body.id);
      expect(job?.data).toEqual({ messageId: res.body.id, workspaceId: ws.workspaceId });
      expect(job?.name).toBe('send');
      const conversation = (await ws.http.get(`/api/v1/conversations/${id}`)).body;
      expect(conversation).toMatchObject({
        status: 'support_active',
        last_message_preview: 'سلام! سفارش شما فردا می‌رسد 🙏',
      });
    });

    it('adding the same outbound job twice is a no-op', async () => {
      const id = await newConversation();
      const res = await send(id, { content: 'once', type: 'support' });
      const counts = async () =>
        await queue.getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed');
      const before = await counts();
      await api.get(OutboundQueue).enqueue({ messageId: res.body.id, workspaceId: ws.workspaceId });
      expect(await counts()).toEqual(before);
    });

    it('a note is stored and never enqueued, and leaves the preview alone', async () => {
      const id = await newConversation({ text: 'customer says hi' });
      const note = await send(id, { content: 'internal: VIP customer', type: 'note' });
      expect(note.status).toBe(201);
      expect(note.body.type).toBe('note');
      expect(await queue.getJob(note.body.id)).toBeUndefined();
      expect((await ws.http.get(`/api/v1/conversations/${id}`)).body.last_message_preview).toBe(
        'customer says hi',
      );
    });

    it.each([
      ['whitespace only', { content: '   ', type: 'support' }, 'message_empty'],
      ['too long', { content: 'x'.repeat(4097), type: 'support' }, 'validation_failed'],
      ['type customer', { content: 'hi', type: 'customer' }, 'validation_failed'],
      ['no type', { content: 'hi' }, 'validation_failed'],
      ['a bad reply_to', { content: 'hi', type: 'support', reply_to: 'x' }, 'validation_failed'],
    ])('refuses a message that is %s with 400 %s', async (_label, body, code) => {
      const id = await newConversation();
      const res = await send(id, body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(code);
    });

    it('refuses reply_to of a message in another conversation with 404', async () => {
      const a = await newConversation();
      const b = await customerWrites(api, ws.workspaceId, channelId, {});
      const res = await send(a, { content: 'hi', type: 'support', reply_to: b.message.id });
      expect(res.status).toBe(404);
    });

    it('replies arriving while the workspace stores others go in one batch: each stored once with its own seq, a bad one refused alone', async () => {
      const agent = await addAgent(api, ws);
      const conversations = await Promise.all(Array.from({ length: 5 }, () => newConversation()));
      const elsewhere = await customerWrites(api, ws.workspaceId, channelId, {});
      const post = (id: string, body: object) =>
        agent.http.post(`/api/v1/message/conversation/${id}/send-message/`, body);
      // Holding the workspace's seq lock keeps the first reply's batch waiting on it, so the
      // replies sent meanwhile all join the next batch.
      const lock = api.db.createQueryRunner();
      await lock.startTransaction();
      await lock.query('SELECT 1 FROM workspace WHERE id = $1 FOR NO KEY UPDATE', [ws.workspaceId]);
      const first = post(conversations[0], { content: 'batch first', type: 'support' });
      await eventually(async () => {
        const [{ waiting }] = await api.db.query(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        expect(waiting).toBe(1);
      });
      const rest = [
        post(conversations[1], { content: 'batch second', type: 'support' }),
        post(conversations[2], { content: 'batch bad', type: 'support', reply_to: elsewhere.message.id }),
        post(conversations[3], { content: 'batch note', type: 'note' }),
        post(conversations[4], { content: 'batch third', type: 'support' }),
        post(conversations[1], { content: 'batch fourth', type: 'support' }),
      ];
      // Each reply takes from the agent's budget as its last check, right before it joins the batch.
      await eventually(async () =>
        expect(await api.get(RateLimitService).messagesLastMinute(agent.id)).toBe(6),
      );
      await lock.commitTransaction();
      await lock.release();
      const responses = await Promise.all([first, ...rest]);

      expect(responses.map((r) => r.status)).toEqual([201, 201, 404, 201, 201, 201]);
      expect(responses[2].body.code).toBe('not_found');
      const stored: { id: string; content: string; seq: number; event_seq: number; payload_seq: number }[] =
        await api.db.query(
          `SELECT m.id, m.content, m.seq::int AS seq, e.seq::int AS event_seq,
                  (e.payload->'message'->>'seq')::int AS payload_seq
             FROM message m JOIN event e ON e.type = 'message.created' AND e.payload->'message'->>'id' = m.id::text
            WHERE m.workspace_id = $1 AND m.content LIKE 'batch %' ORDER BY m.seq`,
          [ws.workspaceId],
        );
      // The batch stores its replies in the order they reached it, which concurrent requests do not fix.
      expect(stored.map((m) => m.content).sort()).toEqual(
        ['batch first', 'batch fourth', 'batch note', 'batch second', 'batch third'].sort(),
      );
      for (const m of stored) {
        expect(m).toMatchObject({ event_seq: m.seq, payload_seq: m.seq });
        expect(responses.find((r) => r.body.id === m.id)!.body.seq).toBe(m.seq);
      }
      // The workspace's seqs are gap-free: every one handed out belongs to a committed event.
      const seqs: { seq: number }[] = await api.db.query(
        'SELECT seq::int AS seq FROM event WHERE workspace_id = $1 ORDER BY seq',
        [ws.workspaceId],
      );
      expect(seqs.map((e) => e.seq)).toEqual(seqs.map((_, i) => i + 1));
      // The first support reply to an open conversation activates it: its update follows that reply, once.
      const activations: { seq: number; conversation_id: string; status: string; preview: string }[] =
        await api.db.query(
          `SELECT seq::int AS seq, conversation_id, payload->'conversation'->>'status' AS status,
                  payload->'conversation'->>'last_message_preview' AS preview
             FROM event WHERE workspace_id = $1 AND type = 'conversation.updated' AND conversation_id = ANY($2)
            ORDER BY seq`,
          [ws.workspaceId, conversations],
        );
      const contentAt = (seq: number) => stored.find((m) => m.seq === seq)?.content;
      const toConversation1 = stored.filter((m) => ['batch second', 'batch fourth'].includes(m.content));
      expect(activations.map((a) => [a.conversation_id, a.status, a.preview]).sort()).toEqual(
        [
          [conversations[0], 'support_active', 'batch first'],
          [conversations[1], 'support_active', toConversation1[0].content],
          [conversations[4], 'support_active', 'batch third'],
        ].sort(),
      );
      for (const a of activations) expect(contentAt(a.seq - 1)).toBe(a.preview);
      const byId = (id: string) => ws.http.get(`/api/v1/conversations/${id}`);
      expect((await byId(conversations[1])).body.last_message_preview).toBe(toConversation1[1].content);
      expect((await byId(conversations[2])).body).toMatchObject({
        status: 'open',
        last_message_preview: 'Hello, I need help',
      });
      for (const [i, response] of responses.entries()) {
        const job = await queue.getJob(response.body.id ?? 'none');
        expect(Boolean(job)).toBe([0, 1, 4, 5].includes(i));
      }
    });

    it('history pages oldest-first, walking back with next_cursor, and a message shares its event’s seq', async () => {
      const userId = `history-${Date.now()}`;
      const id = await newConversation({ userId, text: 'm0' });
      for (let i = 1; i < 12; i++) await send(id, { content: `m${i}`, type: 'note' });
      const first = await ws.http.get(`/api/v1/conversations/${id}/messages?limit=5`);
      expect(first.body.data.map((m: { content: string }) => m.content)).toEqual([
        'm7',
        'm8',
        'm9',
        'm10',
        'm11',
      ]);
      const seen: { id: string; seq: number; content: string }[] = [...first.body.data];
      let cursor = first.body.next_cursor;
      while (cursor) {
        const page = await ws.http.get(`/api/v1/conversations/${id}/messages?limit=5&cursor=${cursor}`);
        seen.unshift(...page.body.data);
        cursor = page.body.next_cursor;
      }
      expect(seen.map((m) => m.content)).toEqual(Array.from({ length: 12 }, (_, i) => `m${i}`));
      const seqs = seen.map((m) => m.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      for (const message of seen) {
        const [event] = await api.db.query(
          `SELECT seq::int AS seq FROM event WHERE type = 'message.created' AND payload->'message'->>'id' = $1`,
          [message.id],
        );
        expect(event.seq).toBe(message.seq);
      }
    });

    it('twenty concurrent replies get twenty distinct seqs, and the workspace’s event seqs stay gapless', async () => {
      const own = await signupWorkspace(api);
      const ownChannel = await createChannel(api, own.workspaceId);
      const { message } = await customerWrites(api, own.workspaceId, ownChannel.id, {});
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          own.http.post(`/api/v1/message/conversation/${message.conversation_id}/send-message/`, {
            content: `parallel ${i}`,
            type: i % 2 ? 'note' : 'support',
          }),
        ),
      );
      expect(results.every((r) => r.status === 201)).toBe(true);
      expect(new Set(results.map((r) => r.body.seq)).size).toBe(20);
      const seqs: { seq: string }[] = await api.db.query(
        `SELECT seq FROM event WHERE workspace_id = $1 ORDER BY seq`,
        [own.workspaceId],
      );
      expect(seqs.map((r) => Number(r.seq))).toEqual(seqs.map((_, i) => i + 1));
    });

    it('a customer message delivered twice is stored once, with one event', async () => {
      const externalId = `dup-${Date.now()}`;
      const first = await customerWrites(api, ws.workspaceId, channelId, { userId: 'dup', externalId });
      const second = await customerWrites(api, ws.workspaceId, channelId, { userId: 'dup', externalId });
      expect(first.duplicate).toBe(false);
      expect(second).toMatchObject({ duplicate: true, message: { id: first.message.id } });
      const events = await api.db.query(
        `SELECT 1 FROM event WHERE type = 'message.created' AND payload->'message'->>'id' = $1`,
        [first.message.id],
      );
      expect(events).toHaveLength(1);
    });
  });
});
