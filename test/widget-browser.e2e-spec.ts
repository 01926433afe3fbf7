import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { measureWidget, report, WIDGET_BUDGETS } from '../tools/widget/widget-size';
import { screenshot, signIn, signUpAdmin, Stack, startStack } from './support/browser';
import { bubble, chatFrame, press, serveWidgetHost, WidgetHost } from './support/widget-host';
import { eventually } from './support/ws';

/**
 * The web chat widget end to end: the api and worker as built, a business's page served by this test
 * on another port (another origin), a visitor in one chromium context and an agent in the dashboard
 * in another.
 */
describe('the web chat widget in a browser', () => {
  let stack: Stack;
  let admin: { email: string; password: string; token: string; id: string };
  let channelId = '';
  let identitySecret = '';
  let host: WidgetHost;
  /** The business's site: allowed. The same server by another name (`localhost`) is another origin: not allowed. */
  let allowed = '';
  let stranger = '';
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    stack = await startStack();
    admin = await signUpAdmin(stack, 'Acme Shop');
    host = await serveWidgetHost(stack.apiUrl, () => channelId);
    ({ allowed, stranger } = host);
    const channel = await stack.http.as(admin.token).post('/api/v1/channels', {
      type: 'web',
      name: 'Acme website',
      allowed_origins: [allowed],
      color: '#0f766e',
      greeting: { en: 'Hi! How can we help?', fa: 'سلام! چطور کمکتان کنیم؟' },
      languages: ['en', 'fa'],
      pre_chat: { name: 'off', email: 'off', phone: 'off' },
    });
    expect(channel.status).toBe(201);
    channelId = channel.body.id;
    identitySecret = channel.body.identity_secret;
  }, 120_000);
  afterAll(async () => {
    for (const context of contexts) await context.close();
    host?.close();
    await stack?.close();
  });

  const visitorContext = async (locale = 'en-US') => {
    const context = await stack.browser.newContext({ viewport: { width: 1100, height: 760 }, locale });
    contexts.push(context);
    return context;
  };
  const agentSession = async () => {
    const session = await signIn(stack, admin);
    contexts.push(session.context);
    session.page.setDefaultTimeout(15_000);
    return session.page;
  };
  const openConversation = async (page: Page, text: string) => {
    const item = page.getByTestId('conversation-item').filter({ hasText: text }).first();
    await item.waitFor();
    await item.click();
    await page.getByTestId('messages').getByText(text).first().waitFor();
  };

  let visitorPage: Page;
  let agentPage: Page;

  it('loads on an allowed origin: a bubble at once, the chat frame only on the first open, untouched by the page’s CSS', async () => {
    const context = await visitorContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(`${allowed}/`);
    await bubble(page).waitFor();
    // Lazy: nothing of the chat is downloaded before the visitor opens it.
    expect(requested.filter((url) => /\/widget\/(frame\.html|assets\/)/.test(url))).toEqual([]);
    const color = await bubble(page).evaluate(
      (el) => (globalThis as any).getComputedStyle(el).backgroundColor,
    );
    expect(color).toBe('rgb(15, 118, 110)');
    await bubble(page).click();
    const frame = await chatFrame(page);
    expect(frame.url().startsWith(`${stack.apiUrl}/widget/frame.html`)).toBe(true);
    // The host page's `iframe{display:none!important}` cannot reach into the shadow root.
    expect(await page.locator('[data-parley-widget] iframe').isVisible()).toBe(true);
    await frame.getByText('Hi! How can we help?').waitFor();
    visitorPage = page;
  }, 60_000);

  it('a visitor writes and an agent in another browser answers live; typing and read show both ways', async () => {
    const frame = await chatFrame(visitorPage);
    await frame.getByTestId('widget-input').fill('Hello from the shop, where is my order?');
    await press(frame.getByTestId('widget-send'));
    const mine = frame.getByTestId('widget-message').filter({ hasText: 'where is my order' });
    await mine.and(frame.locator('[data-status="delivered"]')).waitFor();

    agentPage = await agentSession();
    await openConversation(agentPage, 'Hello from the shop, where is my order?');
    await agentPage.getByTestId('conversation-item').first().locator('[data-channel="web"]').waitFor();
    // The agent read it: the visitor sees it read.
    await mine.and(frame.locator('[data-status="read"]')).waitFor();

    // The agent types: the visitor sees it; the visitor types: the agent sees it.
    await agentPage.getByTestId('composer-input').pressSequentially('It left', { delay: 20 });
    await frame.getByTestId('widget-typing').waitFor();
    await frame.getByTestId('widget-input').pressSequentially('Thanks', { delay: 20 });
    await agentPage
      .getByTestId('typing')
      .filter({ hasText: /typing/ })
      .waitFor();
    await frame.getByTestId('widget-input').fill('');

    await agentPage.getByTestId('composer-input').fill('It left our warehouse this morning.');
    await agentPage.getByTestId('send').click();
    await frame
      .getByTestId('widget-message')
      .filter({ hasText: 'It left our warehouse this morning.' })
      .waitFor();
    // The open widget read it: the agent sees the reply read.
    const reply = agentPage.getByTestId('message').filter({ hasText: 'It left our warehouse this morning.' });
    await reply.and(agentPage.locator('[data-status="read"]')).waitFor();
    await screenshot(visitorPage, 'widget-chat-en');
    await screenshot(agentPage, 'widget-inbox');
  }, 90_000);

  it('keeps the conversation across a reload (the visitor token stays in the frame’s storage)', async () => {
    await visitorPage.reload();
    // A returning visitor gets the frame at once, for the badge and the sound; it was open, so it opens.
    const frame = await chatFrame(visitorPage);
    await frame.getByTestId('widget-message').filter({ hasText: 'where is my order' }).waitFor();
    await frame
      .getByTestId('widget-message')
      .filter({ hasText: 'It left our warehouse this morning.' })
      .waitFor();
    expect(await frame.getByTestId('widget-message').count()).toBe(2);
  }, 60_000);

  it('shows an unread badge and the tab title while closed', async () => {
    await press((await chatFrame(visitorPage)).getByTestId('widget-close'));
    await agentPage.getByTestId('composer-input').fill('Anything else?');
    await agentPage.getByTestId('send').click();
    await bubble(visitorPage).locator('[data-parley="badge"]').filter({ hasText: '1' }).waitFor();
    await eventually(async () => expect(await visitorPage.title()).toMatch(/^\(1\) /), 10_000);
    await bubble(visitorPage).click();
    await eventually(async () => expect(await visitorPage.title()).toBe('Shop'), 10_000);
  }, 60_000);

  it('a dropped connection resumes with nothing lost and nothing doubled', async () => {
    const context = await visitorContext();
    let drop = false;
    const routes: WebSocketRoute[] = [];
    await context.routeWebSocket(/\/ws\/visitor\//, (ws) => {
      if (drop) return ws.close({ code: 4000, reason: 'dropped' });
      routes.push(ws, ws.connectToServer());
    });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${allowed}/`);
    await bubble(page).click();
    const frame = await chatFrame(page);
    await frame.getByTestId('widget-input').fill('Second visitor here');
    await press(frame.getByTestId('widget-send'));
    await frame.getByTestId('widget-message').filter({ hasText: 'Second visitor here' }).waitFor();
    await openConversation(agentPage, 'Second visitor here');
    await eventually(() => expect(routes.length).toBeGreaterThan(0), 10_000);

    // The line goes down (every new attempt fails too); the agent answers twice meanwhile.
    drop = true;
    for (const route of routes) await route.close({ code: 4000, reason: 'dropped' }).catch(() => undefined);
    await frame.getByTestId('widget-reconnecting').waitFor();
    for (const text of ['First answer while you were away', 'Second answer while you were away']) {
      await agentPage.getByTestId('composer-input').fill(text);
      await agentPage.getByTestId('send').click();
      await agentPage.getByTestId('message').filter({ hasText: text }).waitFor();
    }
    drop = false;
    await frame.getByTestId('widget-reconnecting').waitFor({ state: 'detached' });
    await frame
      .getByTestId('widget-message')
      .filter({ hasText: 'Second answer while you were away' })
      .waitFor();
    const texts = await frame.getByTestId('widget-message').allTextContents();
    expect(texts.filter((t) => t.includes('First answer while you were away'))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('Second answer while you were away'))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('Second visitor here'))).toHaveLength(1);
  }, 90_000);

  it('a page on an origin the channel does not allow gets no widget', async () => {
    const context = await visitorContext();
    const page = await context.newPage();
    const refused = page.waitForResponse((r) => r.url().includes(`/widget/v1/channels/${channelId}/config`));
    await page.goto(`${stranger}/`);
    expect((await refused).status()).toBe(403);
    await page.getByText('Acme shop').waitFor();
    expect(await page.locator('[data-parley-widget]').count()).toBe(0);
    // Nor does a page that frames the chat itself, posing as the allowed origin: the frame's CSP
    // names only the channel's origins, and the frame checks its embedder itself.
    const framePath = `/widget/frame.html?channel=${channelId}&origin=${encodeURIComponent(allowed)}`;
    const served = await fetch(`${stack.apiUrl}${framePath}`);
    expect(served.headers.get('content-security-policy')).toContain(`frame-ancestors ${allowed}`);
    await page.setContent(`<iframe src="${stack.apiUrl}${framePath}"></iframe>`, { waitUntil: 'load' });
    for (const frame of page.frames().filter((f) => f.url().includes('/widget/frame.html')))
      expect(await frame.locator('html[data-state="ready"]').count()).toBe(0);
  }, 60_000);

  it('speaks Persian right to left when the page asks for fa', async () => {
    const context = await visitorContext('en-US');
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${allowed}/?language=fa`);
    await bubble(page).click();
    const frame = await chatFrame(page);
    expect(await frame.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await frame.locator('html').getAttribute('lang')).toBe('fa');
    await frame.getByText('سلام! چطور کمکتان کنیم؟').waitFor();
    expect(await frame.getByTestId('widget-input').getAttribute('placeholder')).toBe('پیامی بنویسید…');
    await screenshot(page, 'widget-chat-fa');
  }, 60_000);

  it('a visitor’s voice note, recorded in the browser, plays in the dashboard', async () => {
    const context = await visitorContext();
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${allowed}/`);
    await bubble(page).click();
    const frame = await chatFrame(page);
    await frame.getByTestId('widget-input').fill('I will say it out loud');
    await press(frame.getByTestId('widget-send'));
    await frame.getByTestId('widget-message').filter({ hasText: 'I will say it out loud' }).waitFor();
    // The agent has the conversation open; the voice note arrives live.
    await openConversation(agentPage, 'I will say it out loud');
    await press(frame.getByTestId('widget-record'));
    await frame.locator('[data-testid="widget-recording"][data-seconds="2"]').waitFor();
    await press(frame.getByTestId('widget-record'));
    const voice = frame.getByTestId('widget-message').filter({ has: frame.locator('audio') });
    await voice.waitFor();

    const toggle = agentPage
      .getByTestId('message')
      .filter({ has: agentPage.getByTestId('voice') })
      .getByTestId('voice-toggle');
    await toggle.waitFor();
    await toggle.click();
    await agentPage.getByRole('button', { name: 'Pause' }).waitFor();
    const progress = agentPage.getByTestId('voice-progress');
    await agentPage.waitForFunction(
      (el) => Number(el?.getAttribute('data-position')) > 0.2,
      await progress.elementHandle(),
    );
  }, 90_000);

  it('a signed identity links the visitor to the contact across browsers; a forged one does not', async () => {
    const sign = (secret: string, userId: string) =>
      createHmac('sha256', secret).update(userId).digest('hex');
    const signed = new URLSearchParams({
      'user-id': 'customer-42',
      'user-name': 'Nadia Signed',
      'user-email': 'nadia@example.com',
      'user-signature': sign(identitySecret, 'customer-42'),
    });
    const first = await (await visitorContext()).newPage();
    first.setDefaultTimeout(20_000);
    await first.goto(`${allowed}/?${signed}`);
    await bubble(first).click();
    const frame = await chatFrame(first);
    await frame.getByTestId('widget-input').fill('Signed in and asking');
    await press(frame.getByTestId('widget-send'));
    await frame.getByTestId('widget-message').filter({ hasText: 'Signed in and asking' }).waitFor();
    let contactId = '';
    await eventually(async () => {
      const list = await stack.http.as(admin.token).get('/api/v1/conversations');
      const found = list.body.data.find((c: any) => c.contact.name === 'Nadia Signed');
      expect(found).toBeDefined();
      contactId = found.contact.id;
    }, 15_000);

    // Another browser (another device) with the same signed user: the same conversation.
    const second = await (await visitorContext()).newPage();
    second.setDefaultTimeout(20_000);
    await second.goto(`${allowed}/?${signed}`);
    await bubble(second).click();
    await (
      await chatFrame(second)
    )
      .getByTestId('widget-message')
      .filter({ hasText: 'Signed in and asking' })
      .waitFor();

    // The same claim signed with a guess: an anonymous visitor, nothing of Nadia's in sight.
    const forged = new URLSearchParams(signed);
    forged.set('user-name', 'Nadia Forged');
    forged.set('user-signature', sign('not-the-secret', 'customer-42'));
    const third = await (await visitorContext()).newPage();
    third.setDefaultTimeout(20_000);
    await third.goto(`${allowed}/?${forged}`);
    await bubble(third).click();
    const forgedFrame = await chatFrame(third);
    await forgedFrame.getByTestId('widget-input').fill('Forged and asking');
    await press(forgedFrame.getByTestId('widget-send'));
    await forgedFrame.getByTestId('widget-message').filter({ hasText: 'Forged and asking' }).waitFor();
    expect(await forgedFrame.getByText('Signed in and asking').count()).toBe(0);
    await eventually(async () => {
      const list = await stack.http.as(admin.token).get('/api/v1/conversations');
      const forgedConversation = list.body.data.find((c: any) =>
        c.last_message_preview?.includes('Forged and asking'),
      );
      expect(forgedConversation).toBeDefined();
      expect(forgedConversation.contact.id).not.toBe(contactId);
      expect(forgedConversation.contact.name).not.toBe('Nadia Forged');
    }, 15_000);
  }, 120_000);

  it('an admin adds a website channel in the dashboard and gets the snippet and, once, the identity secret', async () => {
    const page = await agentSession();
    await page.getByTestId('nav-channels').click();
    const form = page.getByTestId('web-channel-form');
    await form.getByRole('textbox', { name: 'Name', exact: true }).fill('Second site');
    await form
      .getByLabel('Allowed origins (one per line)')
      .fill('https://shop.example\nhttps://www.shop.example/');
    await form.getByTestId('web-language-fa').check();
    await form.getByLabel('Greeting in English').fill('Hello there');
    await form.getByLabel('Greeting in فارسی').fill('سلام');
    await form.getByRole('button', { name: 'Create the widget' }).click();
    const created = page.getByTestId('web-channel-created');
    await created.waitFor();
    const id = await created.getAttribute('data-id');
    await created
      .getByTestId('web-snippet')
      .filter({ hasText: `<script src="${stack.apiUrl}/widget.js" data-channel="${id}" async></script>` })
      .waitFor();
    expect(await created.getByTestId('web-identity-secret').textContent()).toMatch(/\S{16,}/);
    await created.getByTestId('web-identity-example').filter({ hasText: 'data-user-signature' }).waitFor();
    await created.scrollIntoViewIfNeeded();
    await screenshot(page, 'widget-channel');
    const channel = await stack.http.as(admin.token).get(`/api/v1/channels/${id}`);
    expect(channel.body.web.allowed_origins).toEqual(['https://shop.example', 'https://www.shop.example']);
    expect(channel.body.web.languages).toEqual(['en', 'fa']);
    expect(channel.body.web.greeting).toEqual({ en: 'Hello there', fa: 'سلام' });
    // Shown once: the channels page lists the snippet again, never the secret.
    await created.getByRole('button', { name: 'I have stored it' }).click();
    await page
      .getByTestId('web-card')
      .filter({ hasText: 'Second site' })
      .getByTestId('web-snippet')
      .waitFor();
    expect(await page.getByTestId('web-identity-secret').count()).toBe(0);
  }, 60_000);

  it('the built widget is within its budget: the loader ≤ 5 KB gzip, the whole widget ≤ 60 KB gzip', () => {
    const dir = join(__dirname, '..', 'dist', 'widget');
    expect(existsSync(join(dir, 'frame.html'))).toBe(true);
    const sizes = measureWidget(dir);
    expect(sizes.loader.gzip).toBeLessThanOrEqual(WIDGET_BUDGETS.loaderGzip);
    expect(sizes.total.gzip).toBeLessThanOrEqual(WIDGET_BUDGETS.totalGzip);
    expect(report(sizes).ok).toBe(true);
  });
});
