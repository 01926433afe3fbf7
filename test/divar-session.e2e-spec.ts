import { freshEnvironment, startApi, startIngest, TestApp, TestEnvironment } from './support/app';
import { addAgent, signupWorkspace, Workspace } from './support/factories';
import { HttpClient } from './support/http';

const IDENTIFICATION_KEY = 'divar-identification-key-0001';
const COMPLETION = 'https://open-platform-redirect.divar.ir/completion';

/**
 * Divar's add-on open flow: Divar asks ingest for a page for a chat, the customer opens it on the
 * api, sees where their conversation stands and leaves a message for the team.
 */
describe('the Divar add-on session page', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let ingest: TestApp;
  let ws: Workspace;
  let channelId: string;
  let divar: HttpClient;

  const openSession = (
    body: Record<string, unknown>,
    headers: Record<string, string> = { authorization: IDENTIFICATION_KEY, 'api-version': '2' },
    channel = channelId,
  ) => divar.post(`/webhooks/divar/${channel}/session`, body, { headers });
  const sessionBody = (conversationId: string, extra: Record<string, unknown> = {}) => ({
    post_token: 'gZd7omnS',
    conversation_id: conversationId,
    user_side: 'Demand',
    source: 'CHAT',
    provider_data: {},
    ...extra,
  });
  /** The page path (the url names API_PUBLIC_URL; the test's api listens elsewhere). */
  const pagePath = async (conversationId: string, extra: Record<string, unknown> = {}) => {
    const res = await openSession(sessionBody(conversationId, extra));
    expect(res.status).toBe(200);
    expect(res.body.url.startsWith(`${api.config.apiPublicUrl}/divar/session/`)).toBe(true);
    return new URL(res.body.url).pathname;
  };
  const page = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${api.url}${path}`, { headers, redirect: 'manual' });
  const post = (path: string, fields: Record<string, string>) =>
    fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });
  const nonceOf = (html: string) => /name="nonce" value="([^"]+)"/.exec(html)![1];
  const actionOf = (html: string) =>
    /<form method="post" action="([^"]+)"/.exec(html)![1].replace(/&#61;/g, '=');

  beforeAll(async () => {
    environment = await freshEnvironment();
    api = await startApi(environment);
    ingest = await startIngest(environment);
    divar = new HttpClient(ingest.url);
    ws = await signupWorkspace(api);
    const created = await ws.http.post('/api/v1/channels', {
      type: 'divar',
      name: 'Acme on Divar',
      app_slug: 'acme-app',
      api_key: 'divar-api-key-0001',
      identification_key: IDENTIFICATION_KEY,
      client_secret: 'divar-client-secret-0001',
    });
    expect(created.status).toBe(201);
    channelId = created.body.id;
  }, 60000);

  afterAll(async () => {
    await ingest?.close();
    await api?.close();
    await environment?.close();
  });

  it('answers Divar with a signed page URL, accepting both casings of user_side and the button-click header', async () => {
    for (const side of ['Supply', 'SUPPLY', 'Demand', 'DEMAND']) {
      const res = await openSession(sessionBody('conv-casing', { user_side: side }));
      expect([side, res.status]).toEqual([side, 200]);
      expect(Object.keys(res.body)).toEqual(['url']);
    }
    const click = await openSession(
      sessionBody('conv-casing', { source: 'CHAT_MESSAGE_ACTION', extra_data: { a: 1 }, user_id: 'u-1' }),
      { authorization: IDENTIFICATION_KEY, api_version: '2' },
    );
    expect(click.status).toBe(200);
    // Two requests for one chat are two different links.
    const again = await openSession(sessionBody('conv-casing'));
    expect(again.body.url).not.toBe(click.body.url);
  });

  it('refuses a forged identification key with 403 and a security event, an unknown channel with 404, a bad body with 400', async () => {
    const forged = await openSession(sessionBody('conv-x'), { authorization: 'not-the-key' });
    expect(forged.status).toBe(403);
    expect((await openSession(sessionBody('conv-x'), {})).status).toBe(403);
    const events = await api.db.query(
      `SELECT kind, workspace_id, detail FROM security_event WHERE detail->>'endpoint' = 'session' ORDER BY id`,
    );
    expect(events).toEqual([
      expect.objectContaining({ kind: 'webhook_secret_invalid', workspace_id: ws.workspaceId }),
      expect.objectContaining({ kind: 'webhook_secret_invalid', workspace_id: ws.workspaceId }),
    ]);
    expect(JSON.stringify(events)).not.toContain('not-the-key');

    expect(
      (await openSession(sessionBody('conv-x'), undefined, '3f1e0c55-8c1f-4b35-9a4e-2f5b8f6f1a01')).status,
    ).toBe(404);
    expect((await openSession(sessionBody('conv-x'), undefined, 'not-a-uuid')).status).toBe(404);

    for (const body of [
      sessionBody('conv-x', { user_side: 'Buyer' }),
      sessionBody('', {}),
      sessionBody('conv x <script>', {}),
      { post_token: 'gZd7omnS' },
    ]) {
      const res = await openSession(body);
      expect([body, res.status, res.body.code]).toEqual([body, 400, 'divar_session_invalid']);
    }
    const notJson = await divar.post(`/webhooks/divar/${channelId}/session`, undefined, {
      headers: { authorization: IDENTIFICATION_KEY },
      raw: '{nope',
    });
    expect(notJson.status).toBe(400);
  });

  it('shows a new customer “no conversation yet”, in Persian, right to left, with strict headers', async () => {
    const path = await pagePath('conv-new');
    const res = await page(path);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<html lang="fa" dir="rtl">');
    expect(html).toContain('data-state="none"');
    expect(html).toContain(`href="${COMPLETION}"`);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toMatch(/script-src/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');

    const english = await (await page(path, { 'accept-language': 'en-US,en;q=0.9' })).text();
    expect(english).toContain('<html lang="en" dir="ltr">');
    expect(english).toContain('You have no conversation with the support team yet.');
    const arabic = await (await page(`${path}?lang=ar`, { 'accept-language': 'en' })).text();
    expect(arabic).toContain('<html lang="ar" dir="rtl">');
    // An unknown language is Persian.
    expect(await (await page(path, { 'accept-language': 'de' })).text()).toContain('lang="fa"');
  });

  it('stores the form’s message as the customer’s, visible to an agent, with the ad, once per form', async () => {
    const path = await pagePath('conv-form-1');
    const html = await (await page(path)).text();
    const action = actionOf(html);
    const nonce = nonceOf(html);
    const sent = await post(action, { content: 'سلام، این آگهی هنوز موجود است؟', nonce });
    expect(sent.status).toBe(303);
    expect(sent.headers.get('location')).toBe(`${path}?lang=fa&sent=1`);
    // The same form posted again (a double click) is one message.
    expect((await post(action, { content: 'سلام، این آگهی هنوز موجود است؟', nonce })).status).toBe(303);

    const agent = await addAgent(api, ws);
    const list = await agent.http.get('/api/v1/conversations');
    const conversation = list.body.data.find((c: { channel: { id: string } }) => c.channel.id === channelId);
    expect(conversation).toMatchObject({
      status: 'open',
      last_message_preview: 'سلام، این آگهی هنوز موجود است؟',
      ad: { post_token: 'gZd7omnS', url: 'https://divar.ir/v/gZd7omnS' },
    });
    const messages = await agent.http.get(`/api/v1/conversations/${conversation.id}/messages`);
    expect(messages.body.data.map((m: { type: string; content: string }) => [m.type, m.content])).toEqual([
      ['customer', 'سلام، این آگهی هنوز موجود است؟'],
    ]);
    const [identity] = await api.db.query(
      `SELECT platform_user_id FROM contact_identity WHERE channel_id = $1`,
      [channelId],
    );
    expect(identity.platform_user_id).toBe('post:conv-form-1');

    // Back on the page: the message went, and the conversation waits for the team.
    const after = await (await page(sent.headers.get('location')!)).text();
    expect(after).toContain('data-testid="sent"');
    expect(after).toContain('data-state="waiting"');

    // The team answers; the page says so, with when.
    const reply = await ws.http.post(`/api/v1/message/conversation/${conversation.id}/send-message/`, {
      content: 'بله، موجود است',
      type: 'note',
    });
    expect(reply.status).toBe(201);
    await api.db.query(`UPDATE message SET type = 'support', status = 'sent' WHERE id = $1`, [reply.body.id]);
    const answered = await (await page(path)).text();
    expect(answered).toContain('data-state="answered"');
    expect(answered).toContain('data-testid="last-answered"');
    await ws.http.patch(`/api/v1/message/conversation/${conversation.id}/status/`, { status: 'resolved' });
    expect(await (await page(path)).text()).toContain('data-state="resolved"');
  });

  it('escapes what it shows and refuses an empty or too long message on the page, keeping the draft', async () => {
    await ws.http.patch(`/api/v1/channels/${channelId}`, { name: '<img src=x onerror=alert(1)>' });
    const path = await pagePath('conv-escape');
    const html = await (await page(path)).text();
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src&#61;x onerror&#61;alert(1)&gt;');
    const empty = await post(actionOf(html), { content: '   ', nonce: nonceOf(html) });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('data-testid="error"');
    const long = await post(actionOf(html), { content: `<b>${'x'.repeat(5000)}`, nonce: nonceOf(html) });
    expect(long.status).toBe(400);
    const longHtml = await long.text();
    expect(longHtml).toContain('&lt;b&gt;xxx');
    expect(longHtml).not.toContain('<b>x');
    const noNonce = await post(actionOf(html), { content: 'hello' });
    expect(noNonce.status).toBe(400);
    expect(
      await api.db.query(`SELECT 1 FROM contact_identity WHERE platform_user_id = 'post:conv-escape'`),
    ).toEqual([]);
    await ws.http.patch(`/api/v1/channels/${channelId}`, { name: 'Acme on Divar' });
  });

  it('takes at most 5 page messages from one conversation in 10 minutes, then says to wait', async () => {
    const path = await pagePath('conv-flood');
    for (let i = 0; i < 5; i++) {
      const html = await (await page(path)).text();
      expect((await post(actionOf(html), { content: `message ${i}`, nonce: nonceOf(html) })).status).toBe(
        303,
      );
    }
    const html = await (await page(`${path}?lang=en`)).text();
    const refused = await post(actionOf(html), { content: 'one more', nonce: nonceOf(html) });
    expect(refused.status).toBe(429);
    expect(await refused.text()).toMatch(/Too many requests. Try again in \d+ seconds./);
    const stored = await api.db.query(
      `SELECT count(*)::int AS n FROM message m JOIN contact_identity i ON i.contact_id = m.sender_contact_id
        WHERE i.platform_user_id = 'post:conv-flood'`,
    );
    expect(stored).toEqual([{ n: 5 }]);
    const [event] = await api.db.query(
      `SELECT workspace_id FROM security_event WHERE kind = 'rate_limited' AND detail->>'endpoint' = 'divar_session'`,
    );
    expect(event.workspace_id).toBe(ws.workspaceId);
  });

  it('sends the customer back only to Divar’s completion host, never to a URL from the request', async () => {
    const kept = await pagePath('conv-return', {
      completion_url: 'https://open-platform-redirect.divar.ir/completion?x=1',
    });
    expect(await (await page(kept)).text()).toContain(
      'href="https://open-platform-redirect.divar.ir/completion?x&#61;1"',
    );
    for (const evil of [
      'https://evil.example/completion',
      'javascript:alert(1)',
      'https://open-platform-redirect.divar.ir.evil.example/completion',
      'http://open-platform-redirect.divar.ir/completion',
      'https://user:pw@open-platform-redirect.divar.ir/completion',
    ]) {
      const html = await (await page(await pagePath('conv-return', { completion_url: evil }))).text();
      expect([evil, /data-testid="return" href="([^"]+)"/.exec(html)![1]]).toEqual([evil, COMPLETION]);
    }
  });

  it('answers a forged, tampered or expired link with a clear page in the customer’s language', async () => {
    const path = await pagePath('conv-forged');
    const token = path.split('/').pop()!;
    const [body, mac] = token.split('.');
    // Someone else's conversation in the same signed shape, with the MAC of another link.
    const other = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), k: 'someone-else' }),
    ).toString('base64url');
    // The MAC's last character with a spare bit flipped decodes to the same bytes: still refused.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = `${body}.${mac.slice(0, -1)}${alphabet[alphabet.indexOf(mac.at(-1)!) ^ 1]}`;
    for (const bad of [`${other}.${mac}`, `${body}.${'A'.repeat(43)}`, 'nonsense', `${body}.${mac}x`, twin]) {
      const res = await page(`/divar/session/${bad}?lang=en`);
      expect([bad, res.status]).toEqual([bad, 404]);
      const html = await res.text();
      expect(html).toContain('This link is not valid.');
      expect(html).not.toContain('<form');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect((await post(`/divar/session/${bad}`, { content: 'hi', nonce: 'a'.repeat(22) })).status).toBe(
        404,
      );
    }
    const persian = await (await page('/divar/session/nonsense')).text();
    expect(persian).toContain('این پیوند معتبر نیست');

    // Expired: a link signed a TTL ago.
    const realNow = Date.now;
    try {
      Date.now = () => realNow() - (api.config.divarSession.ttlSeconds + 5) * 1000;
      const stale = await api
        .get((await import('@parley/domain/services/divar-session.service')).DivarSessionService)
        .open(
          channelId,
          {
            header: (name) => (name === 'authorization' ? IDENTIFICATION_KEY : undefined),
            rawBody: undefined,
            body: sessionBody('conv-stale'),
          },
          '127.0.0.1',
        );
      Date.now = realNow;
      const res = await page(new URL(stale.url).pathname, { 'accept-language': 'ar' });
      expect(res.status).toBe(410);
      expect(await res.text()).toContain('انتهت صلاحية هذا الرابط');
    } finally {
      Date.now = realNow;
    }
    expect(
      await api.db.query(
        `SELECT 1 FROM contact_identity WHERE platform_user_id IN ('post:someone-else', 'post:conv-stale')`,
      ),
    ).toEqual([]);
  });

  it('stops working once the channel is removed', async () => {
    const path = await pagePath('conv-removed');
    const other = await signupWorkspace(api);
    // Another workspace cannot remove it.
    expect((await other.http.delete(`/api/v1/channels/${channelId}`)).status).toBe(404);
    expect((await page(path)).status).toBe(200);
    expect((await ws.http.delete(`/api/v1/channels/${channelId}`)).status).toBe(204);
    expect((await page(path)).status).toBe(404);
    expect((await openSession(sessionBody('conv-removed'))).status).toBe(404);
  });
});
