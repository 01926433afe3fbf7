import { randomUUID } from 'node:crypto';
import { InboundMessageService } from '@parley/domain/services/inbound-message.service';
import { Metrics } from '@parley/runtime/metrics';
import {
  freshEnvironment,
  startApi,
  startIngest,
  startWorker,
  TestApp,
  TestEnvironment,
} from './support/app';
import { createChannel, signupWorkspace, storedMessage, Workspace } from './support/factories';
import { eventually, WsClient } from './support/ws';

/**
 * A storm of customer messages into one workspace is stored in batches: each message exactly once,
 * seqs without gaps in arrival order per conversation, every event a reader needs, and a bad one
 * failing alone.
 */
describe('inbound storm', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let ingest: TestApp;
  let worker: TestApp;
  let ws: Workspace;
  let channelId: string;
  let secret: string;
  let botId: string;

  beforeAll(async () => {
    environment = await freshEnvironment();
    api = await startApi(environment);
    ingest = await startIngest(environment);
    worker = await startWorker(environment);
    ws = await signupWorkspace(api);
    const channel = await createChannel(api, ws.workspaceId);
    channelId = channel.id;
    [{ webhook_secret: secret, external_id: botId }] = await api.db.query(
      'SELECT webhook_secret, external_id FROM channel WHERE id = $1',
      [channelId],
    );
  });
  afterAll(async () => {
    await worker.close();
    await ingest.close();
    await api.close();
    await environment.close();
  });

  const webhook = (update: object) =>
    fetch(`http://127.0.0.1:${environment.ingestPort}/webhooks/telegram/${channelId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
      body: JSON.stringify(update),
    }).then((r) => r.status);

  it('stores 600 concurrent webhooks from 150 customers exactly once, in batches, with gapless seqs and every event', async () => {
    const sim = environment.simulator;
    const list = await WsClient.connect(api.url, '/ws/conversations/', { token: ws.token });
    await list.next((f) => f.type === 'ready');
    const updates = Array.from({ length: 600 }, (_, i) => ({
      update_id: 900000 + i,
      ...sim.telegramMessage(
        botId,
        { id: 700000 + (i % 150), first_name: `Customer ${i % 150}` },
        { text: `storm ${i}` },
      ),
    }));
    // Every tenth delivered twice, at the same time: stored once.
    const deliveries = [...updates, ...updates.filter((_, i) => i % 10 === 0)];
    const statuses = await Promise.all(deliveries.map(webhook));
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    // Answered once recorded; the worker stores them right after.
    await eventually(async () => {
      const [{ waiting }] = await api.db.query(`SELECT count(*)::int AS waiting FROM inbound_update`);
      expect(waiting).toBe(0);
    }, 15000);
    const messages: { external_id: string; seq: string; conversation_id: string; content: string }[] =
      await api.db.query(
        `SELECT external_id, seq, conversation_id, content FROM message WHERE workspace_id = $1 AND type = 'customer'`,
        [ws.workspaceId],
      );
    expect(messages).toHaveLength(600);
    expect(new Set(messages.map((m) => m.external_id)).size).toBe(600);
    expect(new Set(messages.map((m) => m.conversation_id)).size).toBe(150);

    // The event log: gapless seqs, one message.created per message, one conversation.created per
    // conversation and before its first message.
    const events: { seq: number; type: string; conversation_id: string }[] = await api.db.query(
      `SELECT seq::int AS seq, type, conversation_id FROM event WHERE workspace_id = $1 ORDER BY seq`,
      [ws.workspaceId],
    );
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => events[0].seq + i));
    const [{ last_seq }] = await api.db.query('SELECT last_seq::int FROM workspace WHERE id = $1', [
      ws.workspaceId,
    ]);
    expect(events[events.length - 1].seq).toBe(last_seq);
    expect(events.filter((e) => e.type === 'message.created')).toHaveLength(600);
    const created = events.filter((e) => e.type === 'conversation.created');
    expect(created).toHaveLength(150);
    for (const c of created) {
      const first = events.find(
        (e) => e.type === 'message.created' && e.conversation_id === c.conversation_id,
      )!;
      expect(c.seq).toBeLessThan(first.seq);
    }
    // Batches happened: fewer transactions than messages is what keeps the storm from queueing.
    const [{ xacts }] = await api.db.query(
      `SELECT count(DISTINCT xmin::text)::int AS xacts FROM message WHERE workspace_id = $1`,
      [ws.workspaceId],
    );
    expect(xacts).toBeLessThan(600);

    // A live inbox hears of every conversation, and its unread counts (kept in memory by the api as
    // events arrive) end where Postgres counts them.
    await eventually(() => expect(list.ofType('conversation_created')).toHaveLength(150), 15000);
    const rest = await ws.http.get('/api/v1/conversations?limit=100');
    const restUnread = new Map<string, number>(
      rest.body.data.map((c: { id: string; unread_count: number }) => [c.id, c.unread_count]),
    );
    await eventually(() => {
      const lastSeen = new Map<string, number>();
      for (const frame of list.frames)
        if (frame.type === 'conversation_updated' || frame.type === 'conversation_created')
          lastSeen.set(frame.conversation.id, frame.conversation.unread_count);
      for (const [id, unread] of restUnread) expect([id, lastSeen.get(id)]).toEqual([id, unread]);
    }, 15000);
    list.close();
  }, 60000);

  it('a message that cannot be stored fails alone; the rest of its batch is stored', async () => {
    const inbound = api.get(InboundMessageService);
    const item = (n: number, channel = channelId) => ({
      workspaceId: ws.workspaceId,
      channelId: channel,
      platformUserId: `solo-${n}`,
      profile: { name: `Solo ${n}` },
      externalId: `solo:${n}:${randomUUID()}`,
      content: `alone ${n}`,
    });
    const outcomes = await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        inbound.receive(n === 3 ? item(n, randomUUID()) : item(n)).then(
          (r) => r.message.content,
          () => 'refused',
        ),
      ),
    );
    expect(outcomes).toEqual(['alone 1', 'alone 2', 'refused', 'alone 4', 'alone 5']);
  });

  it('answers a delivery once it is recorded; a worker started later stores it, in order, once', async () => {
    await worker.close();
    const sim = environment.simulator;
    const customer = { id: 880001, first_name: 'Late' };
    const updates = [1, 2, 3].map((n) => ({
      update_id: 880000 + n,
      ...sim.telegramMessage(botId, customer, { text: `while the worker was down ${n}` }),
    }));
    for (const update of updates) expect(await webhook(update)).toBe(200);
    // Redelivered by the platform (say, it did not hear the answer): recorded twice, stored once.
    expect(await webhook(updates[0])).toBe(200);
    const [{ waiting }] = await api.db.query(`SELECT count(*)::int AS waiting FROM inbound_update`);
    expect(waiting).toBe(4);

    worker = await startWorker(environment);
    await eventually(async () => {
      const [{ left }] = await api.db.query(`SELECT count(*)::int AS left FROM inbound_update`);
      expect(left).toBe(0);
    }, 15000);
    const stored: { content: string }[] = await api.db.query(
      `SELECT m.content FROM message m JOIN contact_identity i ON i.contact_id = m.sender_contact_id
        WHERE i.platform_user_id = $1 ORDER BY m.seq`,
      [String(customer.id)],
    );
    expect(stored.map((m) => m.content)).toEqual(updates.map((_, i) => `while the worker was down ${i + 1}`));
  });

  it('sets aside a recorded delivery the inbox cannot handle, after retries, without holding up the rest', async () => {
    const sim = environment.simulator;
    // A delivery for a channel id that passed ingest, whose channel row then vanished mid-way
    // (forced here: a platform name no adapter has, as an upgrade that dropped one would leave).
    await api.db.query(
      `INSERT INTO inbound_update (platform, channel_id, body, attempts) VALUES ('gone', $1, '{}', 7)`,
      [channelId],
    );
    const after = { update_id: 880100, ...sim.telegramMessage(botId, { id: 880002 }, { text: 'behind it' }) };
    expect(await webhook(after)).toBe(200);
    await eventually(async () => {
      const rows: { platform: string; failed_at: Date | null; last_error: string }[] = await api.db.query(
        `SELECT platform, failed_at, last_error FROM inbound_update`,
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].platform).toBe('gone');
      expect(rows[0].failed_at).not.toBeNull();
    }, 15000);
    await storedMessage(api, `880002:${after.message.message_id}`);
    await api.db.query(`DELETE FROM inbound_update`);
  });

  it('counts deliveries by platform and answer on /metrics, and what waits for the worker', async () => {
    const update = {
      update_id: 880200,
      ...environment.simulator.telegramMessage(botId, { id: 880003 }, { text: 'counted' }),
    };
    expect(await webhook(update)).toBe(200);
    const forged = await fetch(`http://127.0.0.1:${environment.ingestPort}/webhooks/telegram/${channelId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'wrong' },
      body: JSON.stringify(update),
    });
    expect(forged.status).toBe(403);
    const madeUp = await fetch(
      `http://127.0.0.1:${environment.ingestPort}/webhooks/made-up-${randomUUID()}/x`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      },
    );
    expect(madeUp.status).toBe(404);

    const metrics = await (await fetch(`http://127.0.0.1:${environment.ingestPort}/metrics`)).text();
    const count = (labels: string) =>
      Number(new RegExp(`^parley_webhook_deliveries_total\\{${labels}\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
    expect(count('platform="telegram",status="200"')).toBeGreaterThanOrEqual(600);
    expect(count('platform="telegram",status="403"')).toBe(1);
    // A made-up platform name is counted, never named.
    expect(count('platform="unknown",status="404"')).toBe(1);
    expect(metrics).not.toContain('made-up');
    expect(metrics).toMatch(/^parley_webhook_seconds_count\{platform="telegram"\} \d+$/m);

    await storedMessage(api, `880003:${update.message.message_id}`);
    const workerMetrics = await worker.get(Metrics).registry.metrics();
    expect(workerMetrics).toMatch(/^parley_inbound_updates_waiting 0$/m);
    expect(workerMetrics).toMatch(/^parley_inbound_updates_processed_total [1-9]\d*$/m);
  });
});
