import { freshEnvironment, TestEnvironment } from './support/app';
import { launch, listeningPort, Running } from './support/processes';

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
  afterAll(() => {
    for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL');
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

  it('names every bad variable at once', async () => {
    const running = start('api', { REDIS_URL: 'localhost:6379', API_PORT: 'eighty' });
    expect(await running.exit).toBe(1);
    expect(running.stderr).toEqual([
      expect.stringMatching(/^parley-api: invalid configuration: REDIS_URL must be a URL/),
      expect.stringMatching(/^parley-api: invalid configuration: API_PORT /),
    ]);
  });

  it('api stops with a clear line when Postgres does not answer', async () => {
    const running = start('api', { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/parley' });
    expect(await running.exit).toBe(1);
    expect(running.stderr.join('\n')).toMatch(/^parley-api: cannot start: .*ECONNREFUSED/m);
  }, 30000);

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
});
