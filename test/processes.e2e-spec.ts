import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freshEnvironment, TestEnvironment } from './support/app';

const ROOT = join(__dirname, '..');
const entry = (app: string) => join(ROOT, 'dist', 'apps', app, 'src', 'main.js');

interface Running {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exit: Promise<number | null>;
}

function launch(app: string, env: Record<string, string>): Running {
  if (!existsSync(entry(app))) throw new Error(`${entry(app)} is missing: run \`npm run build\` first (npm test does)`);
  const child = spawn(process.execPath, [entry(app)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const running: Running = {
    child,
    stdout: [],
    stderr: [],
    exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
  child.stdout!.on('data', (chunk: Buffer) => running.stdout.push(...chunk.toString().split('\n').filter(Boolean)));
  child.stderr!.on('data', (chunk: Buffer) => running.stderr.push(...chunk.toString().split('\n').filter(Boolean)));
  return running;
}

/** Waits, with a bound, for the process to log the port it listens on. */
async function listeningPort(running: Running, timeoutMs = 20000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const line of running.stdout) {
      const match = /listening on :(\d+)/.exec(line);
      if (match) return Number(match[1]);
    }
    if (running.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no listening line; stdout=${running.stdout.join('\n')} stderr=${running.stderr.join('\n')}`);
}

describe('the app processes', () => {
  let environment: TestEnvironment;
  const children: Running[] = [];
  const start = (app: string, extra: Record<string, string> = {}) => {
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

  it.each(['api', 'ingest', 'worker'])(
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

  it.each(['api', 'ingest', 'worker'])(
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
