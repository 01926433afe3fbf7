import { ChildProcess, spawn } from 'node:child_process';
import jwt from 'jsonwebtoken';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import WebSocket from 'ws';
import { Client } from 'pg';
import { ensureDatabase, migrate } from '../../tools/db/prepare-database';
import { PlatformSimulator } from '../../tools/simulator/simulator';

const ROOT = join(__dirname, '..', '..', '..');
const SERVER = process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export type AppName = 'api' | 'ingest' | 'worker';

export interface Stack {
  env: Record<string, string>;
  simulator: PlatformSimulator;
  /** The first api instance. */
  api: string;
  /** Every api instance started, in order (one per 'api' in the list given to startStack). */
  apis: string[];
  ingest: string;
  db: Client;
  stop(): Promise<void>;
}

/**
 * A whole Parley on this machine for one bench run: its own database and Redis prefix, the built
 * api/ingest/worker as real processes, and the platform simulator. Everything is removed at stop().
 * An app named twice runs twice on the same database and Redis prefix (`['api', 'api']`: two api
 * instances, as behind a load balancer), each on a port of its own.
 */
export async function startStack(apps: AppName[], extra: Record<string, string> = {}): Promise<Stack> {
  const id = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const databaseUrl = `${SERVER}/parley_bench_${id}`;
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl);
  const ports = { api: await freePort(), ingest: await freePort(), worker: await freePort() };
  const simulator = await new PlatformSimulator({
    instagramWebhookUrl: `http://127.0.0.1:${ports.ingest}/webhooks/instagram`,
    instagramAppSecret: 'bench-app-secret',
  }).start();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    JWT_SECRET: randomBytes(24).toString('hex'),
    ENCRYPTION_KEY: randomBytes(24).toString('hex'),
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    REDIS_PREFIX: `pbench:${id}:`,
    PUBLIC_URL: `http://127.0.0.1:${ports.ingest}`,
    API_PORT: String(ports.api),
    INGEST_PORT: String(ports.ingest),
    WORKER_PORT: String(ports.worker),
    TELEGRAM_API_ROOT: simulator.url,
    INSTAGRAM_API_URL: simulator.url,
    INSTAGRAM_APP_SECRET: 'bench-app-secret',
    MEDIA_DIR: mkdtempSync(join(tmpdir(), 'parley-bench-media-')),
    LOG_LEVEL: 'warn',
    // A bench measures throughput, not the per-agent message budget (a few agents send thousands).
    ENABLE_RATE_LIMITING: 'false',
    ...extra,
  };
  const children: ChildProcess[] = [];
  const apis: string[] = [];
  for (const [index, app] of apps.entries()) {
    const port = apps.indexOf(app) === index ? ports[app] : await freePort();
    if (app === 'api') apis.push(`http://127.0.0.1:${port}`);
    // BENCH_CPU_PROF=ingest,api writes a V8 CPU profile of those apps into BENCH_CPU_PROF_DIR.
    const profiled = (process.env.BENCH_CPU_PROF ?? '').split(',').includes(app);
    const profile = profiled
      ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF_DIR ?? join(tmpdir(), 'parley-profiles')]
      : [];
    const child = spawn(process.execPath, [...profile, join(ROOT, 'dist', 'apps', app, 'src', 'main.js')], {
      env: { ...env, [`${app.toUpperCase()}_PORT`]: String(port) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    await waitReady(`http://127.0.0.1:${port}/readyz`);
  }
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  return {
    env,
    simulator,
    api: `http://127.0.0.1:${ports.api}`,
    apis,
    ingest: `http://127.0.0.1:${ports.ingest}`,
    db,
    async stop() {
      for (const child of children) child.kill('SIGTERM');
      await Promise.all(
        children.map(
          (c) => new Promise((resolve) => (c.exitCode !== null ? resolve(null) : c.once('exit', resolve))),
        ),
      );
      await db.end();
      await simulator.stop();
      const admin = new Client({ connectionString: `${SERVER}/postgres` });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "parley_bench_${id}" WITH (FORCE)`);
      await admin.end();
      const redis = new Redis(REDIS_URL);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `pbench:${id}:*`, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      redis.disconnect();
    },
  };
}

async function waitReady(url: string, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`);
}

export async function api<T = any>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await response.json().catch(() => null)) as T;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` is true, or gives up after `timeoutMs`; checks every `everyMs`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 20,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return check();
}

/** The machine, and how busy it already is (other work on the same cores skews every figure). */
export const machine = () =>
  `${cpus().length} cores (${cpus()[0]?.model.trim()}), node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`;

/** Signs up a fresh workspace and returns its admin session. */
export function signupAdmin(base: string) {
  return api(base, 'POST', '/api/v1/auth/signup', {
    workspace_name: 'Bench',
    name: 'Bench Admin',
    email: `bench-${randomBytes(8).toString('hex')}@example.test`,
    password: 'bench password 123',
  });
}

/** A Telegram channel of the admin's workspace on a new simulator bot, with its webhook secret. */
export async function telegramChannel(
  stack: Stack,
  accessToken: string,
  name: string,
): Promise<{ id: string; external_id: string; secret: string }> {
  const channel = await api(
    stack.api,
    'POST',
    '/api/v1/channels',
    { type: 'telegram', name, bot_token: stack.simulator.newBotToken() },
    accessToken,
  );
  const {
    rows: [{ webhook_secret: secret }],
  } = await stack.db.query(`SELECT webhook_secret FROM channel WHERE id = $1`, [channel.id]);
  return { id: channel.id, external_id: channel.external_id, secret };
}

/** How many of a number comes from the environment, or `fallback`. */
export function setting(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number ≥ 0`);
  return value;
}

/** Agents of a workspace made straight in Postgres (a bench needs hundreds); returns their ids. */
export async function insertAgents(db: Client, workspaceId: string, count: number): Promise<string[]> {
  const { rows } = await db.query(
    `INSERT INTO agent (workspace_id, email, name, password_hash, role)
     SELECT $1, 'agent-' || g || '-' || $2 || '@example.test', 'Agent ' || g, 'x', 'agent'
       FROM generate_series(1, $3) g RETURNING id`,
    [workspaceId, randomBytes(8).toString('hex'), count],
  );
  return rows.map((r: { id: string }) => r.id);
}

/** An access token for a socket, signed as the api signs them (a sign-in of its own, version 0). */
export function accessToken(stack: Stack, agentId: string, workspaceId: string): string {
  return jwt.sign(
    { sub: agentId, wsp: workspaceId, role: 'agent', sid: randomUUID(), ver: 0 },
    stack.env.JWT_SECRET,
    { issuer: 'parley', audience: 'parley-agents', expiresIn: 3600 },
  );
}

/** Opens sockets 50 at a time, each resolved once its first frame of type `waitFor` arrives. */
export async function connectAll(urls: string[], waitFor: string): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < urls.length; i += 50) {
    sockets.push(
      ...(await Promise.all(
        urls.slice(i, i + 50).map(
          (url) =>
            new Promise<WebSocket>((resolve, reject) => {
              const socket = new WebSocket(url);
              const onMessage = (data: WebSocket.RawData) => {
                if (JSON.parse(data.toString()).type === waitFor) {
                  socket.off('message', onMessage);
                  resolve(socket);
                }
              };
              socket.on('message', onMessage);
              socket.once('error', reject);
            }),
        ),
      )),
    );
  }
  return sockets;
}
