import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContactView } from '@parley/contract/views';
import { WEBHOOK_EVENT_TYPES } from '@parley/contract/webhooks';
import { WebhookDeliveryService } from '@parley/domain/webhooks/webhook-delivery.service';
import { WebhookUrlPolicy } from '@parley/domain/webhooks/webhook-url.policy';
import { freshEnvironment, startApi, startWorker, TestApp, TestEnvironment } from './support/app';
import { addAgent, createChannel, customerWrites, signupWorkspace, Workspace } from './support/factories';
import { eventually, WsClient } from './support/ws';

const BACKOFF_BASE_MS = 400;

interface Received {
  path: string;
  raw: string;
  body: {
    id: string;
    type: string;
    created_at: string;
    workspace_id: string;
    seq: number;
    replay: boolean;
    data: {
      message?: { id: string; conversation_id: string; content: string };
      contact?: ContactView;
    };
  };
  headers: IncomingMessage['headers'];
  at: number;
}

type Answer = { status: number; headers?: Record<string, string>; hold?: Promise<void> };

/** A real HTTP receiver: records every request; each path answers by its own rule (200 unless told). */
class Receiver {
  readonly received: Received[] = [];
  readonly rules = new Map<string, (r: Received, nth: number) => Answer>();
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const path = req.url ?? '/';
        const entry: Received = { path, raw, body: JSON.parse(raw), headers: req.headers, at: Date.now() };
        this.received.push(entry);
        const nth = this.received.filter((r) => r.path === path).length;
        const answer = this.rules.get(path)?.(entry, nth) ?? { status: 200 };
        const send = () => {
          res.writeHead(answer.status, answer.headers ?? {});
          res.end('ok');
        };
        if (answer.hold) void answer.hold.then(send);
        else send();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The README's verification snippets, run as a receiver would run them. */
const NODE_VERIFY = [
  "const [t, v1] = header.split(',').map((part) => part.split('=')[1]);",
  "const expected = crypto.createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex');",
  'const valid = crypto.timingSafeEqual(Buffer.from(v1), Buffer.from(expected)) && Math.abs(Date.now() / 1000 - t) < 300;',
];
const PYTHON_VERIFY = [
  "t, v1 = [part.split('=', 1)[1] for part in header.split(',')]",
  "expected = hmac.new(secret.encode(), f'{t}.'.encode() + raw_body, hashlib.sha256).hexdigest()",
  'valid = hmac.compare_digest(v1, expected) and abs(time.time() - int(t)) < 300',
];

/**
 * Runs the README's snippets in child processes, without blocking: the api under test runs in this
 * process, and an event loop held for seconds let its idle keep-alive sockets time out under the
 * test's next request (ECONNRESET on a busy machine).
 */
async function runSnippets(
  secret: string,
  header: string,
  rawBody: string,
): Promise<{ node: string; python: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-verify-'));
  const bodyFile = join(dir, 'body');
  writeFileSync(bodyFile, rawBody);
  const env = { ...process.env, SECRET: secret, HEADER: header, BODY_FILE: bodyFile };
  const run = promisify(execFile);
  const node = (
    await run(
      process.execPath,
      [
        '-e',
        [
          "const crypto = require('node:crypto');",
          'const secret = process.env.SECRET, header = process.env.HEADER;',
          "const rawBody = require('node:fs').readFileSync(process.env.BODY_FILE, 'utf8');",
          ...NODE_VERIFY,
          'console.log(String(valid));',
        ].join('\n'),
      ],
      { env },
    )
  ).stdout.trim();
  const python = (
    await run(
      'python3',
      [
        '-c',
        [
          'import hashlib, hmac, os, time',
          "secret, header = os.environ['SECRET'], os.environ['HEADER']",
          "raw_body = open(os.environ['BODY_FILE'], 'rb').read()",
          ...PYTHON_VERIFY,
          'print(str(valid).lower())',
        ].join('\n'),
      ],
      { env },
    )
  ).stdout.trim();
  return { node, python };
}

describe('event webhooks', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let worker: TestApp;
  let receiver: Receiver;
  let a: Workspace;
  let b: Workspace;
  let channelA: string;
  let channelB: string;

  beforeAll(async () => {
    environment = await freshEnvironment({
      // The test's receiver listens on loopback: the operator allows exactly that address.
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_RETRY_BASE_MS: String(BACKOFF_BASE_MS),
      WEBHOOK_RETRY_MAX_MS: '3000',
      WEBHOOK_POLL_MS: '100',
      WEBHOOK_TIMEOUT_MS: '8000',
      WEBHOOK_PAUSE_AFTER_FAILURES: '3',
      WEBHOOK_PAUSE_AFTER_HOURS: '0',
    });
    api = await startApi(environment);
    worker = await startWorker(environment);
    receiver = await new Receiver().start();
    a = await signupWorkspace(api);
    b = await signupWorkspace(api);
    channelA = (await createChannel(api, a.workspaceId)).id;
    channelB = (await createChannel(api, b.workspaceId)).id;
  });
  afterAll(async () => {
    await receiver.stop();
    await worker.close();
    await api.close();
    await environment.close();
  });

  const subscribe = async (
    workspace: Workspace,
    path: string,
    events = ['message.created'],
    secret?: string,
  ) => {
    const res = await workspace.http.post('/api/v1/webhooks', {
      url: `${receiver.url}${path}`,
      events,
      ...(secret ? { secret } : {}),
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; url: string; events: string[]; secret: string; state: string };
  };
  const writes = (workspace: Workspace, channel: string, userId: string, text: string) =>
    customerWrites(api, workspace.workspaceId, channel, { userId, text });
  const deliveriesOf = async (workspace: Workspace, id: string) =>
    (await workspace.http.get(`/api/v1/webhooks/${id}/deliveries`)).body.items as {
      id: string;
      seq: number;
      state: string;
      attempts: number;
      replay: boolean;
      last_status_code: number | null;
      last_error: string | null;
      next_attempt_at: string | null;
      attempt_log: {
        attempt: number;
        status_code: number | null;
        error: string | null;
        latency_ms: number;
      }[];
    }[];

  it('a delivery is the contract body, signed over its raw bytes, and the README snippets verify it', async () => {
    const hook = await subscribe(a, '/signed');
    expect(hook.secret).toMatch(/^whsec_/);
    expect((await a.http.get(`/api/v1/webhooks/${hook.id}`)).body.secret).toBeUndefined();
    await writes(a, channelA, 'signed-1', 'hello signed');
    await eventually(() => expect(receiver.at('/signed')).toHaveLength(1), 10000);
    const [got] = receiver.at('/signed');
    expect(got.body).toMatchObject({
      type: 'message.created',
      workspace_id: a.workspaceId,
      replay: false,
      data: { message: { content: 'hello signed' } },
    });
    const [stored] = await api.db.query(
      `SELECT id, seq::int AS seq FROM message WHERE content = 'hello signed'`,
    );
    expect(got.body.data.message).toMatchObject({ id: stored.id });
    expect(got.body.seq).toBe(stored.seq);
    expect(Object.keys(got.body).sort()).toEqual(
      ['created_at', 'data', 'id', 'replay', 'seq', 'type', 'workspace_id'].sort(),
    );
    expect(got.headers['parley-delivery-id']).toBe(got.body.id);
    const header = String(got.headers['parley-signature']);
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header) ?? [];
    expect(Math.abs(Number(t) - Date.now() / 1000)).toBeLessThan(60);
    expect(v1).toBe(createHmac('sha256', hook.secret).update(`${t}.${got.raw}`).digest('hex'));
    // The README's three lines of Node and of Python accept it, and refuse another secret or body.
    expect(await runSnippets(hook.secret, header, got.raw)).toEqual({ node: 'true', python: 'true' });
    expect(await runSnippets('whsec_wrong', header, got.raw)).toEqual({ node: 'false', python: 'false' });
    expect(await runSnippets(hook.secret, header, got.raw.replace('hello', 'hallo'))).toEqual({
      node: 'false',
      python: 'false',
    });
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    for (const line of [...NODE_VERIFY, ...PYTHON_VERIFY]) expect(readme).toContain(line);
  });

  it('a secret given at creation signs the deliveries; rotation answers a new one, once', async () => {
    const hook = await subscribe(a, '/own-secret', ['message.created'], 'my-own-secret-of-32-characters!!');
    expect(hook.secret).toBe('my-own-secret-of-32-characters!!');
    await writes(a, channelA, 'own-1', 'own secret');
    await eventually(() => expect(receiver.at('/own-secret')).toHaveLength(1), 10000);
    const [got] = receiver.at('/own-secret');
    const [, t] = /^t=(\d+)/.exec(String(got.headers['parley-signature'])) ?? [];
    expect(got.headers['parley-signature']).toContain(
      createHmac('sha256', hook.secret).update(`${t}.${got.raw}`).digest('hex'),
    );
    const rotated = await a.http.post(`/api/v1/webhooks/${hook.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    await writes(a, channelA, 'own-2', 'rotated');
    await eventually(() => expect(receiver.at('/own-secret')).toHaveLength(2), 10000);
    const second = receiver.at('/own-secret')[1];
    const [, t2] = /^t=(\d+)/.exec(String(second.headers['parley-signature'])) ?? [];
    expect(second.headers['parley-signature']).toContain(
      createHmac('sha256', rotated.body.secret).update(`${t2}.${second.raw}`).digest('hex'),
    );
  });

  it('a receiver answering 500 then 200 gets the event once successfully, retried after the backoff', async () => {
    receiver.rules.set('/flaky', (_r, nth) => ({ status: nth === 1 ? 500 : 200 }));
    const hook = await subscribe(a, '/flaky');
    await writes(a, channelA, 'flaky-1', 'retry me');
    await eventually(() => expect(receiver.at('/flaky')).toHaveLength(2), 15000);
    const [first, second] = receiver.at('/flaky');
    expect(second.body.id).toBe(first.body.id);
    expect(second.raw).toBe(first.raw);
    expect(second.at - first.at).toBeGreaterThanOrEqual(BACKOFF_BASE_MS);
    await eventually(async () => {
      const [delivery] = await deliveriesOf(a, hook.id);
      expect(delivery).toMatchObject({ state: 'succeeded', attempts: 2, last_status_code: 200 });
      expect(delivery.attempt_log.map((x) => [x.attempt, x.status_code])).toEqual([
        [2, 200],
        [1, 500],
      ]);
    });
    // Never retried after a 2xx.
    await writes(a, channelA, 'flaky-2', 'next one');
    await eventually(() => expect(receiver.at('/flaky')).toHaveLength(3), 10000);
    expect(new Set(receiver.at('/flaky').map((r) => r.body.id)).size).toBe(2);
  });

  it('a redirect is not followed: it is a failed attempt, retried, and the other address is never called', async () => {
    receiver.rules.set('/moved', (_r, nth) =>
      nth === 1 ? { status: 302, headers: { location: `${receiver.url}/elsewhere` } } : { status: 200 },
    );
    const hook = await subscribe(a, '/moved');
    await writes(a, channelA, 'moved-1', 'follow me');
    await eventually(async () => {
      const [delivery] = await deliveriesOf(a, hook.id);
      expect(delivery).toMatchObject({ state: 'succeeded', attempts: 2 });
      expect(delivery.attempt_log[1]).toMatchObject({
        status_code: 302,
        error: 'answered 302 (redirects are not followed)',
      });
    }, 10000);
    expect(receiver.at('/elsewhere')).toHaveLength(0);
  });

  it('a receiver that does not answer within WEBHOOK_TIMEOUT_MS fails the attempt, which is retried', async () => {
    let release!: () => void;
    const never = new Promise<void>((resolve) => (release = resolve));
    receiver.rules.set('/silent', (_r, nth) => (nth === 1 ? { status: 200, hold: never } : { status: 200 }));
    try {
      const hook = await subscribe(a, '/silent');
      await writes(a, channelA, 'silent-1', 'anyone there?');
      await eventually(async () => {
        const [delivery] = await deliveriesOf(a, hook.id);
        expect(delivery).toMatchObject({ state: 'succeeded', attempts: 2 });
        expect(delivery.attempt_log[1]).toMatchObject({
          status_code: null,
          error: 'timed out after 8000 ms',
        });
        expect(delivery.attempt_log[1].latency_ms).toBeGreaterThanOrEqual(8000);
      }, 20000);
    } finally {
      release();
    }
  });

  it('429 with Retry-After is honoured (seconds and HTTP date)', async () => {
    receiver.rules.set('/busy', (_r, nth) =>
      nth === 1
        ? { status: 429, headers: { 'retry-after': '2' } }
        : nth === 2
          ? { status: 429, headers: { 'retry-after': new Date(Date.now() + 2500).toUTCString() } }
          : { status: 200 },
    );
    await subscribe(a, '/busy');
    await writes(a, channelA, 'busy-1', 'slow down');
    await eventually(() => expect(receiver.at('/busy')).toHaveLength(3), 20000);
    const [first, second, third] = receiver.at('/busy');
    // The backoff alone would retry after 400–600 ms, then 800–1200 ms.
    expect(second.at - first.at).toBeGreaterThanOrEqual(2000);
    // An HTTP date has a one-second resolution.
    expect(third.at - second.at).toBeGreaterThanOrEqual(1400);
  });

  it("keeps each conversation's order, and a held conversation does not hold up the others", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    receiver.rules.set('/order', (r) =>
      r.body.data.message?.content === 'first of x' ? { status: 200, hold: held } : { status: 200 },
    );
    await subscribe(a, '/order');
    const contents = () => receiver.at('/order').map((r) => r.body.data.message?.content);
    await writes(a, channelA, 'order-x', 'first of x');
    await eventually(() => expect(contents()).toEqual(['first of x']), 10000);
    await writes(a, channelA, 'order-x', 'second of x');
    await writes(a, channelA, 'order-y', 'only of y');
    // Y's event goes out while X's first is still unanswered; X's second waits for it.
    await eventually(() => expect(contents()).toContain('only of y'), 10000);
    expect(contents()).not.toContain('second of x');
    // Several passes of the dispatcher (100 ms each) later it still waits.
    const passes = Date.now() + 600;
    await eventually(() => expect(Date.now()).toBeGreaterThan(passes), 2000);
    expect(contents()).not.toContain('second of x');
    release();
    await eventually(() => expect(contents()).toContain('second of x'), 10000);
    const order = contents();
    expect(order.indexOf('second of x')).toBeGreaterThan(order.indexOf('first of x'));
  });

  it('a delivery whose event is gone (its conversation deleted) is given up and no longer holds its conversation', async () => {
    receiver.rules.set('/gone', (_r, nth) => ({ status: nth === 1 ? 500 : 200 }));
    const hook = await subscribe(a, '/gone');
    await writes(a, channelA, 'gone-1', 'soon gone');
    await eventually(() => expect(receiver.at('/gone')).toHaveLength(1), 10000);
    const seq = receiver.at('/gone')[0].body.seq;
    await api.db.query(`DELETE FROM event WHERE workspace_id = $1 AND seq = $2`, [a.workspaceId, seq]);
    await eventually(async () => {
      const [delivery] = await deliveriesOf(a, hook.id);
      expect(delivery).toMatchObject({ state: 'failed', last_error: 'the event no longer exists' });
    }, 10000);
    expect(receiver.at('/gone')).toHaveLength(1);
    expect((await a.http.get(`/api/v1/webhooks/${hook.id}`)).body).toMatchObject({
      consecutive_failures: 1,
      pending_deliveries: 0,
    });
  });

  it('a subscription that keeps failing is paused and its admins are told on their notifications socket', async () => {
    const colleague = await addAgent(api, a, 'agent');
    const adminSocket = await WsClient.connect(api.url, '/ws/notifications/', { token: a.token });
    const agentSocket = await WsClient.connect(api.url, '/ws/notifications/', { token: colleague.token });
    try {
      receiver.rules.set('/broken', () => ({ status: 503 }));
      const hook = await subscribe(a, '/broken');
      await writes(a, channelA, 'broken-1', 'one');
      await writes(a, channelA, 'broken-2', 'two');
      const frame = await adminSocket.next(
        (f) => f.type === 'notification' && f.kind === 'webhook_paused' && f.webhook_id === hook.id,
        20000,
      );
      expect(frame.url).toBe(`${receiver.url}/broken`);
      expect(frame.reason).toMatch(/3 failed attempts in a row; last: answered 503/);
      const got = (await a.http.get(`/api/v1/webhooks/${hook.id}`)).body;
      // An attempt already in flight when it was paused may still add its failure.
      expect(got.state).toBe('paused');
      expect(got.consecutive_failures).toBeGreaterThanOrEqual(3);
      // The security event is recorded beside the notification, not before it.
      await eventually(async () => {
        const [security] = await api.db.query(
          `SELECT detail FROM security_event WHERE kind = 'webhook_paused' AND workspace_id = $1`,
          [a.workspaceId],
        );
        expect(security?.detail.webhook_id).toBe(hook.id);
      });
      // A paused subscription is not attempted; resuming sends what waits.
      const attempts = receiver.at('/broken').length;
      receiver.rules.set('/broken', () => ({ status: 200 }));
      await writes(a, channelA, 'broken-3', 'three');
      const later = Date.now() + 1000;
      await eventually(() => expect(Date.now()).toBeGreaterThan(later), 3000);
      expect(receiver.at('/broken')).toHaveLength(attempts);
      expect(agentSocket.frames.some((f) => f.kind === 'webhook_paused')).toBe(false);
      const resumed = await a.http.patch(`/api/v1/webhooks/${hook.id}`, { paused: false });
      expect(resumed.body).toMatchObject({ state: 'active', consecutive_failures: 0 });
      await eventually(async () => {
        const states = (await deliveriesOf(a, hook.id)).map((d) => d.state);
        expect(states).toEqual(['succeeded', 'succeeded']);
      }, 15000);
    } finally {
      adminSocket.close();
      agentSocket.close();
    }
  });

  it('an admin pauses and resumes by hand; a paused subscription gets no new deliveries', async () => {
    const hook = await subscribe(a, '/manual');
    const paused = await a.http.patch(`/api/v1/webhooks/${hook.id}`, { paused: true });
    expect(paused.body).toMatchObject({ state: 'paused', paused_reason: 'paused by an admin' });
    await writes(a, channelA, 'manual-1', 'while paused');
    const after = Date.now() + 800;
    await eventually(() => expect(Date.now()).toBeGreaterThan(after), 2000);
    expect(receiver.at('/manual')).toHaveLength(0);
    expect(await deliveriesOf(a, hook.id)).toHaveLength(0);
    await a.http.patch(`/api/v1/webhooks/${hook.id}`, { paused: false });
    await writes(a, channelA, 'manual-2', 'after resume');
    await eventually(() => expect(receiver.at('/manual')).toHaveLength(1), 10000);
    expect(receiver.at('/manual')[0].body.data.message?.content).toBe('after resume');
  });

  it('replay from a seq re-delivers exactly the matching events after it, in order, as replays', async () => {
    const hook = await subscribe(a, '/replay', ['message.created', 'conversation.created']);
    for (const text of ['r1', 'r2', 'r3']) await writes(a, channelA, `replay-${text}`, text);
    await eventually(() => expect(receiver.at('/replay').length).toBeGreaterThanOrEqual(6), 10000);
    const original = receiver.at('/replay');
    const seqs = original.map((r) => r.body.seq).sort((x, y) => x - y);
    const since = seqs[1];
    const expected = seqs.filter((s) => s > since);
    const res = await a.http.post(`/api/v1/webhooks/${hook.id}/replay`, { since_seq: since });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ queued: expected.length, to_seq: expected[expected.length - 1] });
    await eventually(
      () => expect(receiver.at('/replay').filter((r) => r.body.replay)).toHaveLength(expected.length),
      10000,
    );
    const replays = receiver.at('/replay').filter((r) => r.body.replay);
    expect(replays.map((r) => r.body.seq).sort((x, y) => x - y)).toEqual(expected);
    // In order within each conversation (conversations do not wait for one another).
    const conversationOf = (r: Received) =>
      (r.body.data as { conversation?: { id: string }; message?: { conversation_id: string } }).message
        ?.conversation_id ?? (r.body.data as { conversation?: { id: string } }).conversation?.id;
    for (const conversation of new Set(replays.map(conversationOf))) {
      const mine = replays.filter((r) => conversationOf(r) === conversation).map((r) => r.body.seq);
      expect(mine).toEqual([...mine].sort((x, y) => x - y));
    }
    const originalIds = new Set(original.map((r) => r.body.id));
    expect(replays.every((r) => !originalIds.has(r.body.id))).toBe(true);
    for (const r of replays) {
      const same = original.find((o) => o.body.seq === r.body.seq)!;
      expect(r.body.data).toEqual(same.body.data);
    }
    expect((await deliveriesOf(a, hook.id)).filter((d) => d.replay)).toHaveLength(expected.length);
    // From a time instead of a seq: the events written from then on.
    const [third] = await api.db.query(
      `SELECT seq::int AS seq, created_at FROM event WHERE workspace_id = $1 AND seq = $2`,
      [a.workspaceId, expected[expected.length - 1]],
    );
    const byTime = await a.http.post(`/api/v1/webhooks/${hook.id}/replay`, {
      since: (third.created_at as Date).toISOString(),
    });
    // Events of one transaction share their time: the seq replayed from is the last one written before it.
    const [before] = await api.db.query(
      `SELECT coalesce(max(seq), 0)::int AS seq FROM event WHERE workspace_id = $1 AND created_at < $2`,
      [a.workspaceId, third.created_at],
    );
    expect(byTime.body).toEqual({
      queued: seqs.filter((x) => x > before.seq).length,
      from_seq: before.seq,
      to_seq: third.seq,
    });
    const neither = await a.http.post(`/api/v1/webhooks/${hook.id}/replay`, {});
    expect([neither.status, neither.body.code]).toEqual([400, 'validation_failed']);
  });

  it('"send again" re-delivers one delivery, with its id', async () => {
    const hook = await subscribe(a, '/again');
    await writes(a, channelA, 'again-1', 'again');
    await eventually(async () => expect((await deliveriesOf(a, hook.id))[0]?.state).toBe('succeeded'), 10000);
    const [delivery] = await deliveriesOf(a, hook.id);
    const res = await a.http.post(`/api/v1/webhooks/${hook.id}/deliveries/${delivery.id}/retry`);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(delivery.id);
    await eventually(() => expect(receiver.at('/again')).toHaveLength(2), 10000);
    expect(receiver.at('/again').map((r) => r.body.id)).toEqual([delivery.id, delivery.id]);
    await eventually(async () =>
      expect((await deliveriesOf(a, hook.id))[0]).toMatchObject({ state: 'succeeded', attempts: 2 }),
    );
  });

  it('the log keeps WEBHOOK_LOG_DAYS: older attempts and finished deliveries are pruned, waiting ones never', async () => {
    receiver.rules.set('/prune-wait', () => ({ status: 500 }));
    const done = await subscribe(a, '/prune-done');
    const waiting = await subscribe(a, '/prune-wait');
    await writes(a, channelA, 'prune-1', 'old news');
    await eventually(async () => {
      expect((await deliveriesOf(a, done.id))[0]?.state).toBe('succeeded');
      expect((await deliveriesOf(a, waiting.id))[0]?.attempts).toBeGreaterThanOrEqual(1);
    }, 10000);
    await a.http.patch(`/api/v1/webhooks/${waiting.id}`, { paused: true });
    // Eight days pass for these rows.
    await api.db.query(
      `UPDATE webhook_delivery SET completed_at = completed_at - interval '8 days', created_at = created_at - interval '8 days'
        WHERE subscription_id = ANY($1)`,
      [[done.id, waiting.id]],
    );
    await api.db.query(
      `UPDATE webhook_attempt SET created_at = created_at - interval '8 days'
        WHERE delivery_id IN (SELECT id FROM webhook_delivery WHERE subscription_id = ANY($1))`,
      [[done.id, waiting.id]],
    );
    await worker.get(WebhookDeliveryService).prune();
    expect(await deliveriesOf(a, done.id)).toHaveLength(0);
    const [kept] = await deliveriesOf(a, waiting.id);
    expect(kept).toMatchObject({ state: 'pending' });
    expect(kept.attempt_log).toHaveLength(0);
  });

  it('the delivery log pages with a cursor', async () => {
    const hook = await subscribe(a, '/pages');
    for (const text of ['p1', 'p2', 'p3']) await writes(a, channelA, `pages-${text}`, text);
    await eventually(() => expect(receiver.at('/pages')).toHaveLength(3), 10000);
    const first = await a.http.get(`/api/v1/webhooks/${hook.id}/deliveries?limit=2`);
    expect(first.body.items).toHaveLength(2);
    const second = await a.http.get(
      `/api/v1/webhooks/${hook.id}/deliveries?limit=2&cursor=${first.body.next_cursor}`,
    );
    expect(second.body.items).toHaveLength(1);
    expect(second.body.next_cursor).toBeNull();
    const ids = [...first.body.items, ...second.body.items].map((d: { id: string }) => d.id);
    expect(new Set(ids).size).toBe(3);
    expect((await a.http.get(`/api/v1/webhooks/${hook.id}/deliveries?cursor=nonsense`)).body.code).toBe(
      'invalid_cursor',
    );
  });

  it.each([
    ['loopback not allowed by the operator', 'http://127.0.0.2/hook'],
    ['a private network', 'http://10.1.2.3/hook'],
    ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data'],
    ['IPv6 loopback', 'http://[::1]:8080/hook'],
    ['an IPv4-mapped IPv6 address', 'http://[::ffff:127.0.0.1]/hook'],
    ['CGNAT', 'http://100.64.0.1/hook'],
    ['a name resolving to loopback', 'http://localhost:8080/hook'],
  ])('refuses %s with webhook_url_refused (400)', async (_name, url) => {
    const res = await a.http.post('/api/v1/webhooks', { url, events: ['*'] }, { lang: 'fa' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('webhook_url_refused');
    expect(res.body.message).toContain('Parley');
    expect(res.body.message).toMatch(/[\u0600-\u06ff]/);
  });

  it('refuses bad URLs and unknown events with stable codes, and the operator-allowed address is accepted', async () => {
    const bad = async (body: object, code: string) => {
      const res = await a.http.post('/api/v1/webhooks', body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(code);
    };
    await bad({ url: 'ftp://example.com/x', events: ['*'] }, 'webhook_url_invalid');
    await bad({ url: 'not a url', events: ['*'] }, 'webhook_url_invalid');
    await bad({ url: 'http://user:pw@example.com/x', events: ['*'] }, 'webhook_url_invalid');
    await bad({ url: `${receiver.url}/x`, events: ['message.exploded'] }, 'webhook_events_invalid');
    await bad({ url: `${receiver.url}/x`, events: [] }, 'webhook_events_invalid');
    await bad({ url: `${receiver.url}/x`, events: 'message.created' }, 'validation_failed');
    await bad({ url: `${receiver.url}/x`, events: ['*'], secret: 'short' }, 'validation_failed');
    // 127.0.0.1 is in WEBHOOK_ALLOWED_HOSTS for this file.
    expect((await a.http.post('/api/v1/webhooks', { url: `${receiver.url}/ok`, events: ['*'] })).status).toBe(
      201,
    );
    // Changing the URL is checked the same way.
    const hook = await subscribe(a, '/patch-me');
    const patched = await a.http.patch(`/api/v1/webhooks/${hook.id}`, { url: 'http://192.168.1.1/x' });
    expect(patched.body.code).toBe('webhook_url_refused');
    const [refusal] = await api.db.query(
      `SELECT detail FROM security_event WHERE kind = 'webhook_url_refused' AND workspace_id = $1 LIMIT 1`,
      [a.workspaceId],
    );
    expect(refusal).toBeDefined();
  });

  it('a name that resolved to a public address when saved but to loopback at delivery is refused at connect', async () => {
    const publicAnswer = async () => [{ address: '93.184.216.34', family: 4 }];
    const port = new URL(receiver.url).port;
    const [apiPolicy, workerPolicy] = [api.get(WebhookUrlPolicy), worker.get(WebhookUrlPolicy)];
    const original = apiPolicy.resolve;
    apiPolicy.resolve = publicAnswer;
    // The worker's resolver now answers loopback, where the receiver listens.
    workerPolicy.resolve = async () => [{ address: '127.0.0.1', family: 4 }];
    try {
      const res = await a.http.post('/api/v1/webhooks', {
        url: `http://hooks.rebind.test:${port}/rebind`,
        events: ['message.created'],
      });
      expect(res.status).toBe(201);
      await writes(a, channelA, 'rebind-1', 'rebind');
      await eventually(async () => {
        const [delivery] = await deliveriesOf(a, res.body.id);
        expect(delivery?.last_error).toMatch(/refused: hooks\.rebind\.test resolved to a non-public address/);
      }, 10000);
      expect(receiver.at('/rebind')).toHaveLength(0);
    } finally {
      apiPolicy.resolve = original;
      workerPolicy.resolve = original;
    }
  });

  it('contact events: a first message creates the contact, new platform details and an edit update it, in order', async () => {
    const hook = await subscribe(a, '/contacts', ['contact.created', 'contact.updated']);
    // Each delivery once, in the order first received (a retry of a slow answer repeats its id).
    const delivered = () =>
      receiver.at('/contacts').filter((r, i, all) => all.findIndex((o) => o.body.id === r.body.id) === i);
    await writes(a, channelA, 'contact-1', 'first words');
    await eventually(() => expect(delivered()).toHaveLength(1), 20000);
    const created = delivered()[0].body;
    expect(created).toMatchObject({
      type: 'contact.created',
      data: {
        contact: {
          name: 'Customer contact-1',
          identities: [{ channel_id: channelA, platform_user_id: 'contact-1', unreachable: false }],
        },
      },
    });
    const contactId = created.data.contact!.id;
    // The same name again changes nothing; a new one is an update.
    await writes(a, channelA, 'contact-1', 'again');
    await customerWrites(api, a.workspaceId, channelA, { userId: 'contact-1', name: 'Renamed On Telegram' });
    const edited = await a.http.patch(`/api/v1/contacts/${contactId}`, { email: 'Buyer@Example.com' });
    expect(edited.status).toBe(200);
    // An edit that changes nothing is no event.
    expect((await a.http.patch(`/api/v1/contacts/${contactId}`, { email: 'buyer@example.com' })).status).toBe(
      200,
    );
    await eventually(() => expect(delivered()).toHaveLength(3), 20000);
    const bodies = delivered().map((r) => r.body);
    expect(bodies.map((b) => b.type)).toEqual(['contact.created', 'contact.updated', 'contact.updated']);
    expect(bodies.map((b) => b.seq)).toEqual([...bodies.map((b) => b.seq)].sort((x, y) => x - y));
    expect(bodies[1].data.contact).toMatchObject({ id: contactId, name: 'Renamed On Telegram', email: null });
    expect(bodies[2].data.contact).toMatchObject({
      id: contactId,
      name: 'Renamed On Telegram',
      email: 'buyer@example.com',
    });
    // Another workspace's customers are never its events.
    await writes(b, channelB, 'contact-b', 'elsewhere');
    await writes(a, channelA, 'contact-2', 'second customer');
    await eventually(() => expect(delivered()).toHaveLength(4), 20000);
    expect(delivered()[3].body.data.contact?.identities?.[0].platform_user_id).toBe('contact-2');
    // The last attempt is recorded once its answer is read, just after the receiver saw it.
    await eventually(
      async () => expect((await a.http.get(`/api/v1/webhooks/${hook.id}`)).body.pending_deliveries).toBe(0),
      10000,
    );
  }, 60000);

  it("tenant isolation: another workspace's subscription is 404 on every route and never hears its events", async () => {
    const hookA = await subscribe(a, '/tenant-a', ['*']);
    const hookB = await subscribe(b, '/tenant-b', ['*']);
    const base = `/api/v1/webhooks/${hookA.id}`;
    await writes(a, channelA, 'tenant-a-0', 'a first');
    await eventually(async () => expect(await deliveriesOf(a, hookA.id)).not.toHaveLength(0), 10000);
    const [deliveryA] = await deliveriesOf(a, hookA.id);
    const routes: [string, string, object?][] = [
      ['GET', base],
      ['PATCH', base, { paused: true }],
      ['DELETE', base],
      ['POST', `${base}/rotate-secret`],
      ['GET', `${base}/deliveries`],
      ['POST', `${base}/deliveries/${deliveryA.id}/retry`],
      ['POST', `${base}/replay`, { since_seq: 0 }],
    ];
    for (const [method, path, body] of routes) {
      const res = await b.http.request(method, path, body);
      expect([method, path, res.status, res.body.code]).toEqual([method, path, 404, 'not_found']);
    }
    // B's own subscription cannot retry A's delivery either.
    const crossed = await b.http.post(`/api/v1/webhooks/${hookB.id}/deliveries/${deliveryA.id}/retry`);
    expect(crossed.status).toBe(404);
    expect((await b.http.get('/api/v1/webhooks')).body.map((h: { id: string }) => h.id)).toEqual([hookB.id]);
    await writes(b, channelB, 'tenant-b-1', 'b only');
    await writes(a, channelA, 'tenant-a-1', 'a only');
    await eventually(() => {
      expect(receiver.at('/tenant-a').length).toBeGreaterThan(0);
      expect(receiver.at('/tenant-b').length).toBeGreaterThan(0);
    }, 10000);
    expect(receiver.at('/tenant-a').every((r) => r.body.workspace_id === a.workspaceId)).toBe(true);
    expect(receiver.at('/tenant-b').every((r) => r.body.workspace_id === b.workspaceId)).toBe(true);
    // Each subscription gets exactly its own workspace's events since it was made, and nothing waits.
    for (const [workspace, hook, path] of [
      [a, hookA, '/tenant-a'],
      [b, hookB, '/tenant-b'],
    ] as const) {
      await eventually(async () => {
        const own: { seq: number }[] = await api.db.query(
          `SELECT e.seq::int AS seq FROM event e JOIN webhook_subscription s ON s.id = $2
            WHERE e.workspace_id = $1 AND e.seq > s.start_seq
              AND e.type = ANY($3::text[])
            ORDER BY e.seq`,
          [workspace.workspaceId, hook.id, WEBHOOK_EVENT_TYPES],
        );
        const got = receiver.at(path).map((r) => r.body.seq);
        expect([...new Set(got)].sort((x, y) => x - y)).toEqual(own.map((e) => e.seq));
        expect((await workspace.http.get(`/api/v1/webhooks/${hook.id}`)).body.pending_deliveries).toBe(0);
      }, 10000);
    }
    // A's subscription is untouched by B's attempts.
    expect((await a.http.get(base)).body.state).toBe('active');
  });

  it('OpenAPI documents every webhooks route', async () => {
    const doc = (await (await fetch(`${api.url}/api/docs-json`)).json()) as { paths: Record<string, object> };
    for (const path of [
      '/api/v1/webhooks',
      '/api/v1/webhooks/{id}',
      '/api/v1/webhooks/{id}/rotate-secret',
      '/api/v1/webhooks/{id}/deliveries',
      '/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry',
      '/api/v1/webhooks/{id}/replay',
    ])
      expect(Object.keys(doc.paths)).toContain(path);
  });

  it('only admins manage webhooks', async () => {
    const agent = await addAgent(api, a, 'agent');
    const res = await agent.http.get('/api/v1/webhooks');
    expect(res.status).toBe(403);
    expect(
      (await agent.http.post('/api/v1/webhooks', { url: `${receiver.url}/x`, events: ['*'] })).status,
    ).toBe(403);
  });

  it('a deleted subscription stops at once, retries included', async () => {
    receiver.rules.set('/deleted', () => ({ status: 500 }));
    const hook = await subscribe(a, '/deleted');
    const control = await subscribe(a, '/control');
    await writes(a, channelA, 'deleted-1', 'doomed');
    await eventually(() => expect(receiver.at('/deleted')).toHaveLength(1), 10000);
    expect((await a.http.delete(`/api/v1/webhooks/${hook.id}`)).status).toBe(204);
    expect((await a.http.get(`/api/v1/webhooks/${hook.id}`)).status).toBe(404);
    // Well past the first retry (400–600 ms), with newer events flowing to another subscription.
    await writes(a, channelA, 'deleted-2', 'after delete');
    await eventually(() => expect(receiver.at('/control')).toHaveLength(2), 10000);
    const after = Date.now() + 1500;
    await eventually(() => expect(Date.now()).toBeGreaterThan(after), 3000);
    expect(receiver.at('/deleted')).toHaveLength(1);
    expect(control.state).toBe('active');
  });

  it('two workers share the deliveries: each goes out once, in order per conversation, retries included', async () => {
    const second = await startWorker(environment);
    try {
      // The first messages of two conversations are refused once (two failures: below the pause threshold).
      receiver.rules.set('/shared', (r) =>
        /^s[12] #0$/.test(r.body.data.message?.content ?? '') &&
        receiver.at('/shared').filter((x) => x.body.id === r.body.id).length === 1
          ? { status: 500 }
          : { status: 200 },
      );
      const hook = await subscribe(a, '/shared');
      for (let i = 0; i < 4; i++)
        await Promise.all(
          ['s1', 's2', 's3', 's4', 's5'].map((user) =>
            writes(a, channelA, `shared-${user}`, `${user} #${i}`),
          ),
        );
      await eventually(async () => {
        const states = (await deliveriesOf(a, hook.id)).map((d) => d.state);
        expect(states).toHaveLength(20);
        expect(states.every((state) => state === 'succeeded')).toBe(true);
      }, 20000);
      const accepted = receiver.at('/shared');
      const ids = accepted.map((r) => r.body.id);
      // 20 deliveries, two of them twice (refused, then accepted): never a delivery twice beyond that.
      expect(ids).toHaveLength(22);
      expect(new Set(ids).size).toBe(20);
      for (const user of ['s1', 's2', 's3', 's4', 's5']) {
        const mine = accepted
          .map((r) => r.body.data.message?.content ?? '')
          .filter((content) => content.startsWith(`${user} `));
        const refusedOnce = user === 's1' || user === 's2' ? [`${user} #0`] : [];
        expect(mine).toEqual([...refusedOnce, `${user} #0`, `${user} #1`, `${user} #2`, `${user} #3`]);
      }
    } finally {
      await second.close();
    }
  });

  it("/metrics shows the webhooks reader's lag and the delivery counters", async () => {
    const text = async (app: TestApp) => (await fetch(`${app.url}/metrics`)).text();
    const workerMetrics = await text(worker);
    expect(workerMetrics).toMatch(/parley_outgoing_webhook_attempts_total\{outcome="success"\} [1-9]/);
    expect(workerMetrics).toMatch(/parley_outgoing_webhook_attempts_total\{outcome="failure"\} [1-9]/);
    expect(workerMetrics).toMatch(/parley_outgoing_webhook_pending \d+/);
    expect(workerMetrics).toMatch(/parley_outgoing_webhook_oldest_pending_seconds /);
    expect(workerMetrics).toMatch(/parley_event_reader_lag_events\{reader="webhooks"\} \d+/);
    // The admins' event-readers page lists it too.
    const readers = (await a.http.get('/api/v1/admin/event-readers')).body as { reader: string }[];
    expect(readers.map((r) => r.reader)).toContain('webhooks');
  });

  it('a worker restarted between an attempt and its retry finishes the delivery: the state is in Postgres', async () => {
    receiver.rules.set('/restart', (_r, nth) => ({ status: nth === 1 ? 500 : 200 }));
    const hook = await subscribe(a, '/restart');
    await writes(a, channelA, 'restart-1', 'survive me');
    await eventually(async () => expect((await deliveriesOf(a, hook.id))[0]?.attempts).toBe(1), 10000);
    await worker.close();
    worker = await startWorker(environment);
    await eventually(async () => {
      expect((await deliveriesOf(a, hook.id))[0]).toMatchObject({ state: 'succeeded', attempts: 2 });
    }, 10000);
    expect(receiver.at('/restart').map((r) => r.body.id)).toEqual([
      receiver.at('/restart')[0].body.id,
      receiver.at('/restart')[0].body.id,
    ]);
  });
});
