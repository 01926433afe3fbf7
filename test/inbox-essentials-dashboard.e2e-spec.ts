import type { BrowserContext, Page } from 'playwright-core';
import { screenshot, signIn, Stack, startStack } from './support/browser';
import { eventually } from './support/ws';

type PageGlobals = {
  localStorage: { setItem(key: string, value: string): void };
  document: { documentElement: { dir: string } };
};

/**
 * Labels, canned replies, bulk actions and keyboard shortcuts in the dashboard, against the real
 * processes (as built), the simulator's Telegram customers and chromium.
 */
describe('inbox essentials in the dashboard', () => {
  let stack: Stack;
  let admin: { email: string; password: string; token: string; id: string };
  const conversations: Record<string, string> = {};
  const contexts: BrowserContext[] = [];
  const customers = [
    { id: 9101, first_name: 'Nasrin' },
    { id: 9102, first_name: 'Omid' },
    { id: 9103, first_name: 'Parisa' },
  ];

  const http = () => stack.http.as(admin.token);
  const open = async (credentials = admin) => {
    const session = await signIn(stack, credentials);
    contexts.push(session.context);
    session.page.setDefaultTimeout(15_000);
    return session.page;
  };
  const item = (page: Page, name: string) => page.getByTestId('conversation-item').filter({ hasText: name });

  beforeAll(async () => {
    stack = await startStack();
    const password = 'correct horse battery staple';
    const signup = await stack.http.post('/api/v1/auth/signup', {
      workspace_name: 'Acme Shop',
      name: 'Sara Admin',
      email: `admin-${Date.now()}@example.test`,
      password,
    });
    admin = {
      email: signup.body.agent.email,
      password,
      token: signup.body.access_token,
      id: signup.body.agent.id,
    };
    const botToken = stack.environment.simulator.newBotToken();
    const botId = botToken.split(':')[0];
    const channel = await http().post('/api/v1/channels', {
      type: 'telegram',
      name: 'Shop',
      bot_token: botToken,
    });
    expect(channel.status).toBe(201);
    const sim = stack.environment.simulator;
    for (const customer of customers)
      await sim.postTelegramUpdate(
        botId,
        sim.telegramMessage(botId, customer, { text: `Hello from ${customer.first_name}` }),
      );
    await eventually(async () => {
      const list = await http().get('/api/v1/conversations');
      expect(list.body.data).toHaveLength(3);
      for (const c of list.body.data) conversations[c.contact.name] = c.id;
    }, 15_000);
    expect((await http().post('/api/v1/labels', { name: 'VIP', color: '#c92a2a' })).status).toBe(201);
    expect((await http().post('/api/v1/labels', { name: 'Billing', color: '#1971c2' })).status).toBe(201);
    const canned = await http().post('/api/v1/canned-responses', {
      shortcut: 'refund',
      content: 'Hi {{contact.name}}, {{agent.name}} here: your refund is on its way.',
    });
    expect(canned.status).toBe(201);
    await http().post('/api/v1/canned-responses', {
      shortcut: 'shipping',
      content: 'Parcels leave within a day.',
    });
  }, 120_000);
  // Each test's tabs close after it: an agent holds at most 5 sockets.
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('/ in the composer finds a canned reply by what is typed; arrows and Enter insert it with its variables filled', async () => {
    const page = await open();
    await page.goto(`${stack.apiUrl}/#/inbox/${conversations.Nasrin}`);
    const composer = page.getByTestId('composer-input');
    await composer.click();
    await composer.pressSequentially('/');
    const popup = page.getByTestId('canned-popup');
    await popup.getByTestId('canned-option').filter({ hasText: '/refund' }).waitFor();
    await popup.getByTestId('canned-option').filter({ hasText: '/shipping' }).waitFor();
    await composer.pressSequentially('ship');
    await eventually(async () => expect(await popup.getByTestId('canned-option').count()).toBe(1));
    // A space ends the search: the popup closes.
    await composer.pressSequentially(' ');
    await popup.waitFor({ state: 'detached' });
    await composer.fill('');
    await composer.pressSequentially('/re');
    await popup.getByTestId('canned-option').filter({ hasText: '/refund' }).waitFor();
    await screenshot(page, 'canned-replies-en');
    await composer.press('ArrowDown');
    await composer.press('ArrowUp');
    await composer.press('Enter');
    await eventually(async () =>
      expect(await composer.inputValue()).toBe('Hi Nasrin, Sara Admin here: your refund is on its way.'),
    );
    await composer.press('Enter');
    await page
      .getByTestId('messages')
      .getByText('Hi Nasrin, Sara Admin here: your refund is on its way.')
      .waitFor();

    // The / shortcut outside the composer opens the same popup in it.
    await page.getByTestId('messages').click();
    await page.keyboard.press('/');
    await popup.getByTestId('canned-option').first().waitFor();
    expect(await composer.inputValue()).toBe('/');
    await composer.press('Escape');
    await popup.waitFor({ state: 'detached' });
  }, 90_000);

  it('labels a conversation from its header; the list and a second tab show it live; the list filters by label', async () => {
    const page = await open();
    // The second tab is a teammate's.
    const email = `agent-${Date.now()}@example.test`;
    const invite = await http().post('/api/v1/agents', { name: 'Reza Agent', email, role: 'agent' });
    await stack.http.post('/api/v1/auth/accept-invite', {
      invite_token: invite.body.invite_token,
      password: admin.password,
    });
    const second = await open({ ...admin, email });
    await page.goto(`${stack.apiUrl}/#/inbox/${conversations.Omid}`);
    await page.getByTestId('label-picker').locator('summary').click();
    const vip = page.getByTestId('label-option').and(page.getByLabel('VIP'));
    await vip.click();
    await page.getByTestId('conversation').getByTestId('label-chip').filter({ hasText: 'VIP' }).waitFor();
    await item(page, 'Omid').getByTestId('label-chip').filter({ hasText: 'VIP' }).waitFor();
    await item(second, 'Omid').getByTestId('label-chip').filter({ hasText: 'VIP' }).waitFor();
    await screenshot(page, 'labels-en');

    await second.getByTestId('label-filter').selectOption({ label: 'VIP' });
    await eventually(async () => expect(await second.getByTestId('conversation-item').count()).toBe(1));
    await item(second, 'Omid').waitFor();
    // Labelled elsewhere while filtered: it joins the filtered list live.
    await http().put(`/api/v1/conversations/${conversations.Parisa}/labels`, {
      label_ids: [
        (await http().get('/api/v1/labels')).body.find((l: { name: string }) => l.name === 'VIP').id,
      ],
    });
    await item(second, 'Parisa').waitFor();
    await vip.click();
    await item(second, 'Omid').waitFor({ state: 'detached' });
  }, 90_000);

  it('selects conversations with shift-click and labels, assigns and resolves them at once', async () => {
    const page = await open();
    await page.getByTestId('conversation-item').nth(2).waitFor();
    const picks = page.getByTestId('conversation-pick');
    await picks.nth(0).click();
    await picks.nth(2).click({ modifiers: ['Shift'] });
    await page.getByTestId('bulk-bar').getByText('3 selected').waitFor();
    await page.getByTestId('bulk-label').selectOption({ label: 'Billing' });
    await eventually(async () =>
      expect(await page.getByTestId('label-chip').filter({ hasText: 'Billing' }).count()).toBe(3),
    );
    await picks.nth(0).click();
    await picks.nth(1).click();
    await page.getByTestId('bulk-assign').selectOption({ label: 'Sara Admin' });
    await eventually(async () => {
      const list = (await http().get('/api/v1/conversations?assignee=me')).body.data;
      expect(list).toHaveLength(2);
    });
    await picks.nth(0).click();
    await picks.nth(1).click();
    await page.getByTestId('bulk-resolve').click();
    await page.getByTestId('bulk-bar').waitFor({ state: 'detached' });
    await eventually(async () => expect(await page.locator('.status-pill.resolved').count()).toBe(2));
  }, 90_000);

  it('? lists the shortcuts (also in Persian); j/k move through the list, a assigns to me and e resolves', async () => {
    await http().post('/api/v1/conversations/bulk', {
      conversation_ids: Object.values(conversations),
      action: 'reopen',
    });
    await http().post('/api/v1/conversations/bulk', {
      conversation_ids: Object.values(conversations),
      action: 'unassign',
    });
    const page = await open();
    await page.getByTestId('conversation-item').nth(2).waitFor();
    await page.keyboard.press('?');
    const overlay = page.getByTestId('shortcuts');
    await overlay.getByRole('heading', { name: 'Keyboard shortcuts' }).waitFor();
    await overlay.getByText('Next conversation').waitFor();
    await screenshot(page, 'shortcuts-en');
    await page.keyboard.press('Escape');
    await overlay.waitFor({ state: 'detached' });

    const ids = await page
      .getByTestId('conversation-item')
      .evaluateAll((links) => links.map((l) => l.getAttribute('data-id')));
    await page.keyboard.press('j');
    await page.waitForURL(`**/#/inbox/${ids[0]}`);
    await page.getByTestId('composer-input').waitFor();
    await page.keyboard.press('j');
    await page.waitForURL(`**/#/inbox/${ids[1]}`);
    await page.keyboard.press('k');
    await page.waitForURL(`**/#/inbox/${ids[0]}`);
    await page.keyboard.press('Alt+ArrowDown');
    await page.waitForURL(`**/#/inbox/${ids[1]}`);
    // Typing j in the composer types it.
    await page.getByTestId('composer-input').click();
    await page.keyboard.type('jk');
    expect(await page.getByTestId('composer-input').inputValue()).toBe('jk');
    expect(page.url()).toContain(ids[1]!);
    await page.getByTestId('messages').click();
    await page.keyboard.press('a');
    await eventually(async () =>
      expect((await http().get(`/api/v1/conversations/${ids[1]}`)).body.assignee?.id).toBe(admin.id),
    );
    await page.keyboard.press('e');
    await eventually(async () =>
      expect((await http().get(`/api/v1/conversations/${ids[1]}`)).body.status).toBe('resolved'),
    );
    await eventually(async () =>
      expect(await page.getByTestId('status-select').inputValue()).toBe('resolved'),
    );

    await page.evaluate(() =>
      (globalThis as unknown as PageGlobals).localStorage.setItem('parley.language', 'fa'),
    );
    await page.reload();
    await page.getByTestId('conversation-item').first().waitFor();
    await page.getByTestId('messages').click();
    await page.keyboard.press('?');
    await overlay.getByRole('heading', { name: 'میان‌برهای صفحه‌کلید' }).waitFor();
    await overlay.getByText('گفتگوی بعدی').waitFor();
    expect(
      await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.dir),
    ).toBe('rtl');
    await screenshot(page, 'shortcuts-fa');
  }, 90_000);
});
