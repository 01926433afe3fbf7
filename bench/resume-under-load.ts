import WebSocket from 'ws';
import {
  accessToken,
  insertAgents,
  machine,
  setting,
  signupAdmin,
  sleep,
  startStack,
  Stack,
  telegramChannel,
  until,
} from './support/harness';
import { describeLoad, runLoad } from './support/load';

/**
 * Resume under load: two api instances and an ingest on one database and Redis prefix; SOCKETS
 * chat sockets over CONVERSATIONS conversations (alternating between the instances) while a stream
 * of RATE messages/s runs for DURATION s — half customer webhooks into ingest, half agents' notes
 * through REST on both instances, so three processes write events. RECONNECTS times during the
 * middle of the run each socket stops reading (frames in flight are lost with it, as on a dropped
 * connection), is closed, and after up to GAP_MS reconnects to the OTHER instance with
 * `?since=<the last seq it saw>`; a socket the server closes reconnects the same way. At the end
 * every socket must have seen every event of its conversation after the seq it started from
 * (compared with the `event` table) exactly once. SMOKE=1: a small run.
 */
const SMOKE = process.env.SMOKE === '1';
const SOCKETS = setting('SOCKETS', SMOKE ? 50 : 500);
const PER_AGENT = setting('SOCKETS_PER_AGENT', 4);
const CONVERSATIONS = setting('CONVERSATIONS', SMOKE ? 5 : 25);
const RATE = setting('RATE', SMOKE ? 20 : 100);
const DURATION = setting('DURATION', SMOKE ? 8 : 30);
const RECONNECTS = setting('RECONNECTS', 1);
const GAP_MS = setting('GAP_MS', 300);
const CONNECTIONS = setting('CONNECTIONS', 100);
const WAIT_SECONDS = setting('WAIT_SECONDS', SMOKE ? 15 : 60);

/** Event types a chat socket is sent a frame for (apps/api/src/gateway/frames.ts, chat viewer). */
const CHAT_TYPES = new Set([
  'message.created',
  'message.updated',
  'message.deleted',
  'message.reaction',
  'message.status',
  'conversation.updated',
  'conversation.read', // only another agent's read receipt
]);

interface Follower {
  index: number;
  conversationId: string;
  agentId: string;
  /** Index into stack.apis of the instance it is on now. */
  instance: number;
  /** The recent_messages frame's last_seq: the socket owes every later event of its conversation. */
  startSeq: number;
  lastSeq: number;
  seen: Map<number, number>;
  socket: WebSocket | null;
  serverCloses: number;
  refused: number;
  planned: number;
  done: boolean;
}

const chatOf = (c: number) => 800_000_000 + c;

function update(chat: number, messageId: number, text: string): string {
  return JSON.stringify({
    update_id: chat * 10_000 + messageId,
    message: {
      message_id: messageId,
      from: { id: chat, is_bot: false, first_name: 'Customer' },
      chat: { id: chat, type: 'private', first_name: 'Customer' },
      date: Math.floor(Date.now() / 1000),
      text,
    },
  });
}

/**
 * Opens one connection for a follower; every frame is recorded from the first byte (frames that
 * arrive together are emitted in one tick, so a listener added later could miss some). Resolves
 * once the server has accepted it; a refused handshake retries on the same instance, a socket the
 * server closes resumes on the other one.
 */
function connect(stack: Stack, workspaceId: string, f: Follower, since?: number): Promise<void> {
  const base = stack.apis[f.instance].replace('http', 'ws');
  const query = `token=${accessToken(stack, f.agentId, workspaceId)}${since === undefined ? '' : `&since=${since}`}`;
  const socket = new WebSocket(`${base}/ws/chat/${f.conversationId}/?${query}`);
  f.socket = socket;
  return new Promise((resolve) => {
    let first = since === undefined;
    socket.on('message', (data) => {
      if (f.socket !== socket) return; // lost with a connection we dropped
      const frame = JSON.parse(data.toString()) as { type: string; seq?: number; last_seq?: number };
      if (frame.type === 'recent_messages' && first) {
        first = false;
        f.startSeq = f.lastSeq = frame.last_seq ?? 0;
        return resolve();
      }
      if (typeof frame.seq !== 'number') return;
      f.lastSeq = Math.max(f.lastSeq, frame.seq);
      // Who is online is the workspace's state, sent afresh as a snapshot on every (re)connect, not
      // a stream the socket is owed exactly once: only its conversation's events are counted.
      if (frame.type === 'user_presence') return;
      f.seen.set(frame.seq, (f.seen.get(frame.seq) ?? 0) + 1);
    });
    socket.once('open', () => {
      if (since !== undefined) resolve();
    });
    socket.on('error', () => undefined);
    socket.once('unexpected-response', (_req, res) => {
      // Refused at the handshake (e.g. the agent's connection cap before the old socket was let go).
      f.refused++;
      f.socket = null;
      res.resume();
      socket.terminate();
      void sleep(200).then(() => connect(stack, workspaceId, f, since).then(resolve));
    });
    socket.once('close', () => {
      if (f.socket !== socket || f.done) return;
      // The server closed it (e.g. "try again"): resume elsewhere from what was seen.
      f.serverCloses++;
      void reconnect(stack, workspaceId, f, first ? undefined : f.lastSeq).then(resolve);
    });
  });
}

/** Drops the connection (what is still in flight is lost with it) and resumes on the other instance. */
async function reconnect(stack: Stack, workspaceId: string, f: Follower, since = f.lastSeq): Promise<void> {
  const old = f.socket;
  f.socket = null;
  old?.terminate();
  await sleep(Math.random() * GAP_MS);
  f.instance = (f.instance + 1) % stack.apis.length;
  await connect(stack, workspaceId, f, since);
}

async function main() {
  console.log(
    `resume under load: 2 api instances + ingest + worker, ${SOCKETS} chat sockets (${PER_AGENT} per agent) over ${CONVERSATIONS} conversations, ` +
      `${RATE} messages/s for ${DURATION} s (half customer webhooks, half notes via REST on both instances), ` +
      `${RECONNECTS} reconnect(s) per socket to the other instance with ?since; ${machine()}`,
  );
  const stack = await startStack(['api', 'api', 'ingest', 'worker']);
  try {
    const admin = await signupAdmin(stack.api);
    const workspaceId: string = admin.workspace.id;
    const channel = await telegramChannel(stack, admin.access_token, 'resume');
    const { secret } = channel;
    const webhook = `${stack.ingest}/webhooks/telegram/${channel.id}`;
    const headers = { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret };
    for (let c = 0; c < CONVERSATIONS; c++) {
      const response = await fetch(webhook, { method: 'POST', headers, body: update(chatOf(c), 1, 'hello') });
      if (!response.ok) throw new Error(`warm-up webhook answered ${response.status}`);
    }
    // Answered once recorded: the worker makes them conversations a moment later.
    const conversationsOf = async () =>
      (
        await stack.db.query(
          `SELECT c.id, ci.platform_user_id FROM conversation c
             JOIN contact_identity ci ON ci.contact_id = c.contact_id AND ci.channel_id = c.channel_id
            WHERE c.channel_id = $1`,
          [channel.id],
        )
      ).rows as { id: string; platform_user_id: string }[];
    if (!(await until(async () => (await conversationsOf()).length === CONVERSATIONS, 30_000, 100)))
      throw new Error('the warm-up messages were not stored within 30 s');
    const conversations = await conversationsOf();
    const conversationOf = new Map(conversations.map((r) => [Number(r.platform_user_id), r.id]));
    const agents = await insertAgents(stack.db, workspaceId, Math.ceil(SOCKETS / PER_AGENT));
    const followers: Follower[] = Array.from({ length: SOCKETS }, (_, index) => ({
      index,
      conversationId: conversationOf.get(chatOf(index % CONVERSATIONS))!,
      agentId: agents[Math.floor(index / PER_AGENT)],
      instance: index % stack.apis.length,
      startSeq: 0,
      lastSeq: 0,
      seen: new Map(),
      socket: null,
      serverCloses: 0,
      refused: 0,
      planned: 0,
      done: false,
    }));
    for (let i = 0; i < SOCKETS; i += 50)
      await Promise.all(followers.slice(i, i + 50).map((f) => connect(stack, workspaceId, f)));

    // Planned reconnects, spread over the middle 60% of the run.
    const timers: NodeJS.Timeout[] = [];
    const reconnects: Promise<void>[] = [];
    for (const f of followers) {
      for (let r = 0; r < RECONNECTS; r++) {
        const at = DURATION * 1000 * (0.2 + 0.6 * Math.random());
        timers.push(
          setTimeout(() => {
            f.planned++;
            reconnects.push(reconnect(stack, workspaceId, f));
          }, at),
        );
      }
    }
    const half = RATE / 2;
    const [customers, notes] = await Promise.all([
      runLoad({
        rate: half,
        seconds: DURATION,
        connections: CONNECTIONS,
        request: (i) => ({
          url: webhook,
          // Message 1 of each chat was the warm-up.
          body: update(chatOf(i % CONVERSATIONS), 2 + Math.floor(i / CONVERSATIONS), `customer ${i}`),
          headers: { 'x-telegram-bot-api-secret-token': secret },
        }),
      }),
      runLoad({
        rate: half,
        seconds: DURATION,
        connections: CONNECTIONS,
        request: (i) => ({
          url: `${stack.apis[i % stack.apis.length]}/api/v1/message/conversation/${conversationOf.get(chatOf(i % CONVERSATIONS))}/send-message/`,
          body: JSON.stringify({ content: `note ${i}`, type: 'note' }),
          headers: { authorization: `Bearer ${admin.access_token}` },
        }),
      }),
    ]);
    for (const timer of timers) clearTimeout(timer);
    await Promise.all(reconnects);
    console.log(describeLoad('customer webhooks → ingest', customers));
    console.log(describeLoad('notes → REST on both api instances', notes));

    // What each socket owes: its conversation's events after its start, of the kinds a chat socket is sent.
    const expectedOf = async () => {
      const { rows } = await stack.db.query(
        `SELECT conversation_id, seq::int AS seq, type, payload->>'agent_id' AS agent_id FROM event
          WHERE workspace_id = $1 AND seq > $2 AND conversation_id IS NOT NULL ORDER BY seq`,
        [workspaceId, Math.min(...followers.map((f) => f.startSeq))],
      );
      const byConversation = new Map<string, { seq: number; type: string; agent_id: string | null }[]>();
      for (const row of rows) {
        if (!CHAT_TYPES.has(row.type)) continue;
        const list = byConversation.get(row.conversation_id) ?? [];
        list.push(row);
        byConversation.set(row.conversation_id, list);
      }
      return followers.map((f) =>
        (byConversation.get(f.conversationId) ?? [])
          .filter((e) => e.seq > f.startSeq && (e.type !== 'conversation.read' || e.agent_id !== f.agentId))
          .map((e) => e.seq),
      );
    };
    const owed = (expected: number[][]) =>
      followers.reduce((n, f, k) => n + expected[k].filter((seq) => !f.seen.has(seq)).length, 0);
    let expected = await expectedOf();
    const waitStart = Date.now();
    const caughtUp = await until(
      async () => owed((expected = await expectedOf())) === 0,
      WAIT_SECONDS * 1000,
      500,
    );
    for (const f of followers) {
      f.done = true;
      f.socket?.terminate();
    }

    let total = 0;
    let missing = 0;
    let duplicates = 0;
    let unexpected = 0;
    const examples: string[] = [];
    followers.forEach((f, k) => {
      const owes = new Set(expected[k]);
      total += owes.size;
      for (const seq of owes) {
        if (f.seen.has(seq)) continue;
        missing++;
        if (examples.length < 5)
          examples.push(`socket ${f.index} never saw seq ${seq} (started after ${f.startSeq})`);
      }
      for (const [seq, n] of f.seen) {
        if (n > 1) {
          duplicates += n - 1;
          if (examples.length < 10) examples.push(`socket ${f.index} saw seq ${seq} ${n} times`);
        }
        if (!owes.has(seq)) {
          unexpected++;
          if (examples.length < 10)
            examples.push(`socket ${f.index} saw seq ${seq}, not an event it was owed`);
        }
      }
    });
    const sum = (pick: (f: Follower) => number) => followers.reduce((n, f) => n + pick(f), 0);
    console.log(
      `reconnects: ${sum((f) => f.planned)} planned, ${sum((f) => f.serverCloses)} after the server closed a socket, ` +
        `${sum((f) => f.refused)} handshakes refused and retried`,
    );
    console.log(
      caughtUp
        ? `every socket caught up ${((Date.now() - waitStart) / 1000).toFixed(1)} s after the stream ended`
        : `not every socket caught up after ${WAIT_SECONDS} s`,
    );
    console.log(
      `\nevents owed to the ${SOCKETS} sockets: ${total}; missing ${missing}, seen twice or more ${duplicates}, not owed ${unexpected}` +
        ` → ${missing || duplicates || unexpected ? 'NOT exact' : 'exact'}`,
    );
    for (const line of examples) console.log(`  ${line}`);
  } finally {
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
