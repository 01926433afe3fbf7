import { freePort, freshEnvironment, TestEnvironment } from './support/app';
import { HttpClient } from './support/http';
import { launch, Program, Running } from './support/processes';
import { TcpProxy } from './support/tcp-proxy';
import { eventually, WsClient } from './support/ws';

const APPS = ['api', 'ingest', 'worker'] as const;
type App = (typeof APPS)[number];
const DEMO = { DEMO_ADMIN_EMAIL: 'outage-admin@example.test', DEMO_ADMIN_PASSWORD: 'outage admin password' };

/**
 * The built processes, with Postgres and Redis behind proxies this file switches off and on (the
 * shared servers stay up for the other files): absent at start, gone while running, stalled.
 */
describe('Postgres and Redis absent at start, gone while running, or stalled', () => {
  let environment: TestEnvironment;
  let postgres: TcpProxy;
  let redis: TcpProxy;
  let env: Record<string, string>;
  let redisServer: { host: string; port: number };
  const ports = {} as Record<App, number>;
  const children: Running[] = [];

  const start = (program: Program, extra: Record<string, string> = {}) => {
    const running = launch(program, { ...env, ...extra });
    children.push(running);
    return running;
  };
  const url = (app: App) => `http://127.0.0.1:${ports[app]}`;
  const readyz = async (app: App) => {
    try {
      const response = await fetch(`${url(app)}/readyz`);
      return { status: response.status, body: await response.json() };
    } catch {
      return { status: 0, body: null };
    }
  };
  /** Every app's /readyz, asked at once (each may take its 2 s timeout while a dependency is away). */
  const readiness = async () =>
    Object.fromEntries(await Promise.all(APPS.map(async (app) => [app, await readyz(app)] as const)));
  const allReady = () =>
    eventually(async () => {
      const all = await readiness();
      for (const app of APPS) expect({ app, status: all[app].status }).toEqual({ app, status: 200 });
    }, 30000);
  const allNotReady = (body: { postgres: string; redis: string }) =>
    eventually(async () => {
      const all = await readiness();
      for (const app of APPS)
        expect({ app, ...all[app] }).toEqual({ app, status: 503, body: { status: 'not_ready', ...body } });
    }, 15000);
  const waitLines = (running: Running, dependency: string) =>
    [...running.stdout, ...running.stderr].filter((line) => line.includes(`waiting for ${dependency} at`));
  /** Still running, nothing on stderr, every stdout line a JSON log line below error level. */
  const expectHealthy = (app: App, running: Running) => {
    expect({ app, exitCode: running.child.exitCode }).toEqual({ app, exitCode: null });
    expect({ app, stderr: running.stderr }).toEqual({ app, stderr: [] });
    for (const line of running.stdout) {
      let level = 0;
      try {
        level = (JSON.parse(line) as { level: number }).level;
      } catch {
        throw new Error(`${app} printed a line that is not a log line: ${line}`);
      }
      expect({ app, line, error: level >= 50 }).toEqual({ app, line, error: false });
    }
  };
  const stop = async (apps: Record<App, Running>) => {
    for (const app of APPS) apps[app].child.kill('SIGTERM');
    for (const app of APPS) expect({ app, code: await apps[app].exit }).toEqual({ app, code: 0 });
  };

  /** The demo admin's session, a fresh Telegram channel, and a customer's conversation with a chat socket on it. */
  const conversationWithSocket = async (customerId: number) => {
    const login = await new HttpClient(url('api')).post('/api/v1/auth/login', {
      email: DEMO.DEMO_ADMIN_EMAIL,
      password: DEMO.DEMO_ADMIN_PASSWORD,
    });
    expect(login.status).toBe(200);
    const token: string = login.body.access_token;
    const http = new HttpClient(url('api')).as(token);
    const sim = environment.simulator;
    const channel = await http.post('/api/v1/channels', {
      type: 'telegram',
      name: `bot ${customerId}`,
      bot_token: sim.newBotToken(),
    });
    expect(channel.status).toBe(201);
    const botId: string = channel.body.external_id;
    const customer = { id: customerId, first_name: `Customer ${customerId}` };
    const write = (text: string) =>
      sim.postTelegramUpdate(botId, sim.telegramMessage(botId, customer, { text }));
    expect(await write('hello')).toBe(200);
    let conversationId = '';
    await eventually(async () => {
      const list = await http.get(`/api/v1/conversations?channel_id=${channel.body.id}`);
      const mine = list.body.data.find((c: { channel: { id: string } }) => c.channel.id === channel.body.id);
      expect(mine).toBeDefined();
      conversationId = mine.id;
    }, 10000);
    const chat = await WsClient.connect(url('api'), `/ws/chat/${conversationId}/`, { token });
    // Attached for good once its own agent is announced online (the last step of the handshake).
    await chat.next(
      (f) => f.type === 'user_presence' && f.user_id === login.body.agent.id && f.is_online,
      10000,
    );
    const reply = (content: string) =>
      http.post(`/api/v1/message/conversation/${conversationId}/send-message/`, { content, type: 'support' });
    const sentOnce = (content: string) =>
      eventually(async () => {
        const messages = await http.get(`/api/v1/conversations/${conversationId}/messages?limit=50`);
        const stored = messages.body.data.find((m: { content: string }) => m.content === content);
        expect(stored?.status).toBe('sent');
        expect(sim.sent('telegram', botId).filter((c) => c.body.text === content)).toHaveLength(1);
      }, 30000);
    return { write, reply, sentOnce, chat };
  };

  beforeAll(async () => {
    environment = await freshEnvironment();
    const database = new URL(environment.env.DATABASE_URL);
    const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    postgres = await new TcpProxy({ host: database.hostname, port: Number(database.port || 5432) }).start();
    redisServer = { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) };
    redis = await new TcpProxy(redisServer).start();
    database.port = String(postgres.port);
    ports.api = await freePort();
    ports.ingest = environment.ingestPort;
    ports.worker = await freePort();
    env = {
      ...environment.env,
      ...DEMO,
      DATABASE_URL: database.toString(),
      REDIS_URL: `redis://127.0.0.1:${redis.port}`,
      LOG_LEVEL: 'info',
      API_PORT: String(ports.api),
      INGEST_PORT: String(ports.ingest),
      WORKER_PORT: String(ports.worker),
    };
  });
  afterEach(() => {
    for (const { child } of children.splice(0))
      if (child.exitCode === null && !child.signalCode) child.kill('SIGKILL');
    postgres.restore();
    redis.restore();
  });
  afterAll(async () => {
    await postgres?.stop();
    await redis?.stop();
    await environment?.close();
  });

  it('api, ingest, worker and the seed wait for an absent Redis, saying so, and come up with it; what happens while it is away later is not lost', async () => {
    redis.down();
    const apps = { api: start('api'), ingest: start('ingest'), worker: start('worker') };
    const seed = start('seed');
    await eventually(() => {
      for (const [name, running] of Object.entries({ ...apps, seed }))
        expect({ name, lines: waitLines(running, 'Redis').length }).toEqual({ name, lines: 1 });
    }, 20000);
    expect(waitLines(apps.api, 'Redis')[0]).toMatch(
      /parley-api: waiting for Redis at 127\.0\.0\.1:\d+ \(connection reset\); retrying every 1 s/,
    );
    expect(waitLines(seed, 'Redis')[0]).toMatch(/^parley: seed: waiting for Redis at 127\.0\.0\.1:\d+ /);
    for (const running of [...Object.values(apps), seed]) expect(running.child.exitCode).toBeNull();

    redis.restore();
    expect(await seed.exit).toBe(0);
    expect(seed.stdout.join('\n')).toContain('Parley demo workspace is ready.');
    await allReady();

    // Now Redis goes away under running processes: a customer writes and an agent replies meanwhile.
    const { write, reply, sentOnce, chat } = await conversationWithSocket(70001);
    redis.down();
    await allNotReady({ postgres: 'up', redis: 'down' });
    expect(await write('written while Redis is away')).toBe(200);
    const answer = await reply('answered while Redis is away');
    expect(answer.status).toBe(201);
    expect(answer.body.status).toBe('sending');

    redis.restore();
    await allReady();
    const heard = await chat.next(
      (f) => f.type === 'chat_message' && f.message.content === 'written while Redis is away',
      20000,
    );
    expect(heard.message.type).toBe('customer');
    await sentOnce('answered while Redis is away');
    chat.close();

    for (const app of APPS) expectHealthy(app, apps[app]);
    expect(seed.stderr.filter((line) => !line.startsWith('parley: seed: '))).toEqual([]);
    await stop(apps);
  }, 120000);

  it('api, ingest, worker, the seed and prepare wait for an absent Postgres and come up with it; a Postgres that goes away and comes back is survived', async () => {
    postgres.down();
    const apps = { api: start('api'), ingest: start('ingest'), worker: start('worker') };
    const seed = start('seed');
    const prepare = start('prepare');
    await eventually(() => {
      for (const [name, running] of Object.entries({ ...apps, seed, prepare }))
        expect({ name, lines: waitLines(running, 'Postgres').length }).toEqual({ name, lines: 1 });
    }, 20000);
    expect(waitLines(apps.worker, 'Postgres')[0]).toMatch(
      /parley-worker: waiting for Postgres at 127\.0\.0\.1:\d+\/parley_test_\w+ \(connection reset\)/,
    );
    expect(waitLines(prepare, 'Postgres')[0]).toMatch(
      /^parley: prepare: waiting for Postgres at 127\.0\.0\.1:\d+\/postgres /,
    );
    for (const running of [...Object.values(apps), seed, prepare]) expect(running.child.exitCode).toBeNull();

    postgres.restore();
    expect(await prepare.exit).toBe(0);
    expect(prepare.stdout).toEqual(['database schema is up to date']);
    expect(await seed.exit).toBe(0);
    await allReady();

    const { write, reply, sentOnce, chat } = await conversationWithSocket(70002);
    postgres.down();
    await allNotReady({ postgres: 'down', redis: 'up' });
    postgres.restore();
    await allReady();
    expect(await write('written once Postgres is back')).toBe(200);
    await chat.next(
      (f) => f.type === 'chat_message' && f.message.content === 'written once Postgres is back',
      20000,
    );
    expect((await reply('answered once Postgres is back')).status).toBe(201);
    await sentOnce('answered once Postgres is back');
    chat.close();

    for (const app of APPS) expectHealthy(app, apps[app]);
    await stop(apps);
  }, 120000);

  it('the seed closes queues whose Redis answered the handshake and then stalled, and exits cleanly', async () => {
    // Seeded once, so the second run takes the fast path and closes its queues at once.
    const first = start('seed');
    expect(await first.exit).toBe(0);
    // Each BullMQ connection's second INFO (its version check, after ioredis' ready check) gets no
    // answer: the seed closes them while they are still starting.
    const stalling = await new TcpProxy(redisServer).start();
    stalling.stallRepliesAfter('info', 2);
    try {
      const seed = start('seed', { REDIS_URL: `redis://127.0.0.1:${stalling.port}` });
      const code = await seed.exit;
      expect({ code, stderr: seed.stderr }).toEqual({ code: 0, stderr: [] });
      expect(seed.stdout.join('\n')).toContain('Parley demo workspace is ready.');
    } finally {
      await stalling.stop();
    }
  }, 60000);
});
