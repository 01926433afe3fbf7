import { readFileSync } from 'node:fs';
import { freshEnvironment, TestEnvironment } from './support/app';
import { HttpClient } from './support/http';
import { launch, listeningPort, Running } from './support/processes';
import { eventually, WsClient } from './support/ws';

describe('the app processes', () => {
  let environment: TestEnvironment;
  const children: Running[] = [];
  const start = (app: 'api' | 'ingest' | 'worker', extra: Record<string, string> = {}) => {
    const running = launch(app, {
      ...environment.env,
      LOG_LEVEL: 'info',
      API_PORT: '0',
      INGEST_PORT: '0',
      WORKER_PORT: '0',
      ...extra,
    });
    children.push(running);
    return running;
  };

  beforeAll(async () => {
    environment = await freshEnvironment();
  });
  afterAll(async () => {
    for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL');
    await environment.close();
  });

  it.each(['api', 'ingest', 'worker'] as const)(
    '%s refuses a malformed DATABASE_URL with one clear line and exit code 1',
    async (app) => {
      const running = start(app, { DATABASE_URL: 'not-a-url' });
      expect(await running.exit).toBe(1);
      expect(running.stderr).toEqual([
        `parley-${app}: invalid configuration: DATABASE_URL must be a URL starting with postgres:// or postgresql://`,
      ]);
    },
  );

  it('the worker yields the CPU to ingest and the api: it runs at WORKER_NICE (5 by default)', async () => {
    /** The nice value of a process's main thread (field 19 of /proc/<pid>/stat, after the command). */
    const niceOf = (pid: number) =>
      Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[16]);
    const byDefault = start('worker');
    const asked = start('worker', { WORKER_NICE: '11' });
    const ingest = start('ingest');
    await Promise.all([byDefault, asked, ingest].map((running) => listeningPort(running)));
    expect(niceOf(byDefault.child.pid!)).toBe(5);
    expect(niceOf(asked.child.pid!)).toBe(11);
    expect(niceOf(ingest.child.pid!)).toBe(niceOf(process.pid));
    for (const running of [byDefault, asked, ingest]) running.child.kill('SIGTERM');
    await Promise.all([byDefault, asked, ingest].map((running) => running.exit));
  });

  it('names every bad variable at once', async () => {
    const running = start('api', { REDIS_URL: 'localhost:6379', API_PORT: 'eighty' });
    expect(await running.exit).toBe(1);
    expect(running.stderr).toEqual([
      expect.stringMatching(/^parley-api: invalid configuration: REDIS_URL must be a URL/),
      expect.stringMatching(/^parley-api: invalid configuration: API_PORT /),
    ]);
  });

  it('api waits for a Postgres that does not answer, saying why, and SIGTERM still stops it cleanly', async () => {
    const running = start('api', { DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:1/parley' });
    await eventually(() => expect(running.stdout.length).toBeGreaterThan(0), 20000);
    expect(JSON.parse(running.stdout[0])).toMatchObject({
      app: 'api',
      level: 40,
      msg: 'parley-api: waiting for Postgres at 127.0.0.1:1/parley (connection refused); retrying every 1 s',
    });
    expect(running.stdout.join('\n')).not.toContain('secret');
    expect(running.child.exitCode).toBeNull();
    running.child.kill('SIGTERM');
    expect(await running.exit).toBe(0);
    expect(running.stderr).toEqual([]);
  }, 30000);

  it('the seed refuses to create the demo workspace in production, in one line', async () => {
    const seed = launch('seed', {
      ...environment.env,
      NODE_ENV: 'production',
      JWT_SECRET: 'a production secret of at least thirty-two characters',
      ENCRYPTION_KEY: 'another production secret of thirty-two characters',
    });
    expect(await seed.exit).toBe(1);
    expect(seed.stderr).toEqual([
      'parley: the demo workspace is never seeded when NODE_ENV=production; sign up your own workspace (POST /api/v1/auth/signup)',
    ]);
    expect(seed.stdout).toEqual([]);
  });

  it.each(['api', 'ingest', 'worker'] as const)(
    '%s becomes ready, logs JSON lines, and exits 0 on SIGTERM',
    async (app) => {
      const running = start(app);
      const port = await listeningPort(running);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', postgres: 'up', redis: 'up' });
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      for (const line of running.stdout) expect(() => JSON.parse(line)).not.toThrow();
      expect(JSON.parse(running.stdout[0])).toMatchObject({ app, level: expect.any(Number) });

      running.child.kill('SIGTERM');
      expect(await running.exit).toBe(0);
    },
    30000,
  );

  it('ingest counts webhook deliveries on /metrics instead of a log line each, and logs other requests', async () => {
    const running = start('ingest');
    const url = `http://127.0.0.1:${await listeningPort(running)}`;
    const delivery = await fetch(`${url}/webhooks/telegram/6f1c8a1e-0000-4000-8000-000000000000`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"update_id": 1}',
    });
    expect(delivery.status).toBe(404);
    // A webhook answer carries no browser security headers (helmet's); other answers do.
    expect(delivery.headers.get('content-security-policy')).toBeNull();
    const other = await fetch(`${url}/not-a-webhook`);
    expect(other.status).toBe(404);
    expect(other.headers.get('x-content-type-options')).toBe('nosniff');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^parley_webhook_deliveries_total\{platform="telegram",status="404"\} 1$/m);

    running.child.kill('SIGTERM');
    expect(await running.exit).toBe(0);
    const logs = running.stdout.join('\n');
    expect(logs).toContain('"url":"/not-a-webhook"');
    expect(logs).not.toContain('"url":"/webhooks/');
  });

  it('never writes an access token into a log line, on REST or WebSocket handshakes', async () => {
    const running = start('api', { LOG_LEVEL: 'trace' });
    const url = `http://127.0.0.1:${await listeningPort(running)}`;
    const http = new HttpClient(url);
    const signup = await http.post('/api/v1/auth/signup', {
      workspace_name: 'Logs',
      name: 'Admin',
      email: `logs-${Date.now()}@example.test`,
      password: 'a long enough password',
    });
    const token: string = signup.body.access_token;
    expect((await http.as(token).get('/api/v1/conversations')).status).toBe(200);
    const socket = await WsClient.connect(url, '/ws/conversations/', { token });
    await socket.next((f) => f.type === 'ready');
    socket.close();
    await expect(
      WsClient.connect(url, '/ws/chat/6f1c8a1e-0000-4000-8000-000000000000/', { token }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(WsClient.connect(url, '/ws/notifications/', { token: `${token}x` })).rejects.toMatchObject({
      status: 401,
    });

    running.child.kill('SIGTERM');
    expect(await running.exit).toBe(0);
    const logs = [...running.stdout, ...running.stderr].join('\n');
    expect(logs).toContain('/api/v1/conversations');
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(signup.body.refresh_token);
  }, 30000);
});
