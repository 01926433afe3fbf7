import { Client } from 'pg';
import type { BrowserContext, Page } from 'playwright-core';
import { freePort } from './support/app';
import { screenshot, signIn, Stack, startStack } from './support/browser';
import { HttpClient } from './support/http';

const KEYS = {
  app_slug: 'acme-kenar-app',
  api_key: 'kenar-api-key-secret-0001',
  identification_key: 'kenar-identification-key-0001',
  client_secret: 'kenar-client-secret-0001',
};
const COMPLETION = 'https://open-platform-redirect.divar.ir/completion';

/**
 * Divar in a real chromium against the built api, ingest and worker: an admin connects a Divar
 * app from the channels page, a customer leaves a message on the add-on session page, and agents
 * see which ad the conversation is about.
 */
describe('Divar in the browser', () => {
  let stack: Stack;
  let db: Client;
  let admin: { email: string; password: string; token: string };
  let channelId: string;
  const contexts: BrowserContext[] = [];

  const open = async () => {
    const session = await signIn(stack, admin);
    contexts.push(session.context);
    return session.page;
  };
  const channelsPage = async (page: Page) => {
    await page.getByTestId('nav-channels').click();
    await page.getByRole('heading', { name: 'Channels', level: 1 }).waitFor();
  };

  beforeAll(async () => {
    // The retention scan every second: an erased message reaches an open chat within moments.
    // The api at a known port: Divar's OAuth returns the browser to API_PUBLIC_URL, which follows API_PORT.
    stack = await startStack({ RETENTION_SCAN_INTERVAL_SECONDS: '1', API_PORT: String(await freePort()) });
    // The simulator's Divar knows the app the admin connects (its slug, keys and owner).
    stack.environment.simulator.divar.addApp({
      slug: KEYS.app_slug,
      apiKey: KEYS.api_key,
      identificationKey: KEYS.identification_key,
      clientSecret: KEYS.client_secret,
      userId: 'owner-browser-1',
    });
    db = new Client({ connectionString: stack.environment.env.DATABASE_URL });
    await db.connect();
    const password = 'correct horse battery staple';
    const signup = await stack.http.post('/api/v1/auth/signup', {
      workspace_name: 'Acme Divar Shop',
      name: 'Sara Admin',
      email: `admin-${Date.now()}@example.test`,
      password,
    });
    admin = { email: signup.body.agent.email, password, token: signup.body.access_token };
  }, 60000);

  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
  });

  afterAll(async () => {
    await db?.end();
    await stack?.close();
  });

  it('adds a Divar channel from the channels page, with the URLs to paste, the retention note and Connect', async () => {
    const page = await open();
    await channelsPage(page);
    const form = page.getByRole('form', { name: 'Connect Divar (Kenar app)' });
    await form.getByLabel('Name').fill('Acme on Divar');
    await form.getByLabel('App slug').fill(KEYS.app_slug);
    for (const [label, value] of [
      ['API key', KEYS.api_key],
      ['Identification key', KEYS.identification_key],
      ['OAuth client secret', KEYS.client_secret],
    ]) {
      const input = form.getByLabel(label);
      await expect(input.getAttribute('type')).resolves.toBe('password');
      await input.fill(value);
    }
    await form.getByRole('button', { name: 'Connect' }).click();

    const card = page.getByTestId('divar-card');
    await card.waitFor();
    channelId = (await card.getAttribute('data-id'))!;
    const publicUrl = stack.environment.env.PUBLIC_URL;
    await expect(card.getByTestId('divar-events-url').inputValue()).resolves.toBe(
      `${publicUrl}/webhooks/divar/${channelId}`,
    );
    await expect(card.getByTestId('divar-session-url').inputValue()).resolves.toBe(
      `${publicUrl}/webhooks/divar/${channelId}/session`,
    );
    await expect(card.getByTestId('retention-note').textContent()).resolves.toBe(
      'Messages older than 30 days are erased, as Divar’s policy asks.',
    );
    // The form was emptied and no secret is shown back anywhere on the page.
    await expect(form.getByLabel('API key').inputValue()).resolves.toBe('');
    const html = await page.content();
    for (const secret of [KEYS.api_key, KEYS.identification_key, KEYS.client_secret])
      expect(html).not.toContain(secret);

    // The authorize route answers Divar's URL to a JSON caller; the dashboard goes there.
    let accept: string | undefined;
    await page.route('**/api/v1/channels/*/divar/authorize', (route) => {
      accept = route.request().headers().accept;
      return route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ url: `${stack.apiUrl}/healthz?divar-oauth=1` }),
      });
    });
    await card.getByRole('button', { name: 'Connect with Divar' }).click();
    await page.waitForURL(`${stack.apiUrl}/healthz?divar-oauth=1`);
    expect(accept).toBe('application/json');
  }, 60000);

  it('connects for real: Connect with Divar goes through Divar’s consent and back, and the channel is active', async () => {
    const page = await open();
    await channelsPage(page);
    const card = page.getByTestId('divar-card');
    await card.getByTestId('divar-status').filter({ hasText: 'Reauthorization required' }).waitFor();
    // No stub: the api answers Divar's authorize URL (the simulator), which sends the browser back to
    // /oauth/divar/callback, which stores the grant and returns to the channels page with the result.
    await card.getByRole('button', { name: /with Divar/ }).click();
    await page.getByTestId('divar-outcome').filter({ hasText: 'Divar is connected.' }).waitFor();
    expect(new URL(page.url()).origin).toBe(stack.apiUrl);
    await page.getByTestId('divar-card').getByTestId('divar-status').filter({ hasText: 'Active' }).waitFor();
    await screenshot(page, 'divar-channel');
    const {
      rows: [channel],
    } = await db.query(`SELECT status, token_expires_at FROM channel WHERE id = $1`, [channelId]);
    expect(channel.status).toBe('active');
    expect(channel.token_expires_at).not.toBeNull();
    // Divar heard the exchange and the subscription Parley makes after a grant.
    const calls = stack.environment.simulator.divar.calls.map((c) => `${c.endpoint} ${c.status}`);
    expect(calls).toEqual(expect.arrayContaining(['authorize 302', 'token 200', 'subscriptions 200']));
  }, 60000);

  it('says what the authorize route answered when it cannot start, and what Divar’s callback reported', async () => {
    const page = await open();
    // An api without the route (or one that refuses): its error, in words, and no navigation.
    await page.route('**/api/v1/channels/*/divar/authorize', (route) =>
      route.fulfill({
        status: 404,
        contentType: 'application/json',
        body: JSON.stringify({
          statusCode: 404,
          code: 'route_not_found',
          message: 'There is no such endpoint.',
        }),
      }),
    );
    await channelsPage(page);
    await page.getByTestId('divar-connect').click();
    await page.getByText('There is no such endpoint.').waitFor();
    expect(new URL(page.url()).hash).toBe('#/channels');

    // Divar's callback ends with a full page load of the channels page carrying the result.
    await page.goto('about:blank');
    await page.goto(`${stack.apiUrl}/#/channels?divar=connected`);
    await page.getByTestId('divar-outcome').filter({ hasText: 'Divar is connected.' }).waitFor();
    // Read once: the flag leaves the address.
    expect(new URL(page.url()).hash).toBe('#/channels');
    await page.goto('about:blank');
    await page.goto(`${stack.apiUrl}/#/channels?divar=error`);
    await page
      .getByTestId('divar-outcome')
      .filter({ hasText: 'Connecting with Divar did not complete. Try again.' })
      .waitFor();

    // A grant that expired: the status says so and the button reconnects.
    await db.query(`UPDATE channel SET status = 'reauthorization_required' WHERE id = $1`, [channelId]);
    await page.goto('about:blank');
    await page.goto(`${stack.apiUrl}/#/inbox`);
    await channelsPage(page);
    await page.getByTestId('divar-status').filter({ hasText: 'Reauthorization required' }).waitFor();
    await page.getByRole('button', { name: 'Reconnect with Divar' }).waitFor();
    await db.query(`UPDATE channel SET status = 'active' WHERE id = $1`, [channelId]);

    // The retention period, set by the admin.
    const card = page.getByTestId('divar-card');
    await card.getByTestId('retention-days').fill('7');
    await card.getByRole('button', { name: 'Save' }).click();
    await page
      .getByTestId('retention-note')
      .filter({ hasText: 'Messages older than 7 days are erased, as Divar’s policy asks.' })
      .waitFor();
    expect((await db.query(`SELECT retention_days FROM channel WHERE id = $1`, [channelId])).rows).toEqual([
      { retention_days: 7 },
    ]);
    await page.getByTestId('retention-days').fill('30');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('retention-note').filter({ hasText: '30 days' }).waitFor();
  }, 60000);

  it('lets a customer leave a message on the session page (Persian, right to left), which agents see with its ad', async () => {
    const ingest = new HttpClient(stack.environment.env.PUBLIC_URL);
    const opened = await ingest.post(
      `/webhooks/divar/${channelId}/session`,
      {
        post_token: 'gZd7omnS',
        conversation_id: 'conv-browser-1',
        user_side: 'DEMAND',
        source: 'CHAT',
        provider_data: {},
        completion_url: COMPLETION,
      },
      { headers: { authorization: KEYS.identification_key, 'api-version': '2' } },
    );
    expect(opened.status).toBe(200);

    const customer = await stack.browser.newContext({ locale: 'fa-IR' });
    contexts.push(customer);
    const page = await customer.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      // (the browser's own favicon request may 404: not the page's doing)
      if (message.type() === 'error' && /Content Security Policy|Refused/i.test(message.text()))
        errors.push(message.text());
    });
    await page.goto(`${stack.apiUrl}${new URL(opened.body.url).pathname}`);
    await expect(page.locator('html').getAttribute('dir')).resolves.toBe('rtl');
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('fa');
    await page.getByText('هنوز گفتگویی با تیم پشتیبانی ندارید').waitFor();
    // Laid out right to left, in the page's own style (the CSP let it apply).
    // (a string: evaluated in the page, where the DOM's globals are)
    await expect(page.evaluate('getComputedStyle(document.body).direction')).resolves.toBe('rtl');
    await expect(page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth")).resolves.toBe(
      '512px',
    );
    await page.getByLabel('پیامی برای تیم پشتیبانی بگذارید').fill('سلام، این آگهی هنوز موجود است؟');
    await page.getByRole('button', { name: 'ارسال پیام' }).click();
    await page.getByTestId('sent').waitFor();
    await page.locator('[data-state="waiting"]').waitFor();
    await expect(page.getByTestId('return').getAttribute('href')).resolves.toBe(COMPLETION);
    // The strict CSP refused nothing the page needs.
    expect(errors).toEqual([]);
    await screenshot(page, 'divar-session');

    // Stored as the customer's message: the REST API shows it to an agent.
    const conversations = await stack.http
      .as(admin.token)
      .get(`/api/v1/conversations?channel_id=${channelId}`);
    expect(conversations.body.data).toHaveLength(1);
    const history = await stack.http
      .as(admin.token)
      .get(`/api/v1/conversations/${conversations.body.data[0].id}/messages`);
    expect(history.body.data.map((m: { type: string; content: string }) => [m.type, m.content])).toEqual([
      ['customer', 'سلام، این آگهی هنوز موجود است؟'],
    ]);

    // The agent's inbox: a Divar badge on the item, the ad in the conversation's header.
    const agentPage = await open();
    const item = agentPage
      .getByTestId('conversation-item')
      .filter({ has: agentPage.locator('[data-channel="divar"]') });
    await item.getByText('سلام، این آگهی هنوز موجود است؟').waitFor();
    await item.click();
    const ad = agentPage.getByTestId('conversation-ad');
    await expect(ad.textContent()).resolves.toBe('Ad: gZd7omnS');
    await expect(ad.getAttribute('href')).resolves.toBe('https://divar.ir/v/gZd7omnS');
    await agentPage.getByTestId('message').filter({ hasText: 'سلام، این آگهی هنوز موجود است؟' }).waitFor();
    await screenshot(agentPage, 'divar-conversation');

    // Past the retention period, the worker erases it and the open chat shows the marker at once.
    await db.query(
      `UPDATE message SET created_at = now() - interval '31 days'
        WHERE channel_id = $1 AND content = 'سلام، این آگهی هنوز موجود است؟'`,
      [channelId],
    );
    await agentPage
      .getByTestId('expired')
      .filter({ hasText: 'Removed after 30 days' })
      .waitFor({ timeout: 15000 });
    await agentPage
      .getByTestId('message')
      .filter({ hasText: 'سلام، این آگهی هنوز موجود است؟' })
      .waitFor({ state: 'detached' });
  }, 90000);
});
