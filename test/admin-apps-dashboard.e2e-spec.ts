import type { BrowserContext, Page } from 'playwright-core';
import { screenshot, signIn, Stack, startStack } from './support/browser';
import { HttpClient } from './support/http';
import { eventually } from './support/ws';

/**
 * The admin's Bots page and an app's activity panel in Chromium, against the real processes and the
 * simulator's Telegram customer: a key made the bot of a channel from the page, the conversations it
 * handles counted, what the app did shown from the API keys page, the bot removed; the server's
 * refusals in the admin's language.
 */
describe('bots and app activity in the dashboard', () => {
  let stack: Stack;
  let admin: { email: string; password: string; token: string };
  let adminHttp: HttpClient;
  let shopBot: string;
  const channels: Record<string, string> = {};
  const contexts: BrowserContext[] = [];
  const sim = () => stack.environment.simulator;
  type PageGlobals = {
    localStorage: { setItem(key: string, value: string): void };
    document: { documentElement: { dir: string } };
  };

  const newKey = async (name: string, scopes: string[]) => {
    const res = await adminHttp.post('/api/v1/api-keys', { name, scopes });
    expect(res.status).toBe(201);
    return res.body as { id: string; key: string };
  };
  const channelChoice = (page: Page, name: string) =>
    page.getByTestId('bot-channel-choice').filter({ hasText: name }).getByRole('checkbox');

  beforeAll(async () => {
    // A known budget, so the panel's "1 of 30 a minute" is this file's own.
    stack = await startStack({ API_KEY_MESSAGES_PER_MINUTE: '30' });
    const password = 'correct horse battery staple';
    const res = await stack.http.post('/api/v1/auth/signup', {
      workspace_name: 'Bots workspace',
      name: 'Bots Admin',
      email: `bots-${Date.now()}@example.test`,
      password,
    });
    admin = { email: res.body.agent.email, password, token: res.body.access_token };
    adminHttp = stack.http.as(admin.token);
    for (const name of ['Shop', 'Desk']) {
      const token = sim().newBotToken();
      const channel = await adminHttp.post('/api/v1/channels', { type: 'telegram', name, bot_token: token });
      expect(channel.status).toBe(201);
      channels[name] = channel.body.id;
      if (name === 'Shop') shopBot = token.split(':')[0];
    }
  }, 60000);
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('an admin makes a new key the bot of a channel, sees the conversation it handles and what it did, and removes it', async () => {
    const { context, page } = await signIn(stack, admin);
    contexts.push(context);
    page.setDefaultTimeout(15_000);

    // A key with the two scopes a bot needs, from the API keys page.
    await page.getByTestId('nav-api-keys').click();
    await page.getByLabel('Name').fill('Order bot');
    await page.getByTestId('scope-conversations:write').check();
    await page.getByTestId('scope-messages:write').check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByTestId('new-key-value').textContent())!;
    await page.getByRole('button', { name: 'I have stored it' }).click();

    // The Bots page offers it; the admin makes it the bot of Shop.
    await page.getByTestId('nav-bots').click();
    await page.getByRole('heading', { name: 'Bots', level: 1 }).waitFor();
    await page.getByText('No bots yet.').waitFor();
    await page.getByTestId('bot-app').selectOption({ label: 'Order bot' });
    await channelChoice(page, 'Shop').check();
    await page.getByRole('button', { name: 'Make it the bot' }).click();
    const row = page.getByTestId('bot-row').filter({ hasText: 'Order bot' });
    await row.waitFor();
    expect(await row.getByTestId('bot-channels').textContent()).toContain('Shop');
    expect(await row.getAttribute('data-handling')).toBe('0');
    // Shop is now the bot's: named with it and not offered to another; the key is no longer offered.
    expect(await page.getByTestId('bot-channel-choice').filter({ hasText: 'Shop' }).textContent()).toContain(
      'bot: Order bot',
    );
    expect(await channelChoice(page, 'Shop').isDisabled()).toBe(true);
    await page.getByTestId('bots-no-apps').waitFor();
    const made = (await adminHttp.get('/api/v1/bots')).body;
    expect(made).toHaveLength(1);
    expect(made[0].channels.map((ch: { id: string }) => ch.id)).toEqual([channels.Shop]);

    // A customer writes on Shop: the conversation is the bot's, and the page counts it.
    expect(
      await sim().postTelegramUpdate(
        shopBot,
        sim().telegramMessage(shopBot, { id: 9401, first_name: 'Nima' }, { text: 'Where is my parcel?' }),
      ),
    ).toBe(200);
    await page.locator('[data-testid="bot-row"][data-handling="1"]').waitFor();
    expect(await row.getByTestId('bot-handling').textContent()).toBe('1');
    await screenshot(page, 'bots-page');

    // The app answers over REST, and once asks for what its scopes do not allow.
    const app = new HttpClient(stack.apiUrl).as(key);
    let conversationId = '';
    await eventually(async () => {
      const list = await adminHttp.get('/api/v1/conversations?handled_by=bot');
      expect(list.body.data).toHaveLength(1);
      conversationId = list.body.data[0].id;
    }, 10_000);
    const sent = await app.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
      content: 'Your parcel is on its way',
      type: 'support',
    });
    expect(sent.status).toBe(201);
    expect((await app.get('/api/v1/contacts')).body.code).toBe('scope_missing');

    // Its activity, opened from its row on the API keys page.
    await page.getByTestId('nav-api-keys').click();
    const keyRow = page.getByTestId('api-key-row').filter({ hasText: 'Order bot' });
    await keyRow.getByRole('button', { name: 'Activity' }).click();
    const activity = page.getByTestId('app-activity');
    await activity.getByRole('heading', { name: 'Activity of “Order bot”' }).waitFor();
    await activity.locator('[data-testid="activity-sent"][data-value="1"]').waitFor();
    expect(await activity.getByTestId('activity-failed').getAttribute('data-value')).toBe('0');
    expect(await activity.getByTestId('activity-pace').getAttribute('data-value')).toBe('1');
    expect(await activity.getByTestId('activity-pace').textContent()).toContain('1 of 30 a minute');
    // Its creation and its refusal, newest first.
    expect(await activity.getByTestId('activity-events').getAttribute('data-value')).toBe('2');
    expect(await activity.locator('[data-testid="activity-recent"] li').allTextContents()).toEqual([
      expect.stringContaining('API key lacked a scope'),
      expect.stringContaining('API key created'),
    ]);
    expect(await activity.getByTestId('activity-last-used').textContent()).not.toContain('Never');
    await screenshot(page, 'app-activity');
    await activity.getByRole('button', { name: 'Close' }).click();
    await activity.waitFor({ state: 'detached' });

    // Removing asks first, then hands the conversation to people.
    await page.getByTestId('nav-bots').click();
    await row.getByRole('button', { name: 'Remove' }).click();
    await row
      .getByText('Remove “Order bot”? The conversations it is handling now (1) go to people.')
      .waitFor();
    await row.getByRole('button', { name: 'Cancel' }).click();
    expect((await adminHttp.get('/api/v1/bots')).body).toHaveLength(1);
    await row.getByRole('button', { name: 'Remove' }).click();
    await row.getByRole('button', { name: 'Remove now' }).click();
    await page
      .getByTestId('bot-removed')
      .filter({ hasText: '“Order bot” is no longer a bot; conversations handed to people: 1.' })
      .waitFor();
    await page.getByText('No bots yet.').waitFor();
    const conversation = await adminHttp.get(`/api/v1/conversations/${conversationId}`);
    expect(conversation.body.bot).toBeNull();
    expect((await adminHttp.get('/api/v1/bots')).body).toEqual([]);
    // Shop is free again.
    expect(await channelChoice(page, 'Shop').isDisabled()).toBe(false);
  }, 120_000);

  it('the page speaks the admin’s language (fa, right to left): refusals, a channel taken meanwhile, and changing channels', async () => {
    const helper = await newKey('Helper', ['conversations:write', 'messages:write']);
    const assistant = await newKey('Assistant', ['conversations:write', 'messages:write', 'contacts:read']);
    const other = await newKey('Other', ['conversations:write', 'messages:write']);
    await newKey('Reader', ['conversations:read']);
    const { context, page } = await signIn(stack, admin);
    contexts.push(context);
    page.setDefaultTimeout(15_000);
    await page.evaluate(() =>
      (globalThis as unknown as PageGlobals).localStorage.setItem('parley.language', 'fa'),
    );
    await page.goto(`${stack.apiUrl}/#/bots`);
    await page.reload();
    await page.getByRole('heading', { name: 'ربات‌ها', level: 1 }).waitFor();
    expect(
      await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.dir),
    ).toBe('rtl');
    // Only keys that can run a bot are offered: not Reader, which cannot answer or hand off.
    // The choices arrive with the keys and apps the page loads: wait for them.
    const offered = () => page.getByTestId('bot-app').locator('option').allTextContents();
    await eventually(
      async () => expect(await offered()).toEqual(expect.arrayContaining(['Assistant', 'Helper', 'Other'])),
      15000,
    );
    expect(await offered()).not.toContain('Reader');

    // Helper is revoked while the admin chooses: the server's refusal, in Persian.
    await page.getByTestId('bot-app').selectOption({ label: 'Helper' });
    await channelChoice(page, 'Shop').check();
    expect((await adminHttp.delete(`/api/v1/api-keys/${helper.id}`)).status).toBe(200);
    await page.getByRole('button', { name: 'ربات شود' }).click();
    await page
      .getByTestId('bots-error')
      .filter({ hasText: 'ربات به یک کلید API فعال از همین فضای کاری' })
      .waitFor();

    // Desk is given to another bot meanwhile: the refusal names the channel and the bot that has it.
    await page.getByTestId('bot-app').selectOption({ label: 'Assistant' });
    await channelChoice(page, 'Shop').uncheck();
    await channelChoice(page, 'Desk').check();
    const taken = await adminHttp.post('/api/v1/bots', {
      api_key_id: other.id,
      channel_ids: [channels.Desk],
    });
    expect(taken.status).toBe(201);
    await page.getByRole('button', { name: 'ربات شود' }).click();
    await page
      .getByTestId('bots-error')
      .filter({ hasText: '«Desk» از قبل ربات دارد: Other. اول کانال را از آن ربات بردارید.' })
      .waitFor();
    expect((await adminHttp.get('/api/v1/bots')).body).toHaveLength(1);

    // The admin takes Shop instead, then moves Assistant to Desk too once Other lets it go.
    await channelChoice(page, 'Desk').uncheck();
    expect(await channelChoice(page, 'Desk').isDisabled()).toBe(true);
    await channelChoice(page, 'Shop').check();
    await page.getByRole('button', { name: 'ربات شود' }).click();
    const row = page.getByTestId('bot-row').filter({ hasText: 'Assistant' });
    await row.waitFor();
    expect((await adminHttp.delete(`/api/v1/bots/${other.id}`)).status).toBe(200);
    await page.getByTestId('bot-row').filter({ hasText: 'Other' }).waitFor({ state: 'detached' });
    await row.getByRole('button', { name: 'تغییر کانال‌ها' }).click();
    const edit = page.getByRole('form', { name: 'کانال‌های «Assistant»' });
    await edit.getByTestId('bot-channel-choice').filter({ hasText: 'Desk' }).getByRole('checkbox').check();
    await edit.getByRole('button', { name: 'ذخیره' }).click();
    await edit.waitFor({ state: 'detached' });
    await eventually(async () => {
      expect(await row.getByTestId('bot-channels').textContent()).toContain('Desk');
    }, 10_000);
    const bot = (await adminHttp.get(`/api/v1/bots/${assistant.id}`)).body;
    expect(bot.channels.map((ch: { id: string }) => ch.id).sort()).toEqual(
      [channels.Shop, channels.Desk].sort(),
    );
    await screenshot(page, 'bots-page-fa');
  }, 120_000);
});
