import jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import {
  connectAll,
  machine,
  signupAdmin,
  sleep,
  startStack,
  telegramChannel,
  until,
} from './support/harness';
import { distribution, printLatency } from './support/report';

/**
 * Inbound: AGENTS agents each on /ws/conversations/; customers write to a Telegram bot at RATE
 * webhooks/s for MESSAGES webhooks (the simulator posts them to ingest with the real secret).
 * Latency = the socket's receipt of the conversation update − the moment the webhook was sent.
 * Baseline, same run: a bare HTTP server that parses the same JSON and broadcasts a frame of
 * the same size to AGENTS raw ws sockets.
 */
const AGENTS = Number(process.env.AGENTS ?? 500);
const MESSAGES = Number(process.env.MESSAGES ?? 300);
const RATE = Number(process.env.RATE ?? 30);
const CUSTOMERS = Number(process.env.CUSTOMERS ?? 50);

interface Tally {
  latencies: number[];
  webhookMs: number[];
  deliveries: number;
}

const marker = (text: string) => /#(\d+)#/.exec(text)?.[1];

async function parley(): Promise<Tally> {
  const stack = await startStack(['api', 'ingest', 'worker']);
  try {
    const admin = await signupAdmin(stack.api);
    const workspaceId: string = admin.workspace.id;
    const channel = await telegramChannel(stack, admin.access_token, 'bench');
    const { rows } = await stack.db.query(
      `INSERT INTO agent (workspace_id, email, name, password_hash, role)
       SELECT $1, 'agent-' || g || '-' || $2 || '@example.test', 'Agent ' || g, 'x', 'agent' FROM generate_series(1, $3) g RETURNING id`,
      [workspaceId, randomUUID(), AGENTS - 1],
    );
    const ids = [admin.agent.id as string, ...rows.map((r: { id: string }) => r.id)];
    const urls = ids.map(
      (id) =>
        `${stack.api.replace('http', 'ws')}/ws/conversations/?token=${jwt.sign({ sub: id, wsp: workspaceId, role: 'agent', sid: randomUUID(), ver: 0 }, stack.env.JWT_SECRET, { issuer: 'parley', audience: 'parley-agents', expiresIn: 3600 })}`,
    );
    const sockets = await connectAll(urls, 'ready');
    const sentAt = new Map<string, number>();
    const tally: Tally = { latencies: [], webhookMs: [], deliveries: 0 };
    for (const socket of sockets) {
      socket.on('message', (data) => {
        const at = Date.now();
        const frame = JSON.parse(data.toString());
        if (frame.type !== 'conversation_updated' && frame.type !== 'conversation_created') return;
        const id = marker(frame.conversation?.last_message_preview ?? '');
        if (!id || !sentAt.has(id) || !frame.changes?.includes('last_message')) return;
        tally.latencies.push(at - sentAt.get(id)!);
        tally.deliveries++;
      });
    }
    // Customers' conversations exist before the timed part, so every webhook is one new message.
    for (let c = 0; c < CUSTOMERS; c++) {
      await stack.simulator.postTelegramUpdate(
        channel.external_id,
        stack.simulator.telegramMessage(channel.external_id, { id: 500000 + c }, { text: 'warm-up' }),
      );
    }
    await sleep(1000);

    const started = Date.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      await sleep(Math.max(0, started + (i * 1000) / RATE - Date.now()));
      const update = stack.simulator.telegramMessage(
        channel.external_id,
        { id: 500000 + (i % CUSTOMERS) },
        { text: `customer message #${i}# ${'x'.repeat(40)}` },
      );
      sentAt.set(String(i), Date.now());
      const t0 = performance.now();
      inflight.push(
        stack.simulator.postTelegramUpdate(channel.external_id, update).then((status) => {
          if (status !== 200) throw new Error(`webhook answered ${status}`);
          tally.webhookMs.push(performance.now() - t0);
        }),
      );
    }
    await Promise.all(inflight);
    await until(() => tally.deliveries >= MESSAGES * AGENTS, 30000);
    console.log(`Parley: deliveries ${tally.deliveries}/${MESSAGES * AGENTS}`);
    for (const socket of sockets) socket.terminate();
    return tally;
  } finally {
    await stack.stop();
  }
}

async function raw(): Promise<Tally> {
  const wss = new WebSocketServer({ noServer: true });
  const http = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const update = JSON.parse(body);
      const frame = JSON.stringify({
        type: 'conversation_updated',
        conversation: { last_message_preview: update.message.text, pad: 'x'.repeat(600) },
        changes: ['last_message'],
      });
      for (const client of wss.clients) client.send(frame);
      res.end('{"ok":true}');
    });
  });
  http.on('upgrade', (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send('{"type":"ready"}');
      wss.emit('connection', ws, req);
    }),
  );
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  const port = (http.address() as AddressInfo).port;
  const sockets = await connectAll(
    Array.from({ length: AGENTS }, () => `ws://127.0.0.1:${port}`),
    'ready',
  );
  const sentAt = new Map<string, number>();
  const tally: Tally = { latencies: [], webhookMs: [], deliveries: 0 };
  for (const socket of sockets) {
    socket.on('message', (data) => {
      const at = Date.now();
      const id = marker(JSON.parse(data.toString()).conversation?.last_message_preview ?? '');
      if (!id || !sentAt.has(id)) return;
      tally.latencies.push(at - sentAt.get(id)!);
      tally.deliveries++;
    });
  }
  const started = Date.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    await sleep(Math.max(0, started + (i * 1000) / RATE - Date.now()));
    sentAt.set(String(i), Date.now());
    const t0 = performance.now();
    inflight.push(
      fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          update_id: i,
          message: { text: `customer message #${i}# ${'x'.repeat(40)}` },
        }),
      })
        .then((r) => r.arrayBuffer())
        .then(() => void tally.webhookMs.push(performance.now() - t0)),
    );
  }
  await Promise.all(inflight);
  await until(() => tally.deliveries >= MESSAGES * AGENTS, 30000);
  console.log(`raw: deliveries ${tally.deliveries}/${MESSAGES * AGENTS}`);
  for (const socket of sockets) socket.terminate();
  wss.close();
  http.close();
  return tally;
}

async function main() {
  console.log(
    `inbound: ${AGENTS} agents connected, ${MESSAGES} Telegram webhooks at ${RATE}/s from ${CUSTOMERS} customers; ${machine()}`,
  );
  console.log(
    'Parley: simulator → ingest (secret check, normalize, record) → worker (stored in batches) → outbox relay → Redis → api → every socket',
  );
  const parleyTally = await parley();
  const rawTally = await raw();
  printLatency(
    'webhook sent → update received on every agent socket',
    distribution(parleyTally.latencies),
    distribution(rawTally.latencies),
    'raw relay',
  );
  printLatency(
    'webhook answered (HTTP round trip)',
    distribution(parleyTally.webhookMs),
    distribution(rawTally.webhookMs),
    'raw relay',
  );
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
