import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const ENTRIES = {
  api: 'dist/apps/api/src/main.js',
  ingest: 'dist/apps/ingest/src/main.js',
  worker: 'dist/apps/worker/src/main.js',
  seed: 'dist/tools/seed/seed.js',
  prepare: 'dist/tools/db/prepare.js',
  supervisor: 'dist/tools/supervisor/main.js',
} as const;
export type Program = keyof typeof ENTRIES;

export interface Running {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exit: Promise<number | null>;
}

function capture(child: ChildProcess): Running {
  const running: Running = {
    child,
    stdout: [],
    stderr: [],
    // null when a signal ended it; the signal is then child.signalCode.
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

/** Starts a built program (an app, the seed, prepare, the supervisor) as a real process with exactly `env`. */
export function launch(program: Program, env: Record<string, string>, args: string[] = []): Running {
  const entry = join(ROOT, ENTRIES[program]);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first (npm test does)`);
  return capture(
    spawn(process.execPath, [entry, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

/**
 * Runs `bash scripts/start.sh` (what `npm start` runs) in a process group of its own, as a
 * terminal would: `signalGroup` then reaches every process it started, like Ctrl-C does.
 */
export function launchStart(env: Record<string, string>): Running {
  return capture(
    spawn('bash', ['scripts/start.sh'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    }),
  );
}

/** Sends a signal to the whole process group of a `launchStart`; false when none of it is left. */
export function signalGroup(running: Running, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-running.child.pid!, signal);
    return true;
  } catch {
    return false;
  }
}

const setupCheck = (check: string) =>
  spawnSync('bash', ['-c', `. scripts/setup.sh && ${check}`], { cwd: ROOT, stdio: 'ignore' }).status === 0;

/**
 * What start.sh would otherwise do itself, under the feet of the other test files: rebuild dist/
 * (it is older than the sources) or reinstall node_modules (it does not match package-lock.json).
 */
export function startWouldRebuild(): string | null {
  if (!setupCheck('node_modules_current'))
    return 'node_modules does not match package-lock.json: run `npm ci`';
  if (!setupCheck('build_is_current'))
    return 'dist/ is older than the sources: run `npm run build` (npm test does)';
  return null;
}

/**
 * Waits, with a bound, for the process to log the port it listens on. The bound is generous: on a
 * 2-core machine running two test files, each with its browser and processes, a boot has taken
 * over 20 s.
 */
export async function listeningPort(running: Running, timeoutMs = 60000): Promise<number> {
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
