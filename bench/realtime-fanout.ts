import { randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { accessToken, connectAll, machine, signupAdmin, sleep, startStack, until } from './support/harness';
import { describeLoad, runLoad } from './support/load';
import { distribution, printLatency, printTable, Row } from './support/report';

/**
 * Realtime fan-out: SOCKETS agent sockets on one conversation; MESSAGES notes sent through the
 * REST route at RATE per second (each sent when due, at most CONNECTIONS in flight); latency =
 * receipt on each socket − the message's stored time (created_at, set by Postgres on insert).
 * Beside it, in the same run: a raw `ws` server broadcasting a frame of the same size to the same
 * number of sockets at the same rate. APIS=1,2 measures Parley with one api instance, then with
 * two on the same database and Redis prefix (sockets and REST calls alternate between them).
 * `npm run bench:fanout` is the issue's setting: 500 sockets, 100 messages/s, 1 vs 2 instances.
 */
const SOCKETS = Number(process.env.SOCKETS ?? 1000);
const PER_AGENT = Number(process.env.SOCKETS_PER_AGENT ?? 5);
const MESSAGES = Number(process.env.MESSAGES ?? 200);
const RATE = Number(process.env.RATE ?? 20);
const APIS = (process.env.APIS ?? '1').split(',').map(Number);
/** How long to wait after the last message for every socket to have it. */
const WAIT_SECONDS = Number(process.env.WAIT_SECONDS ?? 30);
/** Sends in flight at most (each sent when due, not after the previous answer). */
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 100);

interface Tally {
  latencies: number[];
  /** Per socket, its latencies: the target is on every socket's p99. */
  perSocket: number[][];
  received: Map<string, number>;
  /** Messages actually sent per second: a saturated REST route offers the fan-out less than RATE. */
  sentPerSecond: number;
}

const newTally = (): Tally => ({
  latencies: [],
  perSocket: Array.from({ length: SOCKETS }, () => []),
  received: new Map(),
  sentPerSecond: 0,
});

function listen(socket: WebSocket, tally: Tally, index: number): void {
  socket.on('message', (data) => {
    const at = Date.now();
    const frame = JSON.parse(data.toString()) as {
      type: string;
      message?: { id: string; created_at: string };
    };
    if (frame.type !== 'chat_message' || !frame.message) return;
    const latency = at - Date.parse(frame.message.created_at);
    tally.latencies.push(latency);
    tally.perSocket[index].push(latency);
    tally.received.set(frame.message.id, (tally.received.get(frame.message.id) ?? 0) + 1);
  });
}

/** The slowest socket's p99: every socket must stay within the target, not just the crowd. */
const worstSocketP99 = (tally: Tally) =>
  Math.max(...tally.perSocket.filter((l) => l.length).map((l) => distribution(l).p99));

const delivered = (tally: Tally) => [...tally.received.values()].reduce((a, b) => a + b, 0);

const summarize = (name: string, tally: Tally, messages: number) => {
  const expected = messages * SOCKETS;
  const received = [...tally.received.values()].reduce((a, b) => a + b, 0);
  const duplicates = [...tally.received.values()].filter((n) => n > SOCKETS).length;
  console.log(
    `${name}: deliveries ${received}/${expected}, messages delivered more than once per socket: ${duplicates}`,
  );
};

async function parley(instances: number): Promise<Tally> {
  const stack = await startStack(Array.from({ length: instances }, () => 'api' as const));
  try {
    const admin = await signupAdmin(stack.api);
    const workspaceId: string = admin.workspace.id;
    const agents = Math.ceil(SOCKETS / PER_AGENT);
    const { rows: agentRows } = await stack.db.query(
      `INSERT INTO agent (workspace_id, email, name, password_hash, role)
       SELECT $1, 'agent-' || g || '-' || $2 || '@example.test', 'Agent ' || g, 'x', 'agent' FROM generate_series(1, $3) g
       RETURNING id`,
      [workspaceId, randomUUID(), agents],
    );
    const {
      rows: [channel],
    } = await stack.db.query(
      `INSERT INTO channel (workspace_id, type, name, credentials_encrypted, webhook_secret) VALUES ($1, 'telegram', 'bench', 'x', 'x') RETURNING id`,
      [workspaceId],
    );
    const {
      rows: [contact],
    } = await stack.db.query(
      `INSERT INTO contact (workspace_id, name) VALUES ($1, 'Customer') RETURNING id`,
      [workspaceId],
    );
    const {
      rows: [conversation],
    } = await stack.db.query(
      `INSERT INTO conversation (workspace_id, channel_id, contact_id) VALUES ($1, $2, $3) RETURNING id`,
      [workspaceId, channel.id, contact.id],
    );
    const urls = Array.from({ length: SOCKETS }, (_, i) => {
      const agent = agentRows[Math.floor(i / PER_AGENT)].id as string;
      const base = stack.apis[i % instances].replace('http', 'ws');
      return `${base}/ws/chat/${conversation.id}/?token=${accessToken(stack, agent, workspaceId)}`;
    });
    const sockets = await connectAll(urls, 'recent_messages');
    const tally = newTally();
    sockets.forEach((socket, i) => listen(socket, tally, i));
    await sleep(500); // presence announcements settle

    const load = await runLoad({
      rate: RATE,
      seconds: MESSAGES / RATE,
      connections: CONNECTIONS,
      // Every message is sent, however far behind the api falls: the figure is the fan-out's.
      graceMs: Infinity,
      timeoutMs: 120000,
      request: (i) => ({
        url: `${stack.apis[i % instances]}/api/v1/message/conversation/${conversation.id}/send-message/`,
        body: JSON.stringify({ content: `bench message ${i} ${'x'.repeat(60)}`, type: 'note' }),
        headers: { authorization: `Bearer ${admin.access_token}` },
      }),
    });
    await until(() => delivered(tally) >= load.ok.length * SOCKETS, WAIT_SECONDS * 1000);
    console.log(describeLoad(`Parley, ${instances} api instance${instances > 1 ? 's' : ''}: sends`, load));
    tally.sentPerSecond = load.ok.length / load.seconds;
    summarize('Parley', tally, load.ok.length);
    for (const socket of sockets) socket.terminate();
    return tally;
  } finally {
    await stack.stop();
  }
}

async function rawBroadcast(payloadBytes: number): Promise<Tally> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  server.on('connection', (socket) => socket.send(JSON.stringify({ type: 'ready' })));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sockets = await connectAll(
    Array.from({ length: SOCKETS }, () => url),
    'ready',
  );
  const tally = newTally();
  sockets.forEach((socket, i) => listen(socket, tally, i));
  const ids: string[] = [];
  const started = Date.now();
  for (let i = 0; i < MESSAGES; i++) {
    await sleep(Math.max(0, started + (i * 1000) / RATE - Date.now()));
    const id = randomUUID();
    ids.push(id);
    const frame = {
      type: 'chat_message',
      seq: i,
      message: { id, created_at: new Date().toISOString() },
      pad: '',
    };
    frame.pad = 'x'.repeat(Math.max(0, payloadBytes - JSON.stringify(frame).length));
    const data = JSON.stringify(frame);
    for (const client of server.clients) client.send(data);
  }
  tally.sentPerSecond = MESSAGES / ((Date.now() - started) / 1000);
  await until(() => delivered(tally) >= MESSAGES * SOCKETS, WAIT_SECONDS * 1000);
  summarize('raw ws', tally, ids.length);
  for (const socket of sockets) socket.terminate();
  server.close();
  return tally;
}

async function main() {
  console.log(
    `realtime fan-out: ${SOCKETS} sockets (${PER_AGENT} per agent), ${MESSAGES} messages at ${RATE}/s; ${machine()}`,
  );
  console.log(
    'Parley: REST send-message (type note) → Postgres → outbox relay → Redis → gateway → every socket',
  );
  const tallies: Tally[] = [];
  for (const instances of APIS) tallies.push(await parley(instances));
  // A Parley chat_message frame is about this size for these messages.
  const rawTally = await rawBroadcast(720);
  const rawWorst = worstSocketP99(rawTally);
  APIS.forEach((instances, k) => {
    printLatency(
      `stored → received on every socket${APIS.length > 1 ? `, ${instances} api instance${instances > 1 ? 's' : ''}` : ''}`,
      distribution(tallies[k].latencies),
      distribution(rawTally.latencies),
      'raw ws',
      [['worst socket p99', worstSocketP99(tallies[k]), rawWorst]],
    );
  });
  if (APIS.length > 1) {
    const figures = tallies.map((t) => ({ ...distribution(t.latencies), worst: worstSocketP99(t) }));
    const raw = { ...distribution(rawTally.latencies), worst: rawWorst };
    const keys = [
      ['p50 ms', 'p50'],
      ['p99 ms', 'p99'],
      ['max ms', 'max'],
      ['worst socket p99 ms', 'worst'],
    ] as const;
    printTable(
      `${SOCKETS} sockets, ${MESSAGES} messages offered at ${RATE}/s: api instances side by side (ratio: the last ÷ the first)`,
      [...APIS.map((n) => `${n} api`), 'raw ws'],
      [
        ['messages sent/s', ...tallies.map((t) => t.sentPerSecond), rawTally.sentPerSecond],
        ...keys.map(([label, key]): Row => [label, ...figures.map((f) => f[key]), raw[key]]),
        ['delivered', ...tallies.map((t) => String(delivered(t))), String(delivered(rawTally))],
      ],
      [APIS.length - 1, 0],
    );
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
