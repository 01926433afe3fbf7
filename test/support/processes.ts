import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const entry = (app: string) => join(ROOT, 'dist', 'apps', app, 'src', 'main.js');

export interface Running {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exit: Promise<number | null>;
}

/** Starts a built app (`dist/apps/<app>/src/main.js`) as a real process with exactly `env`. */
export function launch(app: 'api' | 'ingest' | 'worker', env: Record<string, string>): Running {
  if (!existsSync(entry(app)))
    throw new Error(`${entry(app)} is missing: run \`npm run build\` first (npm test does)`);
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
  child.stdout!.on('data', (chunk: Buffer) =>
    running.stdout.push(...chunk.toString().split('\n').filter(Boolean)),
  );
  child.stderr!.on('data', (chunk: Buffer) =>
    running.stderr.push(...chunk.toString().split('\n').filter(Boolean)),
  );
  return running;
}

/** Waits, with a bound, for the process to log the port it listens on. */
export async function listeningPort(running: Running, timeoutMs = 20000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const line of running.stdout) {
      const match = /listening on :(\d+)/.exec(line);
      if (match) return Number(match[1]);
    }
    if (running.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    `no listening line; stdout=${running.stdout.join('\n')} stderr=${running.stderr.join('\n')}`,
  );
}
