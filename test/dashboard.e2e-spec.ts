import { Client } from 'pg';
import type { BrowserContext, Page } from 'playwright-core';
import { screenshot, signIn, Stack, startStack } from './support/browser';
import { HttpClient } from './support/http';

/**
 * The dashboard in a real chromium against real api, ingest and worker processes and the
 * platform simulator: what an agent sees, live, with no reload.
 */
describe('the dashboard in a browser', () => {
  let stack: Stack;
  let admin: { id: string; email: string; password: string; token: string };
  let agent: { id: string; email: string; password: string; name: string };
  let botId: string;
  let ig: { igUserId: string; accessToken: string };
  const contexts: BrowserContext[] = [];
  const sim = () => stack.environment.simulator;

  const open = async (who: { email: string; password: string }, viewport?: { width: number; height: number }) => {
    const session = await signIn(stack, who, viewport);
    contexts.push(session.context);
    return session.page;
  };

  const telegramCustomer = (id: number, name: string, extra: Record<string, unknown>) =>
    sim().postTelegramUpdate(botId, sim().telegramMessage(botId, { id, first_name: name }, extra));

  const item = (page: Page, name: string) =>
    page.getByTestId('conversation-item').filter({ has: page.getByText(name, { exact: true }) });
  const bubble = (page: Page, text: string) => page.getByTestId('message').filter({ hasText: text });

  const openConversation = async (page: Page, name: string) => {
    await item(page, name).click();
    await page.getByTestId('conversation').locator('h2').filter({ hasText: new RegExp(`(^|\\s)${name}$`) }).waitFor();
  };

  beforeAll(async () => {
    stack = await startStack();
    const password = 'correct horse battery staple';
    const signup = await stack.http.post('/api/v1/auth/signup', {
      workspace_name: 'Acme Support',
      name: 'Sara Admin',
      email: `admin-${Date.now()}@example.test`,
      password,
    });
    admin = { id: signup.body.agent.id, email: signup.body.agent.email, password, token: signup.body.access_token };
    const http = stack.http.as(admin.token);
    const agentEmail = `agent-${Date.now()}@example.test`;
    const invite = await http.post('/api/v1/agents', { name: 'Omid Agent', email: agentEmail, role: 'agent' });
    const accepted = await new HttpClient(stack.apiUrl).post('/api/v1/auth/accept-invite', {
      invite_token: invite.body.invite_token,
      password,
    });
    agent = { id: accepted.body.agent.id, email: agentEmail, password, name: 'Omid Agent' };
    const botToken = sim().newBotToken();
    botId = botToken.split(':')[0];
    expect((await http.post('/api/v1/channels', { type: 'telegram', name: 'Support bot', bot_token: botToken })).status).toBe(201);
    ig = sim().newInstagramAccount();
    expect(
      (
        await http.post('/api/v1/channels', {
          type: 'instagram',
          name: 'Acme on Instagram',
          ig_user_id: ig.igUserId,
          access_token: ig.accessToken,
        })
      ).status,
    ).toBe(201);
  }, 60000);

  // An agent may hold 5 sockets at once; each page holds 3, so every test closes its pages.
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('shows a customer message from the simulator without reload, and moves the unread badge', async () => {
    const page = await open(admin);
    await page.getByText('No conversations here yet.').waitFor();
    expect(await telegramCustomer(7001, 'Leila', { text: 'Hello, my order is late' })).toBe(200);
    const row = item(page, 'Leila');
    await row.getByText('Hello, my order is late').waitFor();
    await expect(row.getByTestId('unread').textContent()).resolves.toBe('1');
    expect(await row.locator('[data-channel="telegram"]').count()).toBe(1);

    await telegramCustomer(7001, 'Leila', { text: 'Order #5521' });
    await row.getByText('Order #5521').waitFor();
    await row.getByTestId('unread').filter({ hasText: '2' }).waitFor();

    // Opening it reads it: the badge goes.
    await openConversation(page, 'Leila');
    await bubble(page, 'Order #5521').waitFor();
    await row.getByTestId('unread').waitFor({ state: 'detached' });
    await screenshot(page, 'inbox-en');
  }, 60000);

  it('lets two agents see each other’s replies, typing and presence live', async () => {
    const a = await open(admin);
    const b = await open(agent);
    await openConversation(a, 'Leila');
    await openConversation(b, 'Leila');

    // Presence: each sees the other online.
    await b.locator(`[data-testid="presence"][data-agent="${admin.id}"][data-status="online"]`).waitFor();
    await a.locator(`[data-testid="presence"][data-agent="${agent.id}"][data-status="online"]`).waitFor();

    // Typing, both ways.
    await a.getByTestId('composer-input').pressSequentially('We are', { delay: 20 });
    await b.getByTestId('typing').filter({ hasText: 'Sara Admin is typing…' }).waitFor();
    await b.getByTestId('composer-input').pressSequentially('Hi', { delay: 20 });
    await a.getByTestId('typing').filter({ hasText: 'Omid Agent is typing…' }).waitFor();

    // Replies, both ways, with the ticks reaching sent.
    await a.getByTestId('composer-input').fill('We are checking your order now');
    await a.getByTestId('send').click();
    await bubble(b, 'We are checking your order now').waitFor();
    await a.locator('[data-testid="message"][data-status="sent"]').filter({ hasText: 'We are checking' }).waitFor();
    await b.getByTestId('composer-input').fill('I will take it from here, Leila');
    await b.keyboard.press('Enter');
    await bubble(a, 'I will take it from here, Leila').waitFor();
    await b.locator('[data-testid="message"][data-status="sent"]').filter({ hasText: 'I will take it' }).waitFor();
    await b.getByTestId('typing').filter({ hasText: /^$/ }).waitFor();
    expect(sim().sent('telegram', botId).map((c) => c.body.text)).toEqual(
      expect.arrayContaining(['We are checking your order now', 'I will take it from here, Leila']),
    );
    await screenshot(a, 'conversation-en');

    // The other agent leaves: presence goes offline with a last-seen time.
    await b.context().close();
    await a.locator(`[data-testid="presence"][data-agent="${agent.id}"][data-status="offline"]`).waitFor();
  }, 60000);

  it('shows a reply sent, then read after Instagram’s seen', async () => {
    const page = await open(admin);
    const igsid = `6${Date.now()}`;
    sim().setInstagramProfile(igsid, { name: 'Reza Karimi', username: 'reza.k' });
    await sim().postInstagramWebhook(sim().instagramMessage(ig.igUserId, igsid, { text: 'سلام، سفارشم کجاست؟' }));
    await item(page, 'Reza Karimi').waitFor();
    await openConversation(page, 'Reza Karimi');
    await page.getByTestId('ig-window').filter({ hasText: 'left to reply' }).waitFor();
    // Persian text lays itself out right to left even in the English dashboard.
    await expect(bubble(page, 'سلام').getByTestId('content').getAttribute('dir')).resolves.toBe('auto');

    await page.getByTestId('composer-input').fill('Your parcel left the warehouse today');
    await page.getByTestId('send').click();
    const reply = page.locator('[data-testid="message"]').filter({ hasText: 'Your parcel left' });
    await reply.and(page.locator('[data-status="sent"]')).waitFor();

    const db = new Client({ connectionString: stack.environment.env.DATABASE_URL });
    await db.connect();
    const [{ external_id: mid }] = (
      await db.query(`SELECT external_id FROM message WHERE content = $1`, ['Your parcel left the warehouse today'])
    ).rows;
    await db.end();
    await sim().postInstagramWebhook(
      sim().instagramEvent(ig.igUserId, { sender: { id: igsid }, recipient: { id: ig.igUserId }, read: { mid } }),
    );
    await reply.and(page.locator('[data-status="read"]')).waitFor();
  }, 60000);

  it('shows a failed send with the platform’s reason, and retries it', async () => {
    const page = await open(admin);
    await telegramCustomer(7002, 'Nadia', { text: 'Can you call me?' });
    await openConversation(page, 'Nadia');
    sim().inject({
      platform: 'telegram',
      method: 'sendMessage',
      times: 1,
      status: 400,
      description: 'Bad Request: message text is empty or invalid',
    });
    await page.getByTestId('composer-input').fill('We will call you at five');
    await page.getByTestId('send').click();
    const reply = bubble(page, 'We will call you at five');
    await reply.and(page.locator('[data-status="failed"]')).waitFor();
    await expect(reply.getByTestId('failure-reason').textContent()).resolves.toMatch(/message text is empty or invalid/);
    await reply.getByTestId('retry').click();
    await reply.and(page.locator('[data-status="sent"]')).waitFor();
  }, 60000);

  it('plays a customer’s voice note with a moving progress bar', async () => {
    const page = await open(admin);
    await telegramCustomer(7003, 'Karim', sim().voiceFields());
    await openConversation(page, 'Karim');
    const toggle = page.getByTestId('voice-toggle');
    await toggle.waitFor();
    await toggle.click();
    await page.getByRole('button', { name: 'Pause' }).waitFor();
    const progress = page.getByTestId('voice-progress');
    await page.waitForFunction(
      (el) => Number(el?.getAttribute('data-position')) > 0.2 && Number(el?.getAttribute('aria-valuemax')) > 0,
      await progress.elementHandle(),
    );
    const width = await progress.locator('.progress-fill').evaluate((el) => el.getBoundingClientRect().width);
    expect(width).toBeGreaterThan(0);
  }, 60000);

  it('flips the whole layout right-to-left in Persian', async () => {
    const page = await open(admin);
    await openConversation(page, 'Leila');
    await page.getByTestId('language').selectOption('fa');
    const html = page.locator('html');
    await expect(html.getAttribute('dir')).resolves.toBe('rtl');
    await expect(html.getAttribute('lang')).resolves.toBe('fa');
    await page.getByRole('link', { name: 'صندوق' }).waitFor();
    const list = await page.locator('.list-pane').boundingBox();
    const conversation = await page.getByTestId('conversation').boundingBox();
    expect(list!.x).toBeGreaterThan(conversation!.x); // the list moved to the right
    await expect(page.getByTestId('composer-input').getAttribute('placeholder')).resolves.toBe('پاسخی بنویسید…');
    await screenshot(page, 'conversation-fa');
    await page.goto(`${stack.apiUrl}/#/inbox`);
    await screenshot(page, 'inbox-fa');
    // The choice survives a reload.
    await page.reload();
    await expect(page.locator('html').getAttribute('dir')).resolves.toBe('rtl');
  }, 60000);

  it('shows a burst of failed logins on the security page', async () => {
    const page = await open(admin);
    for (let i = 0; i < 6; i++) {
      const res = await stack.http.post('/api/v1/auth/login', { email: agent.email, password: `wrong ${i}` });
      expect([401, 429]).toContain(res.status);
    }
    await page.getByTestId('nav-security').click();
    const card = page.getByTestId('stat-failedLogins').locator('.stat-value');
    await card.waitFor();
    expect(Number(await card.getAttribute('data-value'))).toBeGreaterThanOrEqual(6);
    expect(await page.locator('[data-testid="chart"] rect[data-kind="failedLogins"]').count()).toBeGreaterThan(0);
    await page.getByTestId('ws-stats').getByText('Sara Admin').waitFor();
    await screenshot(page, 'security-en');
    await page.getByTestId('language').selectOption('fa');
    await page.getByRole('heading', { name: 'امنیت' }).waitFor();
    await screenshot(page, 'security-fa');
  }, 60000);
});
