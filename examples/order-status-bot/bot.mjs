// An order-status chatbot for Parley: plain Node ≥ 20, nothing but built-ins.
// It receives Parley's signed event webhooks, answers its customers with buttons through the REST
// API, and hands the conversation to a person when asked. Configure it with environment variables:
//   PARLEY_URL       the api, e.g. http://127.0.0.1:3000
//   PARLEY_API_KEY   the bot's API key (scopes conversations:write and messages:write)
//   WEBHOOK_SECRET   the secret of the webhook subscription that points at this bot
//   PORT             where to listen (default 8787)
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const PARLEY_URL = (process.env.PARLEY_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
const API_KEY = process.env.PARLEY_API_KEY ?? '';
const SECRET = process.env.WEBHOOK_SECRET ?? '';
const PORT = Number(process.env.PORT ?? 8787);
if (!API_KEY || !SECRET) {
  console.error('PARLEY_API_KEY and WEBHOOK_SECRET are required');
  process.exit(1);
}
// The key's id (what Parley calls the bot: `bot.id` on its conversations) is the key's first part:
// pk_live_<id without dashes>_<secret>.
const hex = /^pk_live_([0-9a-f]{32})_/.exec(API_KEY)?.[1] ?? '';
const BOT_ID = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

// The shop's orders (a real bot would ask its order system).
const ORDERS = {
  1001: 'shipped on Monday; it arrives tomorrow',
  1002: 'being packed; it ships today',
  1003: 'delivered last Friday',
};
const MENU = [
  [
    { caption: 'Order status', payload: 'order_status' },
    { caption: 'Talk to a person', payload: 'human' },
  ],
];

/** Parley-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>, at most 5 minutes old. */
function signedByParley(header, rawBody) {
  const [t, v1] = String(header ?? '').split(',').map((part) => part.split('=')[1]);
  const expected = createHmac('sha256', SECRET).update(`${t}.${rawBody}`).digest('hex');
  try {
    return timingSafeEqual(Buffer.from(v1 ?? ''), Buffer.from(expected)) && Math.abs(Date.now() / 1000 - t) < 300;
  } catch {
    return false; // a v1 of the wrong length
  }
}

async function parley(method, path, body) {
  const res = await fetch(`${PARLEY_URL}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

const reply = (conversationId, content, buttons = MENU) =>
  parley('POST', `/message/conversation/${conversationId}/send-message/`, { content, type: 'support', buttons });

/** What the bot does with one of its customers' messages (a press carries `button`). */
async function answer(message) {
  const conversation = message.conversation_id;
  const pressed = message.button?.payload;
  if (pressed === 'human') {
    await reply(conversation, 'Of course — a person from our team will answer you here.', []);
    await parley('POST', `/conversations/${conversation}/handoff`, { reason: 'the customer asked for a person' });
    return;
  }
  if (pressed === 'order_status') return reply(conversation, 'Send me your order number (for example 1001).');
  const number = /\b(\d{4})\b/.exec(message.content)?.[1];
  if (number)
    return reply(
      conversation,
      ORDERS[number] ? `Order ${number} is ${ORDERS[number]}.` : `I cannot find order ${number}.`,
    );
  return reply(conversation, 'Hi! I can look up your order, or find you a person.');
}

const seen = new Set(); // delivery ids already handled: a retried delivery does nothing twice

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    if (req.method !== 'POST' || !signedByParley(req.headers['parley-signature'], raw)) {
      res.writeHead(401).end();
      return;
    }
    const event = JSON.parse(raw);
    try {
      const { message, bot } = event.data ?? {};
      // Only customers' messages in conversations this bot handles (agents took over the others).
      if (
        !seen.has(event.id) &&
        event.type === 'message.created' &&
        message?.type === 'customer' &&
        bot?.id === BOT_ID
      )
        await answer(message);
      seen.add(event.id);
      res.writeHead(200).end('ok');
    } catch (error) {
      console.error(error.message);
      res.writeHead(500).end(); // Parley retries the delivery
    }
  });
});
server.listen(PORT, '127.0.0.1', () => console.log(`order-status bot listening on ${PORT}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
