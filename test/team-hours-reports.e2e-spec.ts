import { Clock } from '@parley/domain/clock';
import { SlaScanner } from '../apps/worker/src/processors/sla.scanner';
import {
  freshEnvironment,
  startApi,
  startIngest,
  startWorker,
  TestApp,
  TestEnvironment,
} from './support/app';
import { addAgent, createChannel, customerWrites, signupWorkspace, Workspace } from './support/factories';
import { eventually } from './support/ws';

interface MessageRow {
  content: string;
  sender: { kind: string; id: string } | null;
  external_send_result: { success: boolean; message_id?: string } | null;
  buttons?: { caption: string; payload: string }[][];
}

const WEEKDAYS_9_TO_17 = [1, 2, 3, 4, 5].map((day) => ({ day, start: '09:00', end: '17:00' }));
const schedule = (timeZone: string, text: string) => ({
  enabled: true,
  time_zone: timeZone,
  intervals: WEEKDAYS_9_TO_17,
  holidays: [],
  out_of_hours_replies: [{ channel_id: null, enabled: true, texts: { en: text } }],
  default_language: 'en',
});
const WORKSPACE_REPLY = 'The workspace is closed (09:00-17:00 UTC).';
const NIGHT_REPLY = 'The Tehran desk is closed (09:00-17:00 Tehran).';

/**
 * Teams' own business hours and SLA policies (a team's conversations follow them, the others the
 * workspace's), the team each report row and rating carries, and reports per team and filtered by
 * team, each kept inside its workspace.
 */
describe('per-team business hours, SLAs and reports', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let ingest: TestApp;
  let worker: TestApp;
  let a: Workspace;
  let b: Workspace;
  let night: string;
  let day: string;
  let foreignTeam: string;
  let nightChannel: { id: string; external_id: string | null };
  let dayChannel: { id: string };
  let user = 0;

  const setClocks = (at: Date | null) => {
    jest.restoreAllMocks();
    if (at)
      for (const app of [api, ingest, worker]) jest.spyOn(app.get(Clock), 'now').mockImplementation(() => at);
  };
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
  const automaticOf = async (conversationId: string) => {
    const res = await a.http.get(`/api/v1/conversations/${conversationId}/messages?limit=100`);
    expect(res.status).toBe(200);
    return (res.body.data as MessageRow[]).filter((m) => m.sender?.kind === 'automatic');
  };
  /** A new customer writes on `channelId` at `at`; answers the new conversation's id. */
  const newCustomerAt = async (channelId: string, at: Date) => {
    setClocks(at);
    try {
      const written = await customerWrites(api, a.workspaceId, channelId, { userId: `77${user++}` });
      return written.message.conversation_id;
    } finally {
      setClocks(null);
    }
  };
  /** The out-of-hours replies each conversation got, once the reader has seen their messages. */
  const repliesOf = async (conversations: string[]) => {
    await caughtUp('auto-replies', a.workspaceId);
    const replies: string[][] = [];
    for (const id of conversations) replies.push((await automaticOf(id)).map((m) => m.content));
    return replies;
  };

  beforeAll(async () => {
    environment = await freshEnvironment();
    api = await startApi(environment);
    ingest = await startIngest(environment);
    worker = await startWorker(environment);
    a = await signupWorkspace(api);
    b = await signupWorkspace(api);
    night = (await a.http.post('/api/v1/teams', { name: 'Tehran desk' })).body.id;
    day = (await a.http.post('/api/v1/teams', { name: 'Day desk' })).body.id;
    foreignTeam = (await b.http.post('/api/v1/teams', { name: 'Elsewhere' })).body.id;
    nightChannel = await createChannel(api, a.workspaceId, 'Tehran bot');
    dayChannel = await createChannel(api, a.workspaceId, 'Day bot');
    // A channel's new conversations go to its team.
    for (const [channel, team] of [
      [nightChannel.id, night],
      [dayChannel.id, day],
    ])
      expect((await a.http.patch(`/api/v1/channels/${channel}`, { team_id: team })).status).toBe(200);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await worker.close();
    await ingest.close();
    await api.close();
    await environment.close();
  });

  it("a team with its own hours in Asia/Tehran gets the out-of-hours reply at its own boundary, another team's conversation follows the workspace's UTC hours; removing the team's schedule falls back", async () => {
    expect((await a.http.put('/api/v1/business-hours', schedule('UTC', WORKSPACE_REPLY))).status).toBe(200);
    const inherited = await a.http.get(`/api/v1/business-hours/teams/${night}`);
    expect(inherited.status).toBe(200);
    expect(inherited.body).toMatchObject({ team_id: night, inherited: true, time_zone: 'UTC' });
    const own = await a.http.put(
      `/api/v1/business-hours/teams/${night}`,
      schedule('Asia/Tehran', NIGHT_REPLY),
    );
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ team_id: night, inherited: false, time_zone: 'Asia/Tehran' });
    // The workspace's schedule is untouched by the team's.
    expect((await a.http.get('/api/v1/business-hours')).body).toMatchObject({
      time_zone: 'UTC',
      team_id: null,
      inherited: false,
    });

    // Monday 2026-12-07. Tehran is UTC+03:30: its 09:00 is 05:30 UTC, when the workspace is closed.
    const conversations = [
      await newCustomerAt(nightChannel.id, new Date('2026-12-07T08:59:00+03:30')),
      await newCustomerAt(nightChannel.id, new Date('2026-12-07T09:01:00+03:30')),
      await newCustomerAt(dayChannel.id, new Date('2026-12-07T09:01:00+03:30')),
      await newCustomerAt(dayChannel.id, new Date('2026-12-07T08:59:00Z')),
      await newCustomerAt(dayChannel.id, new Date('2026-12-07T09:01:00Z')),
      // 16:59 and 17:01 in Tehran (13:29 and 13:31 UTC): the team closes while the workspace is open.
      await newCustomerAt(nightChannel.id, new Date('2026-12-07T16:59:00+03:30')),
      await newCustomerAt(nightChannel.id, new Date('2026-12-07T17:01:00+03:30')),
    ];
    await eventually(async () => {
      expect(await repliesOf(conversations)).toEqual([
        [NIGHT_REPLY],
        [],
        [WORKSPACE_REPLY],
        [WORKSPACE_REPLY],
        [],
        [],
        [NIGHT_REPLY],
      ]);
    }, 15000);

    // Without its own schedule the team follows the workspace's again: 09:01 Tehran is closed in UTC.
    expect((await a.http.delete(`/api/v1/business-hours/teams/${night}`)).status).toBe(204);
    expect((await a.http.get(`/api/v1/business-hours/teams/${night}`)).body).toMatchObject({
      inherited: true,
      time_zone: 'UTC',
    });
    const fallenBack = [
      await newCustomerAt(nightChannel.id, new Date('2026-12-07T09:01:00+03:30')),
      await newCustomerAt(nightChannel.id, new Date('2026-12-07T17:01:00+03:30')),
    ];
    await eventually(async () => expect(await repliesOf(fallenBack)).toEqual([[WORKSPACE_REPLY], []]), 15000);
    await a.http.put('/api/v1/business-hours', { ...schedule('UTC', WORKSPACE_REPLY), enabled: false });
  });

  it("a team's own SLA policy sets its conversations' deadlines and warnings; the other team's follow the workspace's, and removing it falls back", async () => {
    expect(
      (
        await a.http.put('/api/v1/sla-policy', {
          enabled: true,
          first_response_minutes: 30,
          resolution_minutes: null,
          next_response_minutes: null,
          warn_before_minutes: 0,
        })
      ).status,
    ).toBe(200);
    const own = await a.http.put(`/api/v1/sla-policy/teams/${night}`, {
      enabled: true,
      first_response_minutes: 5,
      resolution_minutes: 60,
      next_response_minutes: null,
      warn_before_minutes: 2,
    });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ team_id: night, inherited: false, first_response_minutes: 5 });
    expect((await a.http.get(`/api/v1/sla-policy/teams/${day}`)).body).toMatchObject({
      team_id: day,
      inherited: true,
      first_response_minutes: 30,
    });

    const at = new Date('2026-12-08T10:00:00Z');
    const minutesAfter = (minutes: number) => new Date(at.getTime() + minutes * 60_000).toISOString();
    const nightConversation = await newCustomerAt(nightChannel.id, at);
    const dayConversation = await newCustomerAt(dayChannel.id, at);
    const slaOf = async (id: string) => (await a.http.get(`/api/v1/conversations/${id}`)).body.sla;
    await eventually(async () => {
      expect(await slaOf(nightConversation)).toMatchObject({
        first_response_due_at: minutesAfter(5),
        resolution_due_at: minutesAfter(60),
      });
      expect(await slaOf(dayConversation)).toMatchObject({
        first_response_due_at: minutesAfter(30),
        resolution_due_at: null,
      });
    }, 10000);

    // The scanner warns by the team's policy (2 minutes before); the workspace's warns not at all.
    setClocks(new Date(at.getTime() + 3.5 * 60_000));
    await worker.get(SlaScanner).scan();
    setClocks(null);
    expect((await slaOf(nightConversation)).warned).toEqual(['first_response']);
    expect((await slaOf(dayConversation)).warned).toEqual([]);

    expect((await a.http.delete(`/api/v1/sla-policy/teams/${night}`)).status).toBe(204);
    const later = await newCustomerAt(nightChannel.id, at);
    await eventually(
      async () =>
        expect(await slaOf(later)).toMatchObject({
          first_response_due_at: minutesAfter(30),
          resolution_due_at: null,
        }),
      10000,
    );
    await a.http.put('/api/v1/sla-policy', { enabled: false });
  });

  it("a cycle carries its conversation's team, follows it to another team while open, and a rating carries the resolution's team", async () => {
    const sim = environment.simulator;
    const botId = nightChannel.external_id!;
    expect(
      (await a.http.put(`/api/v1/reports/csat/channels/${nightChannel.id}`, { enabled: true })).status,
    ).toBe(200);
    const customer = { id: 7901, first_name: 'Sara' };
    expect(
      await sim.postTelegramUpdate(
        botId,
        sim.telegramMessage(botId, customer, { text: 'is my order late?' }),
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
    const cycleTeam = async () =>
      (await api.db.query(`SELECT team_id FROM conversation_cycle WHERE conversation_id = $1`, [id])).map(
        (r: { team_id: string | null }) => r.team_id,
      );
    await eventually(async () => expect(await cycleTeam()).toEqual([night]), 10000);

    // Moved to the day desk while open: the open cycle moves with it, and is resolved there.
    expect((await a.http.post(`/api/v1/conversations/${id}/assign`, { team_id: day })).status).toBe(200);
    await a.http.post(`/api/v1/message/conversation/${id}/send-message/`, {
      content: 'Checking',
      type: 'support',
    });
    expect(
      (await a.http.patch(`/api/v1/message/conversation/${id}/status/`, { status: 'resolved' })).status,
    ).toBe(200);
    await caughtUp('metrics', a.workspaceId);
    expect(await cycleTeam()).toEqual([day]);
    // Moved after the resolution: the resolved cycle stays with the team that resolved it.
    expect((await a.http.post(`/api/v1/conversations/${id}/assign`, { team_id: night })).status).toBe(200);
    await caughtUp('metrics', a.workspaceId);
    expect(await cycleTeam()).toEqual([day]);

    let request: MessageRow | undefined;
    await eventually(async () => {
      request = (await automaticOf(id)).find(
        (m) => m.sender?.id === 'csat_request' && m.external_send_result?.success,
      );
      expect(request).toBeDefined();
    }, 15000);
    const press = await sim.pressTelegramButton(
      botId,
      customer,
      request!.external_send_result!.message_id!,
      '2 ⭐',
    );
    expect(press.status).toBe(200);
    await eventually(async () => {
      const [row] = await api.db.query(
        `SELECT score, team_id FROM csat_response WHERE conversation_id = $1`,
        [id],
      );
      expect(row).toEqual({ score: 2, team_id: day });
    }, 10000);
    const [requestRow] = await api.db.query(`SELECT team_id FROM csat_request WHERE conversation_id = $1`, [
      id,
    ]);
    expect(requestRow.team_id).toBe(day);

    // The team filter and the per-team rows see the rating under the day desk.
    const dayCsat = await a.http.get(`/api/v1/reports/csat?team_id=${day}`);
    expect(dayCsat.body.csat).toMatchObject({ count: 1, average: 2 });
    expect(dayCsat.body.recent[0]).toMatchObject({ conversation_id: id, score: 2 });
    expect((await a.http.get(`/api/v1/reports/csat?team_id=${night}`)).body.csat.count).toBe(0);
  });

  it('reports per team: exact counts, medians, p90 and CSAT for two teams; team_id narrows every report; CSV has the team rows', async () => {
    const c = await signupWorkspace(api);
    const sales = (await c.http.post('/api/v1/teams', { name: 'Sales' })).body.id as string;
    const support = (await c.http.post('/api/v1/teams', { name: '=Support' })).body.id as string;
    const channel = await createChannel(api, c.workspaceId, 'Shop');
    const conversations: string[] = [];
    for (let i = 0; i < 6; i++)
      conversations.push(
        (await customerWrites(api, c.workspaceId, channel.id, { userId: `78${i}` })).message.conversation_id,
      );
    await caughtUp('metrics', c.workspaceId);
    const base = Date.parse('2025-03-10T09:00:00Z');
    // Sales: three cycles, two resolved; Support: two, both resolved; one cycle in no team.
    const cycles = [
      { team: sales, start: 0, frt: 60, res: 600 },
      { team: sales, start: 60_000, frt: 120, res: 1200 },
      { team: sales, start: 120_000, frt: 300, res: null },
      { team: support, start: 3 * 3600_000, frt: 30, res: 3600 },
      { team: support, start: 3 * 3600_000 + 60_000, frt: 90, res: 7200 },
      { team: null, start: 5 * 3600_000, frt: 45, res: null },
    ];
    for (const [i, cycle] of cycles.entries()) {
      const started = new Date(base + cycle.start);
      await api.db.query(
        `INSERT INTO conversation_cycle (workspace_id, conversation_id, channel_id, team_id, start_message_id, start_seq,
                                         started_at, first_response_at, first_responder_id, resolved_seq, resolved_at, assignee_id)
         VALUES ($1, $2, $3, $4, gen_random_uuid(), 0, $5, $6, $7, $8, $9, $7)`,
        [
          c.workspaceId,
          conversations[i],
          channel.id,
          cycle.team,
          started,
          new Date(started.getTime() + cycle.frt * 1000),
          c.adminId,
          cycle.res === null ? null : 1,
          cycle.res === null ? null : new Date(started.getTime() + cycle.res * 1000),
        ],
      );
    }
    // Ratings: Sales 5 and 3, Support 1.
    for (const [i, team, score] of [
      [0, sales, 5],
      [1, sales, 3],
      [3, support, 1],
    ] as const) {
      const [{ id: request, contact_id: contact }] = await api.db.query(
        `INSERT INTO csat_request (workspace_id, conversation_id, channel_id, contact_id, team_id, resolved_seq)
         SELECT workspace_id, id, channel_id, contact_id, $2, 1 FROM conversation WHERE id = $1
         RETURNING id, contact_id`,
        [conversations[i], team],
      );
      await api.db.query(
        `INSERT INTO csat_response (workspace_id, request_id, conversation_id, channel_id, contact_id, agent_id, team_id,
                                    score, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          c.workspaceId,
          request,
          conversations[i],
          channel.id,
          contact,
          c.adminId,
          team,
          score,
          new Date(base),
        ],
      );
    }

    const range = 'from=2025-03-01&to=2025-04-01&tz=UTC';
    const teams = await c.http.get(`/api/v1/reports/teams?${range}`);
    expect(teams.status).toBe(200);
    expect(teams.body.rows).toEqual([
      {
        team_id: sales,
        name: 'Sales',
        opened: 3,
        resolved: 2,
        first_response: { count: 3, median_seconds: 120, p90_seconds: 264 },
        resolution: { count: 2, median_seconds: 900, p90_seconds: 1140 },
        csat_average: 4,
        csat_count: 2,
      },
      {
        team_id: support,
        name: '=Support',
        opened: 2,
        resolved: 2,
        first_response: { count: 2, median_seconds: 60, p90_seconds: 84 },
        resolution: { count: 2, median_seconds: 5400, p90_seconds: 6840 },
        csat_average: 1,
        csat_count: 1,
      },
      {
        team_id: null,
        name: null,
        opened: 1,
        resolved: 0,
        first_response: { count: 1, median_seconds: 45, p90_seconds: 45 },
        resolution: { count: 0, median_seconds: null, p90_seconds: null },
        csat_average: null,
        csat_count: 0,
      },
    ]);

    // The team filter narrows every report.
    const narrowed = `${range}&team_id=${support}`;
    expect((await c.http.get(`/api/v1/reports/overview?${narrowed}`)).body).toMatchObject({
      opened: 2,
      resolved: 2,
      first_response: { count: 2, median_seconds: 60 },
      resolution: { count: 2, median_seconds: 5400 },
      csat: { count: 1, average: 1, distribution: { '1': 1, '3': 0, '5': 0 } },
    });
    expect((await c.http.get(`/api/v1/reports/overview?${range}`)).body).toMatchObject({
      opened: 6,
      csat: { count: 3 },
    });
    expect((await c.http.get(`/api/v1/reports/channels?${narrowed}`)).body.rows).toEqual([
      expect.objectContaining({ channel_id: channel.id, opened: 2, resolved: 2, csat_average: 1 }),
    ]);
    expect((await c.http.get(`/api/v1/reports/agents?${narrowed}`)).body.rows).toEqual([
      expect.objectContaining({ agent_id: c.adminId, first_responses: 2, resolved: 2, csat_count: 1 }),
    ]);
    expect((await c.http.get(`/api/v1/reports/teams?${narrowed}`)).body.rows).toEqual([
      expect.objectContaining({ team_id: support, opened: 2 }),
    ]);
    const hours = (await c.http.get(`/api/v1/reports/hours?${narrowed}`)).body.rows;
    expect(hours.filter((h: { opened: number }) => h.opened)).toEqual([
      expect.objectContaining({ hour: 12, opened: 2, resolved: 0 }),
    ]);
    const csat = (await c.http.get(`/api/v1/reports/csat?${range}&team_id=${sales}`)).body;
    expect(csat.csat).toMatchObject({ count: 2, average: 4 });
    expect(csat.recent.map((r: { score: number }) => r.score).sort()).toEqual([3, 5]);

    // CSV: a row per team (a name that looks like a formula is defused), and the filter applies.
    const csv = await c.http.get(`/api/v1/reports/teams?${range}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect((csv.body as string).trim().split('\n')).toEqual([
      'team_id,name,opened,resolved,first_response_count,first_response_median_seconds,first_response_p90_seconds,resolution_count,resolution_median_seconds,resolution_p90_seconds,csat_average,csat_count',
      `${sales},Sales,3,2,3,120,264,2,900,1140,4,2`,
      `${support},'=Support,2,2,2,60,84,2,5400,6840,1,1`,
      ',,1,0,1,45,45,0,,,,0',
    ]);
    const overviewCsv = await c.http.get(`/api/v1/reports/overview?${narrowed}&format=csv`);
    expect((overviewCsv.body as string).split('\n')[1]).toMatch(/,2,2,2,60,84,2,5400,6840,1,1,1,0,0,0,0$/);

    // A team id that is not one is report_invalid, like any other bad filter.
    const bad = await c.http.get(`/api/v1/reports/overview?team_id=nope`);
    expect([bad.status, bad.body.code]).toEqual([400, 'report_invalid']);

    // Deleting a team keeps its cycles and ratings, in no team.
    expect((await c.http.delete(`/api/v1/teams/${support}`)).status).toBe(204);
    const after = (await c.http.get(`/api/v1/reports/teams?${range}`)).body.rows;
    expect(after.map((r: { team_id: string | null; opened: number }) => [r.team_id, r.opened])).toEqual([
      [sales, 3],
      [null, 3],
    ]);
  });

  it("another workspace's team is 404 on every team route and report filter; an agent reads hours but cannot change them", async () => {
    const hours = schedule('UTC', 'closed');
    const policy = { enabled: false, first_response_minutes: null };
    const routes: [method: 'get' | 'put' | 'delete', path: string, body?: unknown][] = [
      ['get', `/api/v1/business-hours/teams/${foreignTeam}`],
      ['put', `/api/v1/business-hours/teams/${foreignTeam}`, hours],
      ['delete', `/api/v1/business-hours/teams/${foreignTeam}`],
      ['get', `/api/v1/sla-policy/teams/${foreignTeam}`],
      ['put', `/api/v1/sla-policy/teams/${foreignTeam}`, policy],
      ['delete', `/api/v1/sla-policy/teams/${foreignTeam}`],
      ['get', '/api/v1/business-hours/teams/not-an-id'],
      ...['overview', 'channels', 'agents', 'teams', 'hours', 'csat'].flatMap(
        (name): [method: 'get', path: string][] => [
          ['get', `/api/v1/reports/${name}?team_id=${foreignTeam}`],
          ['get', `/api/v1/reports/${name}?team_id=${foreignTeam}&format=csv`],
        ],
      ),
    ];
    for (const [method, path, body] of routes) {
      const res =
        method === 'get'
          ? await a.http.get(path)
          : method === 'delete'
            ? await a.http.delete(path)
            : await a.http.put(path, body);
      expect([method, path, res.status, res.body?.code]).toEqual([method, path, 404, 'not_found']);
    }
    // B's team has no schedule from A's attempts.
    expect((await b.http.get(`/api/v1/business-hours/teams/${foreignTeam}`)).body.inherited).toBe(true);

    const agent = await addAgent(api, a);
    expect((await agent.http.get(`/api/v1/business-hours/teams/${night}`)).status).toBe(200);
    expect((await agent.http.get(`/api/v1/sla-policy/teams/${night}`)).status).toBe(200);
    expect((await agent.http.put(`/api/v1/business-hours/teams/${night}`, hours)).status).toBe(403);
    expect((await agent.http.delete(`/api/v1/business-hours/teams/${night}`)).status).toBe(403);
    expect((await agent.http.put(`/api/v1/sla-policy/teams/${night}`, policy)).status).toBe(403);
    expect((await agent.http.delete(`/api/v1/sla-policy/teams/${night}`)).status).toBe(403);
    expect((await agent.http.get(`/api/v1/reports/teams`)).status).toBe(403);
    // A hostile schedule for a team is refused as the workspace's is.
    const bad = await a.http.put(`/api/v1/business-hours/teams/${night}`, {
      ...hours,
      time_zone: 'Mars/Olympus',
    });
    expect([bad.status, bad.body.code]).toEqual([400, 'hours_invalid']);
  });
});
