import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { en } from '@parley/errors/i18n/en';
import { matchesAnyPattern, SCAN_CHARS } from '@parley/security/spam-patterns';
import { SpamService } from '@parley/security/spam.service';
import { SAMPLE_JPEG, SAMPLE_OGG_OPUS } from '../tools/simulator/samples';
import {
  INSTAGRAM_APP_SECRET,
  freshEnvironment,
  startApi,
  startIngest,
  startWorker,
  TestApp,
  TestEnvironment,
} from './support/app';
import { customerWrites, signupWorkspace, Workspace } from './support/factories';
import { eventually, WsClient } from './support/ws';

const CODES = new Set(Object.keys(en));
const FRAME_TYPES = [
  'chat_message',
  'typing',
  'mark_read',
  'reaction',
  'edit_message',
  'delete_message',
  'ping',
];

/** Anything a broken or hostile client might send. */
const anyValue = fc.oneof(
  fc.string(),
  fc.fullUnicodeString(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.anything(), { maxLength: 5 }),
  fc.dictionary(fc.string(), fc.anything(), { maxKeys: 5 }),
);
/** Regular-expression-shaped strings: mostly syntax, some Unicode, as an admin's typo might be. */
const patternish = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.fullUnicodeString({ maxLength: 30 }),
  fc
    .array(
      fc.constantFrom(
        ...'()[]{}*+?|\\^$.,-=!<>:#'.split(''),
        '(?',
        '(?<',
        '\\p{L}',
        '\\d',
        '\\w',
        '\\b',
        '\\1',
        '{2,3}',
        '{1000}',
        'a',
        'ب',
        '1',
      ),
      { maxLength: 30 },
    )
    .map((parts) => parts.join('')),
);
/** Texts short and past the cap that patterns are matched within. */
const anyText = fc.oneof(
  fc.fullUnicodeString({ maxLength: 200 }),
  fc
    .tuple(fc.fullUnicodeString({ minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 600 }))
    .map(([unit, times]) => unit.repeat(times)),
);

const frame = fc.oneof(
  fc.string({ maxLength: 200 }).map((s) => ({ raw: s })),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ raw: Buffer.from(bytes) })),
  fc.json().map((s) => ({ raw: s })),
  fc
    .record({
      type: fc.constantFrom(...FRAME_TYPES, 'nonsense'),
      a: anyValue,
      content: anyValue,
      message_id: anyValue,
      is_typing: anyValue,
      emoji: anyValue,
      action: anyValue,
    })
    .map((f) => ({ raw: JSON.stringify(f) })),
  fc
    .integer({ min: 33000, max: 200000 })
    .map((n) => ({ raw: JSON.stringify({ type: 'chat_message', content: 'x'.repeat(n) }) })),
);

/** Heads that make a sniffer (or a browser) think twice, then anything at all. */
const PREFIXES = [
  '',
  '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script>',
  '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">',
  '<html><script>alert(1)</script>',
  '<!DOCTYPE html>',
  '%PDF-1.7\n',
  '\x89PNG\r\n\x1a\n',
  'GIF89a',
  'RIFF\x00\x00\x00\x00WAVEfmt ',
  'OggS',
].map((prefix) => Buffer.from(prefix, 'latin1'));
const fileBytes = fc.oneof(
  fc
    .tuple(fc.constantFrom(...PREFIXES), fc.uint8Array({ maxLength: 2000 }))
    .map(([prefix, rest]) => Buffer.concat([prefix, Buffer.from(rest)])),
  fc.constant(Buffer.alloc(0)),
  // Real media with their tails bitten off or garbage appended.
  fc
    .tuple(fc.constantFrom(SAMPLE_JPEG, SAMPLE_OGG_OPUS), fc.nat(), fc.uint8Array({ maxLength: 100 }))
    .map(([sample, cut, tail]) => Buffer.concat([sample.subarray(0, cut % (sample.length + 1)), tail])),
);
const INLINE_TYPES = /^(image\/(jpeg|png|gif|webp)|audio\/[\w.+-]+|video\/[\w.+-]+)$/;

describe('fuzzing the doors', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let ingest: TestApp;
  let worker: TestApp;
  let ws: Workspace;
  let conversationId: string;
  let channel: { id: string; webhook_secret: string };

  beforeAll(async () => {
    environment = await freshEnvironment();
    api = await startApi(environment);
    ingest = await startIngest(environment);
    worker = await startWorker(environment);
    ws = await signupWorkspace(api);
    const created = await ws.http.post('/api/v1/channels', {
      type: 'telegram',
      name: 'fuzz',
      bot_token: environment.simulator.newBotToken(),
    });
    const [row] = await api.db.query('SELECT id, webhook_secret FROM channel WHERE id = $1', [
      created.body.id,
    ]);
    channel = row;
    conversationId = (await customerWrites(api, ws.workspaceId, channel.id, {})).message.conversation_id;
  });
  afterAll(async () => {
    await worker.close();
    await ingest.close();
    await api.close();
    await environment.close();
  });

  it('a chat socket survives any frame: every refusal is an error frame with a known code', async () => {
    const client = await WsClient.connect(api.url, `/ws/chat/${conversationId}/`, { token: ws.token });
    await client.next((f) => f.type === 'recent_messages');
    await fc.assert(
      fc.asyncProperty(frame, async ({ raw }) => {
        const before = client.frames.length;
        client.send(raw as string);
        client.send({ type: 'ping' });
        await client.next((f) => f.type === 'pong', 5000, before);
        for (const f of client.frames.slice(before)) {
          if (f.type === 'error') expect(CODES.has(f.code)).toBe(true);
        }
        expect(client.closeCode).toBeNull();
      }),
      { numRuns: 150 },
    );
    client.close();
  }, 60000);

  /** What a webhook accepted, the worker handled: a delivery it cannot handle stays in inbound_update. */
  const everyAcceptedDeliveryHandled = () =>
    eventually(async () => {
      const left = await api.db.query(`SELECT id, last_error FROM inbound_update`);
      expect(left).toEqual([]);
    }, 15000);

  it('the Telegram webhook answers any body with 200, 400 or 403, never a 500', async () => {
    const url = `${environment.env.PUBLIC_URL}/webhooks/telegram/${channel.id}`;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.json(),
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify({ update_id: 1, message: v })),
        ),
        fc.boolean(),
        async (body, signed) => {
          const res = await fetch(url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(signed ? { 'x-telegram-bot-api-secret-token': channel.webhook_secret } : {}),
            },
            body,
          });
          const json = (await res.json()) as { code?: string };
          expect([200, 400, 403]).toContain(res.status);
          // Unsigned is never accepted (403; a body that is not even a JSON object is refused earlier, 400).
          if (!signed) expect(res.status).not.toBe(200);
          if (res.status !== 200) expect(CODES.has(json.code!)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
    await everyAcceptedDeliveryHandled();
  }, 60000);

  it('the Instagram webhook answers any signed body with 200 or 400, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.json(),
          fc
            .jsonValue()
            .map((v) =>
              JSON.stringify({ object: 'instagram', entry: [{ id: '1', time: 1, messaging: [v] }] }),
            ),
        ),
        async (body) => {
          const res = await fetch(`${environment.env.PUBLIC_URL}/webhooks/instagram`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'x-hub-signature-256': `sha256=${createHmac('sha256', INSTAGRAM_APP_SECRET).update(body).digest('hex')}`,
            },
            body,
          });
          expect([200, 400]).toContain(res.status);
        },
      ),
      { numRuns: 150 },
    );
    await everyAcceptedDeliveryHandled();
  }, 60000);

  it('any spam patterns get 200 or 400 validation_failed, never a 500, and accepted ones run on any text', async () => {
    const spam = api.get(SpamService);
    await fc.assert(
      fc.asyncProperty(
        fc.array(patternish, { maxLength: 4 }),
        fc.array(anyText, { maxLength: 3 }),
        async (patterns, texts) => {
          const res = await ws.http.patch('/api/v1/admin/security/policy', { spam: { patterns } });
          expect([200, 400]).toContain(res.status);
          if (res.status === 400) {
            expect(res.body.code).toBe('validation_failed');
            return;
          }
          expect(res.body.spam.patterns).toEqual(patterns);
          for (const text of texts) {
            expect(typeof (await matchesAnyPattern(patterns, text))).toBe('boolean');
            // Whatever lies past the cap cannot change the verdict.
            expect(await matchesAnyPattern(patterns, text)).toBe(
              await matchesAnyPattern(patterns, text.slice(0, SCAN_CHARS)),
            );
            const reason = await spam.reason(ws.workspaceId, 'contact:fuzz', text, false);
            expect(reason === null || typeof reason === 'string').toBe(true);
          }
        },
      ),
      { numRuns: 150 },
    );
  }, 60000);

  it('send-message answers any JSON with 201 or a 4xx with a known code, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.json(),
          fc.record({
            content: anyValue,
            type: fc.constantFrom('support', 'note', 'x', 1),
            reply_to: anyValue,
          }),
        ),
        async (body) => {
          const res = await fetch(`${api.url}/api/v1/message/conversation/${conversationId}/send-message/`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${ws.token}` },
            body: typeof body === 'string' ? body : JSON.stringify(body),
          });
          const json = (await res.json()) as { code?: string };
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400) expect(CODES.has(json.code!)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
    expect((await fetch(`${api.url}/readyz`)).status).toBe(200);
  }, 60000);

  it('uploads of any bytes as any kind: never a 500, and what is served back is sandboxed and inline only if safe', async () => {
    await fc.assert(
      fc.asyncProperty(
        fileBytes,
        fc.constantFrom('voice', 'image', 'file'),
        fc.string({ maxLength: 40 }),
        async (bytes, kind, name) => {
          const form = new FormData();
          form.append('kind', kind);
          form.append('file', new Blob([bytes], { type: 'application/octet-stream' }), name || 'x');
          const res = await fetch(`${api.url}/api/v1/conversations/${conversationId}/attachments`, {
            method: 'POST',
            headers: { authorization: `Bearer ${ws.token}` },
            body: form,
          });
          const json = (await res.json()) as { code?: string; id?: string };
          expect(res.status).toBeLessThan(500);
          if (res.status !== 201) {
            expect(CODES.has(json.code!)).toBe(true);
            return;
          }
          const link = await ws.http.get(`/api/v1/messages/${json.id}/attachments/0/link`);
          expect(link.status).toBe(200);
          const served = await fetch(`${api.url}${link.body.url}`);
          expect(served.status).toBe(200);
          expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);
          expect(served.headers.get('content-security-policy')).toBe('sandbox');
          expect(served.headers.get('x-content-type-options')).toBe('nosniff');
          const type = served.headers.get('content-type')!;
          const disposition = served.headers.get('content-disposition')!;
          if (disposition.startsWith('inline;')) expect(type).toMatch(INLINE_TYPES);
          else {
            expect(disposition).toMatch(/^attachment;/);
            expect(type).toBe('application/octet-stream');
          }
        },
      ),
      { numRuns: 100 },
    );
  }, 120000);
});
