import { freshEnvironment, startApi, TestApp, TestEnvironment } from './support/app';
import { signupWorkspace, Workspace } from './support/factories';
import { launch, listeningPort, Running } from './support/processes';

/**
 * Admins' blocked patterns run on RE2: a pattern that backtracks for ever in JavaScript cannot
 * stall ingest, and one RE2 cannot run is refused when it is set.
 */
/** A probe slower than this means the event loop stalled on the pattern, not that the machine was busy. */
const STALL_MS = 1000;

describe('blocked spam patterns', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let ingest: Running;
  let worker: Running;
  let ingestUrl: string;
  let workerUrl: string;
  let ws: Workspace;

  beforeAll(async () => {
    environment = await freshEnvironment();
    api = await startApi(environment);
    // Real processes: a stalled event loop there cannot stall the test runner's own timers. Ingest
    // records the delivery; the worker stores it, running the patterns.
    ingest = launch('ingest', { ...environment.env, LOG_LEVEL: 'info' });
    worker = launch('worker', { ...environment.env, WORKER_PORT: '0', LOG_LEVEL: 'info' });
    ingestUrl = `http://127.0.0.1:${await listeningPort(ingest)}`;
    workerUrl = `http://127.0.0.1:${await listeningPort(worker)}`;
    ws = await signupWorkspace(api);
  });
  afterAll(async () => {
    for (const app of [ingest, worker]) if (app.child.exitCode === null) app.child.kill('SIGKILL');
    await api.close();
    await environment.close();
  });

  /** Milliseconds until the app answers /healthz (at most 2 s, then the probe fails). */
  const healthzOf = async (url: string) => {
    const started = performance.now();
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    return performance.now() - started;
  };
  /** The slower of ingest's and the worker's answers to /healthz, asked at the same time. */
  const healthz = async () => Math.max(...(await Promise.all([ingestUrl, workerUrl].map(healthzOf))));

  it('the issue’s pattern and text: ingest and the worker keep answering /healthz (no stalled event loop), and the messages are stored', async () => {
    const set = await ws.http.patch('/api/v1/admin/security/policy', {
      spam: { patterns: ['(\\w|\\d)+$'] },
    });
    expect(set.status).toBe(200);
    const token = environment.simulator.newBotToken();
    const created = await ws.http.post('/api/v1/channels', {
      type: 'telegram',
      name: 'Bot',
      bot_token: token,
    });
    expect(created.status).toBe(201);
    const botId = token.split(':')[0];
    await healthz(); // opens the keep-alive connection the probes below reuse

    const texts = [`${'1'.repeat(34)}!`, `${'1'.repeat(60_000)}!`];
    let customer = 5100;
    /** Sends the text and probes /healthz until the worker stored it; the slowest probe. */
    const slowestProbeWhileStoring = async (text: string) => {
      const sim = environment.simulator;
      const from = { id: customer++ };
      const delivered = sim.postTelegramUpdate(botId, sim.telegramMessage(botId, from, { text }));
      const stored = async () =>
        (
          await api.db.query(`SELECT 1 FROM message WHERE channel_id = $1 AND external_id LIKE $2`, [
            created.body.id,
            `${from.id}:%`,
          ])
        ).length > 0;
      const probes: number[] = [];
      const deadline = Date.now() + 10_000;
      do probes.push(await healthz());
      while (!(await stored()) && Date.now() < deadline);
      expect(await delivered).toBe(200);
      expect(await stored()).toBe(true);
      return Math.max(...probes);
    };
    for (const text of texts) {
      // Each probe while the webhook is in flight is answered: no stalled event loop. A backtracking
      // engine spends minutes on these texts, so a second tells a stall from a busy machine (the
      // issue's 100 ms is a speed target, not a test's assertion: CI once saw 166 ms in all three
      // tries while other files ran beside this one). Up to three tries, and one must be clean.
      const tries: number[] = [];
      do tries.push(await slowestProbeWhileStoring(text));
      while (tries[tries.length - 1] >= STALL_MS && tries.length < 3);
      expect(Math.min(...tries)).toBeLessThan(STALL_MS);
    }

    const rows: { length: number; spam_reason: string | null }[] = await api.db.query(
      `SELECT DISTINCT length(content) AS length, spam_reason FROM message WHERE channel_id = $1 ORDER BY 1`,
      [created.body.id],
    );
    // RE2's verdict: the short text ends in "!", so no match. The long one is judged by its first
    // 4096 characters, which end in digits, so it matches.
    expect(rows).toEqual([
      { length: 35, spam_reason: null },
      { length: 60_001, spam_reason: expect.stringMatching(/blocked pattern/) },
    ]);
  }, 30000);

  it('refuses a pattern RE2 cannot run with validation_failed naming it and why, in en, fa and ar', async () => {
    const before = (await ws.http.get('/api/v1/admin/security/policy')).body.spam.patterns;
    const patch = { spam: { patterns: ['free\\s+crypto', '(a)\\1', 'buy(?=now)'] } };
    const en = await ws.http.patch('/api/v1/admin/security/policy', patch);
    expect([en.status, en.body.code]).toEqual([400, 'validation_failed']);
    expect(en.body.message).toContain(
      '"(a)\\1" cannot be used as a regular expression: unsupported escape (backreferences such as \\1 are not supported)',
    );
    expect(en.body.message).toContain('"buy(?=now)" cannot be used as a regular expression: lookahead');
    expect(en.body.details).toEqual([
      expect.objectContaining({ field: 'spam.patterns.1', pattern: '(a)\\1', reason: 'escape' }),
      expect.objectContaining({ field: 'spam.patterns.2', pattern: 'buy(?=now)', reason: 'lookaround' }),
    ]);
    const fa = await ws.http.patch('/api/v1/admin/security/policy', patch, { lang: 'fa' });
    expect(fa.body.message).toMatch(/^درخواست معتبر نیست: الگوی مسدود «\(a\)\\1» .*«buy\(\?=now\)»/);
    const ar = await ws.http.patch('/api/v1/admin/security/policy', patch, { lang: 'ar' });
    expect(ar.body.message).toMatch(
      /^الطلب غير صالح: لا يمكن استخدام النمط المحظور «\(a\)\\1» .*«buy\(\?=now\)»/,
    );
    // Nothing of a refused change is kept, and the limits on count and length still hold.
    expect((await ws.http.get('/api/v1/admin/security/policy')).body.spam.patterns).toEqual(before);
    const tooMany = await ws.http.patch('/api/v1/admin/security/policy', {
      spam: { patterns: Array.from({ length: 51 }, (_, i) => `p${i}`) },
    });
    expect([tooMany.status, tooMany.body.code]).toEqual([400, 'validation_failed']);
    const tooLong = await ws.http.patch('/api/v1/admin/security/policy', {
      spam: { patterns: ['x'.repeat(201)] },
    });
    expect([tooLong.status, tooLong.body.code]).toEqual([400, 'validation_failed']);
    const tooComplex = await ws.http.patch('/api/v1/admin/security/policy', {
      spam: { patterns: ['.{1000}'] },
    });
    expect(tooComplex.body.details).toEqual([expect.objectContaining({ reason: 'too_complex' })]);
    // Nested repetition backtracks in JavaScript but runs in linear time on RE2: accepted.
    const nested = await ws.http.patch('/api/v1/admin/security/policy', { spam: { patterns: ['(a+)+$'] } });
    expect([nested.status, nested.body.spam.patterns]).toEqual([200, ['(a+)+$']]);
  });
});
