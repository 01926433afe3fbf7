import jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { api, connectAll, machine, signupAdmin, sleep, startStack, until } from './support/harness';
import { distribution, printLatency } from './support/report';

/**
 * Realtime fan-out: SOCKETS agent sockets on one conversation; MESSAGES notes sent through the
 * REST route at RATE per second; latency = receipt on each socket − the message's stored time
 * (created_at, set by Postgres on insert). Beside it, in the same run: a raw `ws` server
 * broadcasting a frame of the same size to the same number of sockets at the same rate.
 */
const SOCKETS = Number(process.env.SOCKETS ?? 1000);
const PER_AGENT = Number(process.env.SOCKETS_PER_AGENT ?? 5);
const MESSAGES = Number(process.env.MESSAGES ?? 200);
const RATE = Number(process.env.RATE ?? 20);

interface Tally {
  latencies: number[];
  received: Map<string, number>;
}

function listen(socket: WebSocket, tally: Tally): void {
  socket.on('message', (data) => {
    const at = Date.now();
    const frame = JSON.parse(data.toString()) as {
      type: string;
      message?: { id: string; created_at: string };
    };
    if (frame.type !== 'chat_message' || !frame.message) return;
    tally.latencies.push(at - Date.parse(frame.message.created_at));
    tally.received.set(frame.message.id, (tally.received.get(frame.message.id) ?? 0) + 1);
  });
}

const summarize = (name: string, tally: Tally, ids: string[]) => {
  const expected = ids.length * SOCKETS;
  const received = [...tally.received.values()].reduce((a, b) => a + b, 0);
  const duplicates = [...tally.received.values()].filter((n) => n > SOCKETS).length;
  console.log(
    `${name}: deliveries ${received}/${expected}, messages delivered more than once per socket: ${duplicates}`,
  );
};

async function parley(): Promise<Tally> {
  const stack = await startStack(['api']);
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
    const token = (agentId: string) =>
      jwt.sign(
        { sub: agentId, wsp: workspaceId, role: 'agent', sid: randomUUID(), ver: 0 },
        stack.env.JWT_SECRET,
        {
          issuer: 'parley',
          audience: 'parley-agents',
          expiresIn: 3600,
        },
      );
    const urls = Array.from({ length: SOCKETS }, (_, i) => {
      const agent = agentRows[Math.floor(i / PER_AGENT)].id as string;
      return `${stack.api.replace('http', 'ws')}/ws/chat/${conversation.id}/?token=${token(agent)}`;
    });
    const sockets = await connectAll(urls, 'recent_messages');
    const tally: Tally = { latencies: [], received: new Map() };
    for (const socket of sockets) listen(socket, tally);
    await sleep(500); // presence announcements settle

    const ids: string[] = [];
    const started = Date.now();
    for (let i = 0; i < MESSAGES; i++) {
      await sleep(Math.max(0, started + (i * 1000) / RATE - Date.now()));
      const message = await api(
        stack.api,
        'POST',
        `/api/v1/message/conversation/${conversation.id}/send-message/`,
        { content: `bench message ${i} ${'x'.repeat(60)}`, type: 'note' },
        admin.access_token,
      );
      ids.push(message.id);
    }
    await until(() => [...tally.received.values()].reduce((a, b) => a + b, 0) >= MESSAGES * SOCKETS, 30000);
    summarize('Parley', tally, ids);
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
  const tally: Tally = { latencies: [], received: new Map() };
  for (const socket of sockets) listen(socket, tally);
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
  await until(() => [...tally.received.values()].reduce((a, b) => a + b, 0) >= MESSAGES * SOCKETS, 30000);
  summarize('raw ws', tally, ids);
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
  const parleyTally = await parley();
  // A Parley chat_message frame is about this size for these messages.
  const rawTally = await rawBroadcast(720);
  printLatency(
    'stored → received on every socket',
    distribution(parleyTally.latencies),
    distribution(rawTally.latencies),
    'raw ws',
  );
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
