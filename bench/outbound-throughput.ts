import { Queue, Worker } from 'bullmq';
import { Api } from 'grammy';
import { randomBytes } from 'node:crypto';
import { api, machine, signupAdmin, sleep, startStack, until } from './support/harness';
import { distribution, printLatency } from './support/report';

/**
 * Outbound relay throughput: REPLIES support replies, one per chat, across BOTS Telegram bots,
 * posted through the REST route; measured from the first request to the last reply marked
 * `sent`. Beside it, same run: the same number of sendMessage calls made directly with grammy
 * against the same simulator, CONCURRENCY at a time (the worker's outbound concurrency); and
 * the queue alone: REPLIES no-op BullMQ jobs added one by one, CONCURRENCY adds at a time (as the
 * REST posts come), on the same Redis, taken by a Worker of the same concurrency that does
 * nothing — the floor of any design that sends through BullMQ (the target: Parley ≥ 50% of it).
 * The two ceilings printed beside it bound any reply path that makes the platform call: the direct
 * grammy calls' rate, and Telegram's 30 messages/s per bot.
 * Parley also keeps Telegram's limits (1 msg/s per chat, 30/s per bot), which caps it at
 * 30 × BOTS replies/s here by design.
 */
const REPLIES = Number(process.env.REPLIES ?? 1000);
const BOTS = Number(process.env.BOTS ?? 20);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);

async function parley() {
  const stack = await startStack(['api', 'worker']);
  try {
    const admin = await signupAdmin(stack.api);
    const token: string = admin.access_token;
    const workspaceId: string = admin.workspace.id;
    const channels: string[] = [];
    for (let b = 0; b < BOTS; b++) {
      channels.push(
        (
          await api(
            stack.api,
            'POST',
            '/api/v1/channels',
            { type: 'telegram', name: `bot ${b}`, bot_token: stack.simulator.newBotToken() },
            token,
          )
        ).id,
      );
    }
    // One conversation per reply, each with its customer's identity, spread over the bots.
    const { rows } = await stack.db.query(
      `WITH c AS (
         INSERT INTO contact (workspace_id, name) SELECT $1, 'Customer ' || g FROM generate_series(1, $2) g RETURNING id),
       numbered AS (SELECT id, row_number() OVER () AS n FROM c),
       ids AS (
         INSERT INTO contact_identity (workspace_id, contact_id, channel_id, platform_user_id)
         SELECT $1, id, ($3::uuid[])[1 + (n % $4)], (700000 + n)::text FROM numbered RETURNING contact_id, channel_id)
       INSERT INTO conversation (workspace_id, channel_id, contact_id, last_customer_message_at)
       SELECT $1, channel_id, contact_id, now() FROM ids RETURNING id`,
      [workspaceId, REPLIES, channels, BOTS],
    );
    const conversations = rows.map((r: { id: string }) => r.id as string);

    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < conversations.length) {
          const id = conversations[next++];
          await api(
            stack.api,
            'POST',
            `/api/v1/message/conversation/${id}/send-message/`,
            { content: `reply to ${id}`, type: 'support' },
            token,
          );
        }
      }),
    );
    const posted = performance.now();
    const done = await until(async () => {
      const {
        rows: [r],
      } = await stack.db.query(`SELECT count(*)::int AS n FROM message WHERE status = 'sent'`);
      return r.n >= REPLIES;
    }, 120000);
    const finished = performance.now();
    const {
      rows: [counts],
    } = await stack.db.query(
      `SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent, count(*) FILTER (WHERE status = 'failed')::int AS failed FROM message`,
    );
    const { rows: lat } = await stack.db.query(
      `SELECT extract(epoch FROM (e.created_at - m.created_at)) * 1000 AS ms
         FROM message m JOIN event e ON e.type = 'message.status' AND e.payload->>'message_id' = m.id::text AND e.payload->>'status' = 'sent'`,
    );
    const accepted = stack.simulator.sent('telegram').length;
    console.log(
      `Parley: ${counts.sent} sent, ${counts.failed} failed, ${accepted} accepted by the platform${done ? '' : ' (timed out)'}`,
    );
    return {
      seconds: (finished - started) / 1000,
      postSeconds: (posted - started) / 1000,
      latencies: lat.map((r: { ms: string }) => Number(r.ms)),
      simulatorUrl: '',
    };
  } finally {
    await stack.stop();
  }
}

async function raw() {
  const { PlatformSimulator } = await import('../tools/simulator/simulator');
  const simulator = await new PlatformSimulator().start();
  try {
    const tokens = Array.from({ length: BOTS }, () => simulator.newBotToken());
    const apis = tokens.map((t) => new Api(t, { apiRoot: simulator.url }));
    const latencies: number[] = [];
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < REPLIES) {
          const i = next++;
          const t0 = performance.now();
          await apis[i % BOTS].sendMessage(700000 + i, `reply ${i}`);
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(`raw grammy: ${simulator.sent('telegram').length} accepted by the platform`);
    return { seconds, latencies };
  } finally {
    await simulator.stop();
  }
}

/** REPLIES no-op jobs through one queue and a Worker of CONCURRENCY, from the first add to the last done. */
async function bullmqNoop() {
  const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const connection = { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
  const prefix = `pbench:noop-${randomBytes(4).toString('hex')}:bull`;
  const queue = new Queue('outbound', { prefix, connection });
  let done = 0;
  const worker = new Worker('outbound', async () => undefined, {
    prefix,
    connection,
    concurrency: CONCURRENCY,
  });
  worker.on('completed', () => void done++);
  await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
  try {
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < REPLIES) {
          const i = next++;
          // Parley's options for a send job: its id, retries, and completed jobs kept a day.
          await queue.add(
            'send',
            { messageId: `m${i}`, workspaceId: 'w' },
            {
              jobId: `m${i}`,
              attempts: 8,
              removeOnComplete: { age: 24 * 3600 },
              removeOnFail: { age: 7 * 24 * 3600 },
            },
          );
        }
      }),
    );
    const complete = await until(() => done >= REPLIES, 120000, 5);
    const seconds = (performance.now() - started) / 1000;
    console.log(`no-op BullMQ: ${done} of ${REPLIES} jobs done${complete ? '' : ' (timed out)'}`);
    return { seconds };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

async function main() {
  console.log(
    `outbound: ${REPLIES} replies to ${REPLIES} chats over ${BOTS} bots, ${CONCURRENCY} at a time; ${machine()}`,
  );
  console.log(
    'Parley: REST send-message → Postgres (sending) → BullMQ outbound → worker (limits, grammy) → simulator → Postgres (sent)',
  );
  const p = await parley();
  await sleep(500);
  const r = await raw();
  await sleep(500);
  const q = await bullmqNoop();
  const pRate = REPLIES / p.seconds;
  const rRate = REPLIES / r.seconds;
  const qRate = REPLIES / q.seconds;
  console.log('\nthroughput');
  console.log(`${''.padEnd(22)}${'Parley'.padStart(12)}${'raw grammy'.padStart(14)}${'ratio'.padStart(10)}`);
  console.log(
    `${'replies/s'.padEnd(22)}${pRate.toFixed(1).padStart(12)}${rRate.toFixed(1).padStart(14)}${((pRate / rRate).toFixed(2) + '×').padStart(10)}`,
  );
  console.log(
    `${'wall time s'.padEnd(22)}${p.seconds.toFixed(2).padStart(12)}${r.seconds.toFixed(2).padStart(14)}`,
  );
  console.log(`${'of which posting s'.padEnd(22)}${p.postSeconds.toFixed(2).padStart(12)}`);
  console.log(`\nagainst the queue alone (target: Parley ≥ 50% of it)`);
  console.log(
    `${''.padEnd(22)}${'Parley'.padStart(12)}${'no-op BullMQ'.padStart(14)}${'ratio'.padStart(10)}`,
  );
  console.log(
    `${'replies (jobs)/s'.padEnd(22)}${pRate.toFixed(1).padStart(12)}${qRate.toFixed(1).padStart(14)}${(((100 * pRate) / qRate).toFixed(1) + '%').padStart(10)}`,
  );
  console.log(
    `${'wall time s'.padEnd(22)}${p.seconds.toFixed(2).padStart(12)}${q.seconds.toFixed(2).padStart(14)}`,
  );
  // Every reply makes one platform call: the direct calls' rate bounds any reply path on this machine.
  console.log(
    `${'ceiling: raw grammy'.padEnd(22)}${''.padStart(12)}${rRate.toFixed(1).padStart(14)}${(((100 * rRate) / qRate).toFixed(1) + '%').padStart(10)}`,
  );
  console.log(
    `${'ceiling: bots × 30/s'.padEnd(22)}${''.padStart(12)}${(BOTS * 30).toFixed(1).padStart(14)}${(((100 * BOTS * 30) / qRate).toFixed(1) + '%').padStart(10)}`,
  );
  printLatency(
    'per reply: Parley stored → sent, raw: one sendMessage call',
    distribution(p.latencies),
    distribution(r.latencies),
    'raw grammy',
  );
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
