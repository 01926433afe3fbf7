import { ChildProcess, spawn } from 'node:child_process';
import { freshEnvironment, startApi, startIngest, TestApp, TestEnvironment } from './support/app';
import { signupWorkspace, Workspace } from './support/factories';
import { launch, listeningPort, Running } from './support/processes';
import { eventually } from './support/ws';
import { OutboundQueue } from '@parley/queue/outbound.queue';

/** A Redis of this file's own, so restarting it cannot disturb the other test files. */
class PrivateRedis {
  private process?: ChildProcess;
  constructor(readonly port: number) {}

  async start(): Promise<void> {
    this.process = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await eventually(async () => {
      const { default: Redis } = await import('ioredis');
      const probe = new Redis({
        port: this.port,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      try {
        await probe.connect();
        expect(await probe.ping()).toBe('PONG');
      } finally {
        probe.disconnect();
      }
    }, 10000);
  }

  /** Gone, with everything it held (no persistence, like a crashed cache). */
  async kill(): Promise<void> {
    const exited = new Promise((resolve) => this.process?.once('exit', resolve));
    this.process?.kill('SIGKILL');
    await exited;
  }
}

describe('recovery: a worker killed mid-job and Redis restarted mid-flight', () => {
  let environment: TestEnvironment;
  let redis: PrivateRedis;
  let api: TestApp;
  let ingest: TestApp;
  let ws: Workspace;
  const workers: Running[] = [];

  beforeAll(async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    redis = new PrivateRedis(port);
    await redis.start();
    environment = await freshEnvironment({ REDIS_URL: `redis://127.0.0.1:${port}` });
    api = await startApi(environment);
    ingest = await startIngest(environment);
    ws = await signupWorkspace(api);
  });
  afterAll(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await ingest.close();
    await api.close();
    await environment.close();
    await redis.kill();
  });

  const startWorkerProcess = async () => {
    const worker = launch('worker', { ...environment.env, WORKER_PORT: '0', LOG_LEVEL: 'info' });
    workers.push(worker);
    await listeningPort(worker);
    return worker;
  };

  it('delivers every reply exactly once after recovery', async () => {
    const sim = environment.simulator;
    const channel = await ws.http.post('/api/v1/channels', {
      type: 'telegram',
      name: 'bot',
      bot_token: sim.newBotToken(),
    });
    const conversations: string[] = [];
    // The worker stores the customers' messages too (ingest only records the deliveries).
    const first = await startWorkerProcess();
    for (let i = 0; i < 5; i++) {
      const from = { id: 90000 + i, first_name: `Customer ${i}` };
      await sim.postTelegramUpdate(
        channel.body.external_id,
        sim.telegramMessage(channel.body.external_id, from, { text: 'hi' }),
      );
    }
    await eventually(async () => {
      const rows = await api.db.query('SELECT id FROM conversation ORDER BY created_at');
      expect(rows).toHaveLength(5);
      conversations.splice(0, 5, ...rows.map((r: { id: string }) => r.id));
    });
    const send = (conversationId: string, content: string) =>
      ws.http.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
        content,
        type: 'support',
      });

    // 1. Replies in flight: the platform is slow, and the worker dies while it waits.
    sim.inject({ platform: 'telegram', method: 'sendMessage', times: 100, delayMs: 1500 });
    const texts: string[] = [];
    for (const [i, conversationId] of conversations.entries()) {
      texts.push(`before the crash ${i}`);
      expect((await send(conversationId, texts[texts.length - 1])).status).toBe(201);
    }
    const queue = api.get(OutboundQueue).queue;
    await eventually(async () => expect(await queue.getActiveCount()).toBeGreaterThan(0), 10000);
    first.child.kill('SIGKILL');
    await first.exit;
    // the platform saw those requests' senders vanish mid-call
    await eventually(() => expect(sim.calls.filter((c) => c.status === 499).length).toBeGreaterThan(0), 5000);

    // 2. Redis goes down and loses every queued job; replies stored meanwhile are still accepted.
    await redis.kill();
    for (const [i, conversationId] of conversations.entries()) {
      texts.push(`while Redis is down ${i}`);
      const res = await send(conversationId, texts[texts.length - 1]);
      expect(res.status).toBe(201);
      expect(res.body.status).toBe('sending');
    }

    // 3. Redis comes back empty, the platform is fast again, and a new worker starts.
    await redis.start();
    sim.clearFaults();
    await startWorkerProcess();

    await eventually(async () => {
      const rows: { status: string }[] = await api.db.query(
        `SELECT status FROM message WHERE type = 'support'`,
      );
      expect(rows).toHaveLength(10);
      expect(rows.every((r) => r.status === 'sent')).toBe(true);
    }, 45000);
    for (const text of texts) {
      const accepted = sim.calls.filter(
        (c) => c.method === 'sendMessage' && c.body.text === text && c.status === 200,
      );
      expect({ text, deliveries: accepted.length }).toEqual({ text, deliveries: 1 });
    }

    // A job for a reply that already has a platform id sends nothing.
    const [sent] = await api.db.query(`SELECT id, workspace_id FROM message WHERE type = 'support' LIMIT 1`);
    const before = sim.calls.length;
    await api.get(OutboundQueue).requeue({ messageId: sent.id, workspaceId: sent.workspace_id });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sim.calls.slice(before).filter((c) => c.method === 'sendMessage')).toHaveLength(0);
  }, 90000);
});
