import type { BrowserContext } from 'playwright-core';
import { signIn, Stack, startStack } from './support/browser';
import { HttpClient } from './support/http';
import { eventually } from './support/ws';

/**
 * The admin's API keys page in Chromium: create a key with scopes, see it once, use it (its reply
 * shows in the inbox under the key's name), and revoke it with a confirmation.
 */
describe('the API keys page', () => {
  let stack: Stack;
  let admin: { email: string; password: string; token: string };
  let botId: string;
  const contexts: BrowserContext[] = [];
  const sim = () => stack.environment.simulator;
  /** The page's own globals, typed just enough (this file compiles without the DOM library). */
  type PageGlobals = {
    navigator: { clipboard: { readText(): Promise<string> } };
    localStorage: { setItem(key: string, value: string): void };
    document: { documentElement: { dir: string } };
  };

  beforeAll(async () => {
    stack = await startStack();
    const password = 'correct horse battery staple';
    const res = await stack.http.post('/api/v1/auth/signup', {
      workspace_name: 'Keys workspace',
      name: 'Keys Admin',
      email: `keys-${Date.now()}@example.test`,
      password,
    });
    admin = { email: res.body.agent.email, password, token: res.body.access_token };
    const botToken = sim().newBotToken();
    botId = botToken.split(':')[0];
    await stack.http
      .as(admin.token)
      .post('/api/v1/channels', { type: 'telegram', name: 'Support bot', bot_token: botToken });
  }, 60000);
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('an admin creates a key, sees it once, its reply shows as the app in the inbox, and revokes it', async () => {
    const { context, page } = await signIn(stack, admin);
    contexts.push(context);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.apiUrl });

    await page.getByTestId('nav-api-keys').click();
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    await page.getByLabel('Name').fill('Order bot');
    await page.getByTestId('scope-conversations:read').check();
    await page.getByTestId('scope-messages:write').check();
    expect(await page.getByText('Send replies and private notes').count()).toBe(1);
    await page.getByRole('button', { name: 'Create key' }).click();

    const shown = page.getByTestId('new-key-value');
    await shown.waitFor();
    const key = (await shown.textContent())!;
    expect(key).toMatch(/^pk_live_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    expect(await page.getByText('it is shown only once').count()).toBe(1);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    expect(
      await page.evaluate(() => (globalThis as unknown as PageGlobals).navigator.clipboard.readText()),
    ).toBe(key);
    const row = page.getByTestId('api-key-row').filter({ hasText: 'Order bot' });
    await row.waitFor();
    expect(await row.textContent()).toContain('conversations:read, messages:write');
    expect(await row.textContent()).toContain('Never');

    // Once dismissed, the key is nowhere on the page, nor after a reload.
    await page.getByRole('button', { name: 'I have stored it' }).click();
    expect(await page.content()).not.toContain(key);
    await page.reload();
    await page.getByTestId('api-key-row').first().waitFor();
    expect(await page.content()).not.toContain(key);

    // The app replies; the admin's inbox shows it under the key's name, marked as the API's.
    expect(
      await sim().postTelegramUpdate(
        botId,
        sim().telegramMessage(botId, { id: 9300, first_name: 'Reza' }, { text: 'Is my order shipped?' }),
      ),
    ).toBe(200);
    const app = new HttpClient(stack.apiUrl).as(key);
    let conversationId = '';
    await eventually(async () => {
      const list = await app.get('/api/v1/conversations');
      expect(list.status).toBe(200);
      expect(list.body.data).toHaveLength(1);
      conversationId = list.body.data[0].id;
    }, 10000);
    const sent = await app.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
      content: 'Shipped today, tracking 42',
      type: 'support',
    });
    expect(sent.status).toBe(201);
    await page.goto(`${stack.apiUrl}/#/inbox/${conversationId}`);
    const bubble = page.getByTestId('message').filter({ hasText: 'Shipped today, tracking 42' });
    await bubble.waitFor();
    expect(await bubble.getByTestId('sender').textContent()).toBe('Order bot');
    expect(await bubble.getByTestId('app-tag').count()).toBe(1);

    // A call outside the key's scopes is refused and counted on the admin's security page.
    expect((await app.get('/api/v1/contacts')).body.code).toBe('scope_missing');
    await page.goto(`${stack.apiUrl}/#/security`);
    await page.locator('[data-testid="stat-scopeRefused"] [data-value="1"]').waitFor();

    // Revoking asks first; cancelling keeps the key working.
    await page.goto(`${stack.apiUrl}/#/api-keys`);
    await row.waitFor();
    expect(await row.textContent()).not.toContain('Never');
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: 'Cancel' }).click();
    expect((await app.get('/api/v1/conversations')).status).toBe(200);
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByText('Revoke “Order bot”?').waitFor();
    await row.getByRole('button', { name: 'Revoke now' }).click();
    await page.locator('[data-testid="api-key-row"][data-revoked="true"]').waitFor();
    expect(await row.textContent()).toContain('Revoked');
    expect((await app.get('/api/v1/conversations')).status).toBe(401);
  });

  it('the page and its scope descriptions follow the admin’s language', async () => {
    const { context, page } = await signIn(stack, admin);
    contexts.push(context);
    await page.evaluate(() =>
      (globalThis as unknown as PageGlobals).localStorage.setItem('parley.language', 'fa'),
    );
    await page.goto(`${stack.apiUrl}/#/api-keys`);
    await page.reload();
    await page.getByRole('heading', { name: 'کلیدهای API', level: 1 }).waitFor();
    expect(await page.getByText('ارسال پاسخ و یادداشت خصوصی').count()).toBe(1);
    expect(
      await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.dir),
    ).toBe('rtl');
  });
});
