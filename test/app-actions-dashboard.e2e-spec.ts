import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import type { BrowserContext } from 'playwright-core';
import { screenshot, signIn, Stack, startStack } from './support/browser';
import { HttpClient } from './support/http';
import { eventually } from './support/ws';

interface Context {
  conversation: { id: string };
  agent: { id: string; name: string };
  workspace: { name: string };
}

/**
 * A real app on its own port: its page verifies `parley_context` on the server with the app's
 * context secret and says whom it verified; anything else is refused.
 */
class ShopApp {
  secret = '';
  appId = '';
  readonly verified: Context[] = [];
  readonly refused: string[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://app.local');
      const token = url.searchParams.get('parley_context') ?? '';
      let context: Context;
      try {
        context = jwt.verify(token, this.secret, {
          algorithms: ['HS256'],
          issuer: 'parley',
          audience: this.appId,
        }) as Context;
      } catch (error) {
        this.refused.push((error as Error).message);
        res.writeHead(401, { 'content-type': 'text/html; charset=utf-8' }).end('<p>refused</p>');
        return;
      }
      this.verified.push(context);
      const text = `verified ${context.conversation.id} for ${context.agent.name}`.replace(/[<>&]/g, '');
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(`<!doctype html><title>Shop</title><p id="verdict">${text}</p>`);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Apps inside a conversation in Chromium: the agent opens an app's action from the conversation
 * view, the panel's frame shows the app's page, which verified the signed context on its server;
 * the app's result card then appears live in the open conversation.
 */
describe('apps inside a conversation, in the dashboard', () => {
  let stack: Stack;
  let shop: ShopApp;
  let admin: { email: string; password: string; token: string };
  let app: HttpClient;
  let conversationId: string;
  const contexts: BrowserContext[] = [];
  type PageGlobals = {
    localStorage: { setItem(key: string, value: string): void };
    document: { documentElement: { dir: string } };
  };

  beforeAll(async () => {
    stack = await startStack();
    shop = await new ShopApp().start();
    const password = 'correct horse battery staple';
    const res = await stack.http.post('/api/v1/auth/signup', {
      workspace_name: 'Shop workspace',
      name: 'Nima Agent',
      email: `apps-${Date.now()}@example.test`,
      password,
    });
    admin = { email: res.body.agent.email, password, token: res.body.access_token };
    const sim = stack.environment.simulator;
    const botToken = sim.newBotToken();
    const botId = botToken.split(':')[0];
    await stack.http
      .as(admin.token)
      .post('/api/v1/channels', { type: 'telegram', name: 'Support bot', bot_token: botToken });
    expect(
      await sim.postTelegramUpdate(
        botId,
        sim.telegramMessage(botId, { id: 9400, first_name: 'Sara' }, { text: 'Where is order 1042?' }),
      ),
    ).toBe(200);

    const key = await stack.http.as(admin.token).post('/api/v1/api-keys', {
      name: 'Shop',
      scopes: ['actions:manage', 'messages:write', 'conversations:read'],
    });
    app = new HttpClient(stack.apiUrl).as(key.body.key);
    const declared = await app.put('/api/v1/app/actions', {
      actions: [
        {
          key: 'order',
          name: 'Order lookup',
          name_fa: 'پیگیری سفارش',
          name_ar: 'تتبع الطلب',
          url: `${shop.url}/parley/order`,
        },
      ],
    });
    expect(declared.status).toBe(200);
    shop.secret = declared.body.context_secret;
    shop.appId = key.body.id;
    await eventually(async () => {
      const list = await app.get('/api/v1/conversations');
      expect(list.body.data).toHaveLength(1);
      conversationId = list.body.data[0].id;
    }, 10000);
  }, 60000);
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
  });
  afterAll(async () => {
    await shop?.stop();
    await stack?.close();
  });

  it('the agent opens the app from the conversation: its page verified the context, and its card appears live', async () => {
    const { context, page } = await signIn(stack, admin);
    contexts.push(context);
    await page.goto(`${stack.apiUrl}/#/inbox/${conversationId}`);
    await page.getByTestId('messages').getByText('Where is order 1042?').waitFor();

    await page.getByTestId('apps-button').click();
    await page.getByRole('menuitem', { name: /Order lookup/ }).click();
    const panel = page.getByTestId('app-panel');
    await panel.getByRole('heading', { name: 'Order lookup' }).waitFor();
    expect(await panel.textContent()).toContain('Shop');
    const frame = page.frameLocator('[data-testid="app-frame"]');
    await frame.getByText(`verified ${conversationId} for Nima Agent`).waitFor();
    expect(shop.refused).toEqual([]);
    expect(shop.verified).toEqual([
      expect.objectContaining({
        conversation: expect.objectContaining({ id: conversationId }),
        agent: expect.objectContaining({ name: 'Nima Agent' }),
        workspace: expect.objectContaining({ name: 'Shop workspace' }),
      }),
    ]);
    const frameElement = page.getByTestId('app-frame');
    expect(await frameElement.getAttribute('sandbox')).toBe(
      'allow-scripts allow-forms allow-same-origin allow-popups',
    );
    expect(await frameElement.getAttribute('referrerpolicy')).toBe('no-referrer');

    // The app answers with a card; the agent sees it at once in the open conversation.
    const posted = await app.post(`/api/v1/conversations/${conversationId}/cards`, {
      title: 'Order 1042: shipped',
      text: 'Arrives Thursday.',
      fields: [{ label: 'Total', value: '€42.00' }],
      url: `${shop.url}/orders/1042`,
    });
    expect(posted.status).toBe(201);
    const card = page.getByTestId('message').filter({ has: page.getByTestId('card') });
    await card.getByTestId('card-title').filter({ hasText: 'Order 1042: shipped' }).waitFor();
    expect(await card.getByTestId('sender').textContent()).toBe('Shop');
    expect(await card.textContent()).toContain('€42.00');
    expect(await card.getByRole('link', { name: 'Open in Shop' }).getAttribute('href')).toBe(
      `${shop.url}/orders/1042`,
    );
    await screenshot(page, 'app-panel');

    await page.getByTestId('app-panel-close').click();
    await panel.waitFor({ state: 'detached' });
  });

  it('the apps menu follows the agent’s language and direction', async () => {
    const { context, page } = await signIn(stack, admin);
    contexts.push(context);
    await page.evaluate(() =>
      (globalThis as unknown as PageGlobals).localStorage.setItem('parley.language', 'fa'),
    );
    await page.goto(`${stack.apiUrl}/#/inbox/${conversationId}`);
    await page.reload();
    await page.getByRole('button', { name: 'برنامه‌ها' }).click();
    await page.getByRole('menuitem', { name: /پیگیری سفارش/ }).click();
    await page.getByTestId('app-panel').getByRole('heading', { name: 'پیگیری سفارش' }).waitFor();
    await page.frameLocator('[data-testid="app-frame"]').getByText(`verified ${conversationId}`).waitFor();
    expect(
      await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.dir),
    ).toBe('rtl');
    await screenshot(page, 'app-panel-fa');
  });
});
