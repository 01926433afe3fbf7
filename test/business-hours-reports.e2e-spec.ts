import { Clock } from '@parley/domain/clock';
import { CSAT_QUESTION } from '@parley/domain/reports/csat.service';
import { SlaScanner } from '../apps/worker/src/processors/sla.scanner';
import {
  freshEnvironment,
  startApi,
  startIngest,
  startWorker,
  TestApp,
  TestEnvironment,
} from './support/app';
import { createChannel, customerWrites, signupWorkspace, Workspace } from './support/factories';
import { HttpClient } from './support/http';
import { eventually, WsClient } from './support/ws';

interface MessageRow {
  id: string;
  type: string;
  content: string;
  sender: { kind: string; id: string; name: string | null } | null;
  status: string;
  external_send_result: { success: boolean; message_id?: string } | null;
  buttons?: { caption: string; payload: string }[][];
}

/** Monday 2026-12-07 in Asia/Tehran (UTC+03:30), the Monday-to-Friday 09:00–17:00 schedule's boundary. */
const TEHRAN_0859_59 = new Date('2026-12-07T08:59:59+03:30');
const TEHRAN_0900 = new Date('2026-12-07T09:00:00+03:30');

const WEEKDAYS_9_TO_17 = [1, 2, 3, 4, 5].map((day) => ({ day, start: '09:00', end: '17:00' }));

describe('business hours, SLAs, reports and CSAT', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let ingest: TestApp;
  let worker: TestApp;
  let a: Workspace;
  let b: Workspace;
  let channelA: { id: string; external_id: string | null };
  let channelB: { id: string };
  const sockets: WsClient[] = [];

  /** Moves "now" of every process (customer messages' time, the SLA scanner) to `at`, or back to real time. */
  const setClocks = (at: Date | null) => {
    jest.restoreAllMocks();
    if (at)
      for (const app of [api, ingest, worker]) jest.spyOn(app.get(Clock), 'now').mockImplementation(() => at);
  };
  const history = async (workspace: Workspace, conversationId: string): Promise<MessageRow[]> => {
    const res = await workspace.http.get(`/api/v1/conversations/${conversationId}/messages?limit=100`);
    expect(res.status).toBe(200);
    return res.body.data as MessageRow[];
  };
  const automaticOf = async (conversationId: string) =>
    (await history(a, conversationId)).filter((m) => m.sender?.kind === 'automatic');
  /** Waits until the named event-log reader has handled everything the workspace wrote so far. */
  const caughtUp = async (reader: string, workspaceId: string) =>
    eventually(async () => {
      const [row] = await api.db.query(
        `SELECT w.last_seq - coalesce(c.seq, 0) AS behind FROM workspace w
           LEFT JOIN event_reader_cursor c ON c.workspace_id = w.id AND c.reader = $2 WHERE w.id = $1`,
        [workspaceId, reader],
      );
      expect(Number(row.behind)).toBe(0);
    }, 10000);

  beforeAll(async () => {
    environment = await freshEnvironment();
    api = await startApi(environment);
    ingest = await startIngest(environment);
    worker = await startWorker(environment);
    a = await signupWorkspace(api);
    b = await signupWorkspace(api);
    channelA = await createChannel(api, a.workspaceId, 'Shop bot');
    channelB = await createChannel(api, b.workspaceId, 'Other bot');
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    for (const socket of sockets) socket.close();
    await worker.close();
    await ingest.close();
    await api.close();
    await environment.close();
  });
  it('an admin sets business hours in a time zone; hostile schedules are refused with hours_invalid', async () => {
    const empty = await a.http.get('/api/v1/business-hours');
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ enabled: false, open_now: true, intervals: [] });

    const bad = async (body: Record<string, unknown>) => {
      const res = await a.http.put('/api/v1/business-hours', {
        enabled: true,
        time_zone: 'Asia/Tehran',
        intervals: WEEKDAYS_9_TO_17,
        holidays: [],
        out_of_hours_replies: [],
        ...body,
      });
      expect(res.status).toBe(400);
      return res.body.code as string;
    };
    expect(await bad({ time_zone: 'Mars/Olympus' })).toBe('hours_invalid');
    expect(await bad({ time_zone: 42 })).toBe('validation_failed');
    expect(
      await bad({
        intervals: [
          { day: 1, start: '09:00', end: '13:00' },
          { day: 1, start: '12:00', end: '18:00' },
        ],
      }),
    ).toBe('hours_invalid');
    expect(await bad({ intervals: [{ day: 9, start: '09:00', end: '13:00' }] })).toBe('hours_invalid');
    expect(await bad({ intervals: 'always' })).toBe('hours_invalid');
    expect(await bad({ holidays: [{ date: '2026-13-01' }] })).toBe('hours_invalid');
    // Another workspace's channel is no channel here.
    expect(
      await bad({
        out_of_hours_replies: [{ channel_id: channelB.id, enabled: true, texts: { en: 'closed' } }],
      }),
    ).toBe('hours_invalid');
    expect(
      await bad({ out_of_hours_replies: [{ channel_id: null, enabled: true, texts: { de: 'zu' } }] }),
    ).toBe('hours_invalid');
    // An agent reads the hours but may not change them.
    const put = await a.http.put('/api/v1/business-hours', {
      enabled: true,
      time_zone: 'Asia/Tehran',
      intervals: WEEKDAYS_9_TO_17,
      holidays: [
        { date: '2026-12-08', name: 'Closed for inventory' },
        { date: '2020-12-10', recurring: true },
      ],
      out_of_hours_replies: [
        {
          channel_id: null,
          enabled: true,
          texts: { en: 'We are closed; we answer from 09:00 Tehran time.', fa: 'ما اکنون تعطیل هستیم.' },
        },
      ],
      default_language: 'en',
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ enabled: true, time_zone: 'Asia/Tehran', holidays: expect.any(Array) });
    expect(put.body.next_change_at).toEqual(expect.any(String));
    // Workspace B's hours are its own.
    expect((await b.http.get('/api/v1/business-hours')).body.enabled).toBe(false);
  });

  it('in Asia/Tehran a message at 08:59:59 gets the out-of-hours reply, one at 09:00:00 does not; no second reply in one closed period', async () => {
    setClocks(TEHRAN_0859_59);
    const early = await customerWrites(api, a.workspaceId, channelA.id, {
      userId: '8101',
      text: 'anyone there?',
    });
    setClocks(TEHRAN_0900);
    const onTime = await customerWrites(api, a.workspaceId, channelA.id, {
      userId: '8102',
      text: 'good morning',
    });
    setClocks(null);
    const earlyConversation = early.message.conversation_id;
    await eventually(async () => {
      const replies = await automaticOf(earlyConversation);
      expect(replies).toHaveLength(1);
      expect(replies[0]).toMatchObject({
        type: 'support',
        content: 'We are closed; we answer from 09:00 Tehran time.',
        sender: { kind: 'automatic', id: 'out_of_hours' },
      });
      // Out through the ordinary outbound path: the platform accepted it.
      expect(replies[0].external_send_result?.success).toBe(true);
    }, 15000);
    await caughtUp('auto-replies', a.workspaceId);
    expect(await automaticOf(onTime.message.conversation_id)).toEqual([]);

    // The same customer writes twice more before opening: still one reply.
    setClocks(new Date('2026-12-07T08:59:59.500+03:30'));
    await customerWrites(api, a.workspaceId, channelA.id, { userId: '8101', text: 'hello?' });
    await customerWrites(api, a.workspaceId, channelA.id, { userId: '8101', text: 'hello??' });
    setClocks(null);
    await caughtUp('auto-replies', a.workspaceId);
    expect(await automaticOf(earlyConversation)).toHaveLength(1);
    // The automatic reply left the conversation waiting for an agent and is nobody's first response.
    const view = await a.http.get(`/api/v1/conversations/${earlyConversation}`);
    expect(view.body.status).toBe('open');

    // On the holiday (Tuesday 2026-12-08) and on a recurring one (every 10 December), the next closed period: one more reply.
    setClocks(new Date('2026-12-08T11:00:00+03:30'));
    await customerWrites(api, a.workspaceId, channelA.id, { userId: '8101', text: 'open today?' });
    setClocks(new Date('2026-12-10T11:00:00+03:30'));
    const yearly = await customerWrites(api, a.workspaceId, channelA.id, {
      userId: '8103',
      text: 'open today?',
    });
    setClocks(null);
    await eventually(async () => expect(await automaticOf(earlyConversation)).toHaveLength(2), 15000);
    await eventually(
      async () => expect(await automaticOf(yearly.message.conversation_id)).toHaveLength(1),
      15000,
    );
  });

  it('SLA: deadlines are set from the customer message, the worker scanner warns before and marks the breach after, agents are notified', async () => {
    const bad = await a.http.put('/api/v1/sla-policy', { enabled: true, first_response_minutes: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('sla_invalid');
    const policy = await a.http.put('/api/v1/sla-policy', {
      enabled: true,
      first_response_minutes: 10,
      next_response_minutes: 5,
      resolution_minutes: 60,
      business_hours: false,
      warn_before_minutes: 2,
    });
    expect(policy.status).toBe(200);

    const notes = await WsClient.connect(api.url, '/ws/notifications/', { token: a.token });
    sockets.push(notes);
    await notes.next((f) => f.type === 'ready');

    const asked = new Date('2026-12-07T10:00:00+03:30');
    setClocks(asked);
    const written = await customerWrites(api, a.workspaceId, channelA.id, {
      userId: '8201',
      text: 'my order is late',
    });
    setClocks(null);
    const id = written.message.conversation_id;
    await eventually(async () => {
      const view = await a.http.get(`/api/v1/conversations/${id}`);
      expect(view.body.sla).toEqual({
        first_response_due_at: new Date(asked.getTime() + 10 * 60_000).toISOString(),
        next_response_due_at: null,
        resolution_due_at: new Date(asked.getTime() + 60 * 60_000).toISOString(),
        warned: [],
        breached: [],
      });
    }, 10000);

    const scanAt = async (minutes: number) => {
      setClocks(new Date(asked.getTime() + minutes * 60_000));
      const marked = await worker.get(SlaScanner).scan();
      setClocks(null);
      return marked;
    };
    expect(await scanAt(7)).toBe(0);
    expect(await scanAt(8.5)).toBe(1);
    const warning = await notes.next((f) => f.type === 'notification' && f.kind === 'sla_warning');
    expect(warning).toMatchObject({ timers: ['first_response'], conversation: { id } });
    expect(await scanAt(9)).toBe(0);
    expect(await scanAt(10.5)).toBe(1);
    const breach = await notes.next((f) => f.type === 'notification' && f.kind === 'sla_breach');
    expect(breach).toMatchObject({
      timers: ['first_response'],
      conversation: { id, sla: { breached: ['first_response'] } },
    });

    // The agent answers late: the first-response deadline ends, its breach stays on the conversation.
    const reply = await a.http.post(`/api/v1/message/conversation/${id}/send-message/`, {
      content: 'Sorry!',
      type: 'support',
    });
    expect(reply.status).toBe(201);
    await eventually(async () => {
      const view = await a.http.get(`/api/v1/conversations/${id}`);
      expect(view.body.sla).toMatchObject({ first_response_due_at: null, breached: ['first_response'] });
    }, 10000);
    // The customer writes again after the answer: the next response is due in 5 minutes.
    const again = new Date(asked.getTime() + 12 * 60_000);
    setClocks(again);
    await customerWrites(api, a.workspaceId, channelA.id, { userId: '8201', text: 'any news?' });
    setClocks(null);
    await eventually(async () => {
      const view = await a.http.get(`/api/v1/conversations/${id}`);
      expect(view.body.sla.next_response_due_at).toBe(new Date(again.getTime() + 5 * 60_000).toISOString());
    }, 10000);
    // Resolved: every timer and marker is cleared.
    expect(
      (await a.http.patch(`/api/v1/message/conversation/${id}/status/`, { status: 'resolved' })).status,
    ).toBe(200);
    await eventually(
      async () => expect((await a.http.get(`/api/v1/conversations/${id}`)).body.sla).toBeNull(),
      10000,
    );
    // Another workspace's policy is its own.
    expect((await b.http.get('/api/v1/sla-policy')).body.enabled).toBe(false);
    await a.http.put('/api/v1/sla-policy', { enabled: false });
  });

  it('reports on constructed cycles: exact medians and p90, per channel, per agent, per hour of day in Asia/Tehran, and CSV', async () => {
    const c = await signupWorkspace(api);
    const channel = await createChannel(api, c.workspaceId, '=cmd|calc');
    const conversations: string[] = [];
    for (let i = 0; i < 5; i++)
      conversations.push(
        (await customerWrites(api, c.workspaceId, channel.id, { userId: `83${i}` })).message.conversation_id,
      );
    await caughtUp('metrics', c.workspaceId);
    // March 2025, far from the cycles the messages above started now.
    const base = Date.parse('2025-03-10T05:30:00Z'); // 09:00 in Tehran
    const cycles = [
      { start: 0, frt: 60, res: 3600 },
      { start: 60_000, frt: 120, res: 7200 },
      { start: 120_000, frt: 180, res: 10800 },
      { start: 15.25 * 3600_000, frt: 240, res: null }, // 20:45 UTC = 00:15 next day in Tehran
      { start: 15.5 * 3600_000, frt: 600, res: null },
    ];
    for (const [i, cycle] of cycles.entries()) {
      const started = new Date(base + cycle.start);
      await api.db.query(
        `INSERT INTO conversation_cycle (workspace_id, conversation_id, channel_id, start_message_id, start_seq, started_at,
                                         first_response_at, first_responder_id, resolved_seq, resolved_at, assignee_id)
         VALUES ($1, $2, $3, gen_random_uuid(), 0, $4, $5, $6, $7, $8, $6)`,
        [
          c.workspaceId,
          conversations[i],
          channel.id,
          started,
          new Date(started.getTime() + cycle.frt * 1000),
          c.adminId,
          cycle.res === null ? null : 1,
          cycle.res === null ? null : new Date(started.getTime() + cycle.res * 1000),
        ],
      );
    }
    const range = 'from=2025-03-01&to=2025-04-01&tz=Asia/Tehran';
    const overview = await c.http.get(`/api/v1/reports/overview?${range}`);
    expect(overview.status).toBe(200);
    expect(overview.body).toMatchObject({
      opened: 5,
      resolved: 3,
      first_response: { count: 5, median_seconds: 180, p90_seconds: 456 },
      resolution: { count: 3, median_seconds: 7200, p90_seconds: 10080 },
      csat: { count: 0, average: null },
    });
    const channels = await c.http.get(`/api/v1/reports/channels?${range}`);
    expect(channels.body.rows).toEqual([
      expect.objectContaining({
        channel_id: channel.id,
        opened: 5,
        resolved: 3,
        first_response: { count: 5, median_seconds: 180, p90_seconds: 456 },
      }),
    ]);
    const agents = await c.http.get(`/api/v1/reports/agents?${range}&agent_id=${c.adminId}`);
    expect(agents.body.rows).toEqual([
      expect.objectContaining({ agent_id: c.adminId, first_responses: 5, resolved: 3 }),
    ]);
    // Hours of day in Tehran: three opened at 09:00, two after midnight (00:15 and 00:30); UTC would say 05 and 20/21.
    const hours = await c.http.get(`/api/v1/reports/hours?${range}`);
    expect(hours.body.rows).toHaveLength(24);
    const opened = Object.fromEntries(
      hours.body.rows
        .filter((h: { opened: number }) => h.opened)
        .map((h: { hour: number; opened: number }) => [h.hour, h.opened]),
    );
    expect(opened).toEqual({ 0: 2, 9: 3 });
    const utc = await c.http.get(`/api/v1/reports/hours?from=2025-03-01&to=2025-04-01&tz=UTC`);
    expect(
      Object.keys(
        Object.fromEntries(
          utc.body.rows.filter((h: { opened: number }) => h.opened).map((h: { hour: number }) => [h.hour, 1]),
        ),
      ),
    ).toEqual(['5', '20', '21']);
    // A channel filter from another workspace finds nothing here.
    const foreign = await c.http.get(`/api/v1/reports/overview?${range}&channel_id=${channelA.id}`);
    expect(foreign.body).toMatchObject({ opened: 0, resolved: 0 });
    expect((await a.http.get(`/api/v1/reports/overview?${range}`)).body.opened).toBe(0);

    // CSV: the same numbers; a name that looks like a formula is defused.
    const csv = await c.http.get(`/api/v1/reports/channels?${range}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (csv.body as string).trim().split('\n');
    expect(lines[0]).toBe(
      'channel_id,name,type,opened,resolved,first_response_count,first_response_median_seconds,first_response_p90_seconds,resolution_count,resolution_median_seconds,resolution_p90_seconds,csat_average',
    );
    expect(lines[1]).toBe(`${channel.id},'=cmd|calc,telegram,5,3,5,180,456,3,7200,10080,`);
    const hoursCsv = await c.http.get(`/api/v1/reports/hours?${range}&format=csv`);
    expect((hoursCsv.body as string).split('\n')[1]).toBe('0,2,0,420');

    // Hostile queries: 400 report_invalid, never 500.
    for (const query of [
      'tz=Not/AZone',
      'from=2015-01-01&to=2025-01-01',
      'from=2025-02-01&to=2025-01-01',
      'from=yesterday',
      'channel_id=nope',
    ]) {
      const res = await c.http.get(`/api/v1/reports/overview?${query}`);
      expect([query, res.status, res.body.code]).toEqual([query, 400, 'report_invalid']);
    }
    expect((await c.http.get('/api/v1/reports/overview?format=xml')).status).toBe(400);
    expect((await c.http.get('/api/v1/reports/secrets')).status).toBe(404);
  });

  it('CSAT round trip through Telegram: rating request after resolution, the press is a rating, not a reopening, and it reaches the report', async () => {
    // Another workspace's channel is 404; a Telegram channel can ask.
    expect((await a.http.put(`/api/v1/reports/csat/channels/${channelB.id}`, { enabled: true })).status).toBe(
      404,
    );
    const on = await a.http.put(`/api/v1/reports/csat/channels/${channelA.id}`, { enabled: true });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ channel_id: channelA.id, enabled: true, supported: true });
    await a.http.put('/api/v1/business-hours', {
      enabled: false,
      time_zone: 'UTC',
      intervals: [],
      holidays: [],
      out_of_hours_replies: [],
    });

    const sim = environment.simulator;
    const botId = channelA.external_id!;
    const customer = { id: 8301, first_name: 'Sara' };
    expect(
      await sim.postTelegramUpdate(
        botId,
        sim.telegramMessage(botId, customer, { text: 'where is my parcel?' }),
      ),
    ).toBe(200);
    let id = '';
    await eventually(async () => {
      const [row] = await api.db.query(
        `SELECT c.id FROM conversation c JOIN contact_identity i ON i.contact_id = c.contact_id AND i.channel_id = c.channel_id
          WHERE i.platform_user_id = $1`,
        [String(customer.id)],
      );
      expect(row).toBeDefined();
      id = row.id;
    }, 10000);
    await a.http.post(`/api/v1/message/conversation/${id}/send-message/`, {
      content: 'On its way!',
      type: 'support',
    });
    expect(
      (await a.http.patch(`/api/v1/message/conversation/${id}/status/`, { status: 'resolved' })).status,
    ).toBe(200);

    let request: MessageRow | undefined;
    await eventually(async () => {
      request = (await automaticOf(id)).find(
        (m) => m.sender?.id === 'csat_request' && m.external_send_result?.success,
      );
      expect(request).toBeDefined();
    }, 15000);
    expect(request!.buttons!.flat().map((b) => b.caption)).toEqual(['1 ⭐', '2 ⭐', '3 ⭐', '4 ⭐', '5 ⭐']);

    const press = await sim.pressTelegramButton(
      botId,
      customer,
      request!.external_send_result!.message_id!,
      '4 ⭐',
    );
    expect(press.status).toBe(200);
    await eventually(() => expect(sim.callbackQueries.get(press.queryId)?.answered).toBe(true), 10000);
    await eventually(async () => {
      const [row] = await api.db.query(
        `SELECT score, agent_id FROM csat_response WHERE conversation_id = $1`,
        [id],
      );
      expect(row?.score).toBe(4);
    }, 10000);
    // Not a reopening and not a customer message: the conversation stays resolved.
    const view = await a.http.get(`/api/v1/conversations/${id}`);
    expect(view.body.status).toBe('resolved');
    const rows = await history(a, id);
    expect(rows.filter((m) => m.type === 'customer')).toHaveLength(1);
    expect(rows.find((m) => m.type === 'system')).toMatchObject({ content: '4/5' });
    // Telegram's retry of the same press records nothing new.
    const again = sim.telegramPressUpdate(
      press.queryId,
      customer,
      { message_id: 1, chat: { id: customer.id, type: 'private' } },
      request!.buttons![1][0].payload,
    );
    expect(await sim.postTelegramUpdate(botId, again)).toBe(200);
    await caughtUp('auto-replies', a.workspaceId);
    expect((await history(a, id)).filter((m) => m.type === 'system')).toHaveLength(1);
    // One request per resolution.
    expect((await automaticOf(id)).filter((m) => m.sender?.id === 'csat_request')).toHaveLength(1);

    const report = await a.http.get('/api/v1/reports/csat');
    expect(report.body.csat).toMatchObject({ count: 1, average: 4, distribution: { '4': 1 } });
    expect(report.body.recent[0]).toMatchObject({ conversation_id: id, score: 4, channel_name: 'Shop bot' });
    expect((await b.http.get('/api/v1/reports/csat')).body.csat.count).toBe(0);
  });
  it('web widget stars: the rating request shows star buttons in the visitor’s language, a press is a rating; a payload never offered is refused', async () => {
    const created = await a.http.post('/api/v1/channels', {
      type: 'web',
      name: 'Site',
      allowed_origins: ['https://shop.example'],
    });
    expect(created.status).toBe(201);
    const web = created.body.id as string;
    expect((await a.http.put(`/api/v1/reports/csat/channels/${web}`, { enabled: true })).body.supported).toBe(
      true,
    );
    const widget = new HttpClient(api.url);
    const started = await widget.post(`/widget/v1/channels/${web}/sessions`, {
      origin: 'https://shop.example',
      language: 'fa',
    });
    expect(started.status).toBe(200);
    const visitor = new HttpClient(api.url, { token: started.body.visitor_token });
    const sent = await visitor.post('/widget/v1/messages', { content: 'سلام', client_id: 'w-1' });
    expect(sent.status).toBe(201);
    const [{ conversation_id: id }] = await api.db.query(
      `SELECT conversation_id FROM message WHERE id = $1`,
      [sent.body.id],
    );
    // Pressing what was never offered is refused.
    const forged = await visitor.post('/widget/v1/messages', {
      content: '5',
      button_payload: 'csat:00000000-0000-0000-0000-000000000000:5',
    });
    expect(forged.status).toBe(400);
    await a.http.post(`/api/v1/message/conversation/${id}/send-message/`, {
      content: 'خواهش می‌کنم',
      type: 'support',
    });
    expect(
      (await a.http.patch(`/api/v1/message/conversation/${id}/status/`, { status: 'resolved' })).status,
    ).toBe(200);

    let stars: { caption: string; payload: string }[] = [];
    await eventually(async () => {
      const page = await visitor.get('/widget/v1/messages');
      const request = page.body.messages.find((m: { buttons?: unknown }) => m.buttons);
      expect(request).toBeDefined();
      expect(request.content).toBe(CSAT_QUESTION.fa);
      stars = request.buttons.flat();
    }, 15000);
    expect(stars.map((b) => b.caption)).toEqual(['1 ⭐', '2 ⭐', '3 ⭐', '4 ⭐', '5 ⭐']);
    const press = await visitor.post('/widget/v1/messages', {
      content: stars[4].caption,
      button_payload: stars[4].payload,
      client_id: 'w-2',
    });
    expect(press.status).toBe(201);
    expect(press.body.type).toBe('agent');
    await eventually(async () => {
      const [row] = await api.db.query(`SELECT score FROM csat_response WHERE conversation_id = $1`, [id]);
      expect(row?.score).toBe(5);
    }, 10000);
    expect((await a.http.get(`/api/v1/conversations/${id}`)).body.status).toBe('resolved');
    // The rating line is for agents; the visitor's history shows no message of it.
    const seen = (await visitor.get('/widget/v1/messages')).body.messages;
    expect(seen.filter((m: { type: string }) => m.type === 'visitor')).toHaveLength(1);
  });
});
