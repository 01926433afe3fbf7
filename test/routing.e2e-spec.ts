import { ONLINE } from '@parley/domain/services/presence.service';
import { LEAVING } from '@parley/domain/services/routing.service';
import { RedisClient } from '@parley/runtime/redis.provider';
import {
  freshEnvironment,
  startApi,
  startIngest,
  startWorker,
  TestApp,
  TestEnvironment,
} from './support/app';
import { addAgent, createChannel, signupWorkspace, Workspace } from './support/factories';
import { eventually, WsClient } from './support/ws';

type Agent = Awaited<ReturnType<typeof addAgent>>;

const GRACE_SECONDS = 5;

/**
 * Team routing through the real inbound path: the simulator's Telegram updates into ingest, the
 * worker storing them, and the routing reader assigning them on the api and worker processes alike.
 */
describe('team routing', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let ingest: TestApp;
  let worker: TestApp;
  let ws: Workspace;
  let nextUser = 800000;
  const sockets = new Map<string, WsClient>();

  const channel = async (teamId: string) => {
    const created = await createChannel(api, ws.workspaceId);
    expect((await ws.http.patch(`/api/v1/channels/${created.id}`, { team_id: teamId })).status).toBe(200);
    const [row]: { webhook_secret: string; external_id: string }[] = await api.db.query(
      'SELECT webhook_secret, external_id FROM channel WHERE id = $1',
      [created.id],
    );
    return { id: created.id, secret: row.webhook_secret, botId: row.external_id };
  };
  /** Customers writing at once through ingest, each a new conversation (or the same ones again). */
  const customersWrite = async (
    ch: { id: string; secret: string; botId: string },
    users: number[],
    text = 'Hi',
  ) => {
    const statuses = await Promise.all(
      users.map((user, i) =>
        fetch(`http://127.0.0.1:${environment.ingestPort}/webhooks/telegram/${ch.id}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': ch.secret },
          body: JSON.stringify({
            update_id: user * 10 + i + Math.floor(Math.random() * 1e6) * 1000,
            ...environment.simulator.telegramMessage(
              ch.botId,
              { id: user, first_name: `Customer ${user}` },
              { text },
            ),
          }),
        }).then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  };
  const newUsers = (count: number) => Array.from({ length: count }, () => nextUser++);
  const conversationsOf = (
    channelId: string,
  ): Promise<{ id: string; assignee_id: string | null; status: string }[]> =>
    api.db.query(
      `SELECT id, assignee_id, status FROM conversation WHERE channel_id = $1 ORDER BY created_at`,
      [channelId],
    );
  const loadOf = async (channelId: string) => {
    const counts = new Map<string | null, number>();
    for (const c of await conversationsOf(channelId))
      if (c.status !== 'resolved') counts.set(c.assignee_id, (counts.get(c.assignee_id) ?? 0) + 1);
    return counts;
  };
  const online = async (agent: { id: string; token: string }) => {
    const socket = await WsClient.connect(api.url, '/ws/notifications/', { token: agent.token });
    sockets.set(agent.id, socket);
    await eventually(async () => {
      const members = await api.get(RedisClient).redis.smembers(ONLINE);
      expect(members).toContain(`${ws.workspaceId}:${agent.id}`);
    });
  };
  const offline = (agent: { id: string }) => {
    sockets.get(agent.id)?.close();
    sockets.delete(agent.id);
  };
  const team = async (body: object) => {
    const res = await ws.http.post('/api/v1/teams', body);
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  /** Router assignments (an event by no agent naming the assignee) per conversation. */
  const routerAssignments = async (channelId: string) => {
    const rows: { conversation_id: string; assignments: number }[] = await api.db.query(
      `SELECT e.conversation_id, count(*)::int AS assignments FROM event e JOIN conversation c ON c.id = e.conversation_id
        WHERE c.channel_id = $1 AND e.type = 'conversation.updated' AND e.payload->>'actor_id' IS NULL
          AND e.payload->'changes' ? 'assignee'
        GROUP BY e.conversation_id`,
      [channelId],
    );
    return rows;
  };

  /** Waits until the routing reader has handled every event of the workspace written so far. */
  const routerCaughtUp = () =>
    eventually(async () => {
      const [{ behind }] = await api.db.query(
        `SELECT w.last_seq - coalesce(c.seq, 0) AS behind FROM workspace w
           LEFT JOIN event_reader_cursor c ON c.workspace_id = w.id AND c.reader = 'routing' WHERE w.id = $1`,
        [ws.workspaceId],
      );
      expect(Number(behind)).toBe(0);
    }, 15000);

  beforeAll(async () => {
    // A short grace period, so the test of it waits seconds, not the default minute.
    environment = await freshEnvironment({ ROUTING_OFFLINE_GRACE_SECONDS: String(GRACE_SECONDS) });
    api = await startApi(environment);
    ingest = await startIngest(environment);
    worker = await startWorker(environment);
    ws = await signupWorkspace(api);
  });
  afterAll(async () => {
    for (const socket of sockets.values()) socket.close();
    await worker.close();
    await ingest.close();
    await api.close();
    await environment.close();
  });

  it('round robin shares 200 concurrent new conversations evenly among the online members, each assigned once, none to the offline one', async () => {
    const agents: Agent[] = [];
    for (let i = 0; i < 5; i++) agents.push(await addAgent(api, ws));
    const teamId = await team({
      name: 'Round robin',
      routing: 'round_robin',
      agent_ids: agents.map((a) => a.id),
    });
    for (const agent of agents.slice(0, 4)) await online(agent);
    const ch = await channel(teamId);

    await customersWrite(ch, newUsers(200));
    await eventually(async () => {
      const load = await loadOf(ch.id);
      expect(load.get(null) ?? 0).toBe(0);
      expect([...load.values()].reduce((a, b) => a + b, 0)).toBe(200);
    }, 30000);
    const load = await loadOf(ch.id);
    for (const agent of agents.slice(0, 4)) expect(load.get(agent.id)).toBe(50);
    expect(load.get(agents[4].id)).toBeUndefined();
    const assignments = await routerAssignments(ch.id);
    expect(assignments).toHaveLength(200);
    expect(assignments.every((a) => a.assignments === 1)).toBe(true);
    for (const agent of agents.slice(0, 4)) offline(agent);
    // Its wait for the 200 assignments alone may take the default 30 s on a busy machine.
  }, 60000);

  describe('by capacity', () => {
    let agents: Agent[];
    let teamId: string;
    let ch: { id: string; secret: string; botId: string };

    beforeAll(async () => {
      agents = [];
      for (let i = 0; i < 4; i++) agents.push(await addAgent(api, ws));
      teamId = await team({
        name: 'Capacity',
        routing: 'capacity',
        max_open_per_agent: 30,
        agent_ids: agents.map((a) => a.id),
      });
      ch = await channel(teamId);
    });

    it('fills the online members up to their maximum under 200 concurrent new conversations and queues the rest', async () => {
      for (const agent of agents.slice(0, 3)) await online(agent);
      await customersWrite(ch, newUsers(200));
      await eventually(async () => {
        const [{ count }] = await api.db.query(
          `SELECT count(*)::int AS count FROM conversation WHERE channel_id = $1`,
          [ch.id],
        );
        expect(count).toBe(200);
        const load = await loadOf(ch.id);
        expect(load.get(null)).toBe(110);
      }, 30000);
      const load = await loadOf(ch.id);
      for (const agent of agents.slice(0, 3)) expect(load.get(agent.id)).toBe(30);
      expect(load.get(agents[3].id)).toBeUndefined();
      expect((await routerAssignments(ch.id)).every((a) => a.assignments === 1)).toBe(true);
    });

    it('gives the queue to a member who comes online, and to one who frees capacity', async () => {
      await online(agents[3]);
      await eventually(async () => expect((await loadOf(ch.id)).get(agents[3].id)).toBe(30), 15000);
      const held = (await conversationsOf(ch.id)).filter((c) => c.assignee_id === agents[0].id).slice(0, 5);
      const resolved = await agents[0].http.post('/api/v1/conversations/bulk', {
        conversation_ids: held.map((c) => c.id),
        action: 'resolve',
      });
      expect(resolved.status).toBe(200);
      await eventually(async () => {
        const load = await loadOf(ch.id);
        expect(load.get(agents[0].id)).toBe(30);
        expect(load.get(null)).toBe(75);
      }, 15000);
    });

    it('moves the conversations of a member who goes away to the others with room, or back to the queue', async () => {
      // Room for some: two of agent 1's conversations resolved first.
      const ofOne = (await conversationsOf(ch.id)).filter((c) => c.assignee_id === agents[1].id);
      await ws.http.post('/api/v1/conversations/bulk', {
        conversation_ids: [ofOne[0].id],
        action: 'resolve',
      });
      await eventually(async () => expect((await loadOf(ch.id)).get(null)).toBe(74), 15000);
      const away = await agents[2].http.put('/api/v1/agents/me/availability', { availability: 'away' });
      expect(away.status).toBe(200);
      await eventually(async () => {
        const load = await loadOf(ch.id);
        expect(load.get(agents[2].id)).toBeUndefined();
        for (const agent of [agents[0], agents[1], agents[3]])
          expect(load.get(agent.id)).toBeLessThanOrEqual(30);
        expect(load.get(null)).toBe(74 + 30);
      }, 15000);
    });
  });

  it('gives a conversation its customer answers again back to its previous agent when online, and to another when not', async () => {
    const [first, second] = [await addAgent(api, ws), await addAgent(api, ws)];
    const teamId = await team({
      name: 'Returning',
      routing: 'round_robin',
      agent_ids: [first.id, second.id],
    });
    await online(first);
    const ch = await channel(teamId);
    const [user] = newUsers(1);
    await customersWrite(ch, [user]);
    let conversationId = '';
    await eventually(async () => {
      const [row] = await conversationsOf(ch.id);
      expect(row?.assignee_id).toBe(first.id);
      conversationId = row.id;
    }, 15000);
    await online(second);
    expect(
      (
        await first.http.patch(`/api/v1/message/conversation/${conversationId}/status/`, {
          status: 'resolved',
        })
      ).status,
    ).toBe(200);

    await customersWrite(ch, [user], 'Me again');
    await eventually(async () => {
      const [row] = await conversationsOf(ch.id);
      expect(row.status).toBe('open');
    }, 15000);
    // The reader has handled the reopening once its cursor has passed that event.
    await routerCaughtUp();
    expect((await conversationsOf(ch.id))[0].assignee_id).toBe(first.id);

    await first.http.patch(`/api/v1/message/conversation/${conversationId}/status/`, { status: 'resolved' });
    offline(first);
    await eventually(async () => {
      const members = await api.get(RedisClient).redis.smembers(ONLINE);
      expect(members).not.toContain(`${ws.workspaceId}:${first.id}`);
    });
    await customersWrite(ch, [user], 'And again');
    await eventually(
      async () => expect((await conversationsOf(ch.id))[0].assignee_id).toBe(second.id),
      15000,
    );
  });

  it('keeps an agent’s conversations through a dropped connection within the grace period, and hands them on once the agent stays offline', async () => {
    const [flaky, steady] = [await addAgent(api, ws), await addAgent(api, ws)];
    const teamId = await team({ name: 'Grace', routing: 'round_robin', agent_ids: [flaky.id, steady.id] });
    await online(flaky);
    const ch = await channel(teamId);
    await customersWrite(ch, newUsers(3));
    await eventually(async () => expect((await loadOf(ch.id)).get(flaky.id)).toBe(3), 15000);
    await online(steady);
    const redis = api.get(RedisClient).redis;
    const member = `${ws.workspaceId}:${flaky.id}`;

    // A reload: the socket drops, the router starts the grace period, the agent is back within it.
    offline(flaky);
    await eventually(async () => expect(await redis.zscore(LEAVING, member)).not.toBeNull(), 15000);
    expect((await loadOf(ch.id)).get(flaky.id)).toBe(3);
    await online(flaky);
    await eventually(async () => expect(await redis.zscore(LEAVING, member)).toBeNull(), 15000);
    await routerCaughtUp();
    expect((await loadOf(ch.id)).get(flaky.id)).toBe(3);
    expect((await loadOf(ch.id)).get(steady.id)).toBeUndefined();

    // Gone for good: once the grace period is over the conversations go to the member online.
    offline(flaky);
    await eventually(async () => expect(await redis.zscore(LEAVING, member)).not.toBeNull(), 15000);
    await eventually(async () => expect((await loadOf(ch.id)).get(steady.id)).toBe(3), (GRACE_SECONDS + 20) * 1000);
    expect((await loadOf(ch.id)).get(flaky.id)).toBeUndefined();
    offline(steady);
  });

  it('leaves a conversation with the agent a person chose, even offline, and routes one moved to the team without an agent', async () => {
    const [on, off] = [await addAgent(api, ws), await addAgent(api, ws)];
    const teamId = await team({ name: 'Manual', routing: 'round_robin', agent_ids: [on.id, off.id] });
    await online(on);
    const ch = await channel(teamId);
    await customersWrite(ch, newUsers(2));
    let rows: { id: string; assignee_id: string | null }[] = [];
    await eventually(async () => {
      rows = await conversationsOf(ch.id);
      expect(rows.filter((r) => r.assignee_id === on.id)).toHaveLength(2);
    }, 15000);

    const chosen = await ws.http.post(`/api/v1/conversations/${rows[0].id}/assign`, {
      agent_id: off.id,
      team_id: teamId,
    });
    expect(chosen.status).toBe(200);
    await routerCaughtUp();
    expect((await conversationsOf(ch.id)).find((r) => r.id === rows[0].id)?.assignee_id).toBe(off.id);

    const other = (await ws.http.post('/api/v1/teams', { name: 'Elsewhere' })).body.id as string;
    await ws.http.post(`/api/v1/conversations/${rows[1].id}/assign`, { team_id: other });
    const back = await ws.http.post(`/api/v1/conversations/${rows[1].id}/assign`, { team_id: teamId });
    expect(back.body.assignee).toBeNull();
    await eventually(
      async () =>
        expect((await conversationsOf(ch.id)).find((r) => r.id === rows[1].id)?.assignee_id).toBe(on.id),
      15000,
    );
  });
});
