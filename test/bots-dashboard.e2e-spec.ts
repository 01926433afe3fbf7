import type { BrowserContext } from 'playwright-core';
import { screenshot, signIn, Stack, startStack } from './support/browser';
import { HttpClient } from './support/http';
import { eventually } from './support/ws';

/**
 * A bot's conversation in the dashboard against the real processes (as built), the simulator's
 * Telegram customer and chromium: the Bot tab and badge, the banner, the bot's buttons, the
 * customer's press, and Take over.
 */
describe('chatbots in the dashboard', () => {
  let stack: Stack;
  let admin: { email: string; password: string; token: string; id: string };
  let botId: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    stack = await startStack();
    const password = 'correct horse battery staple';
    const signup = await stack.http.post('/api/v1/auth/signup', {
      workspace_name: 'Acme Shop',
      name: 'Sara Admin',
      email: `admin-${Date.now()}@example.test`,
      password,
    });
    admin = { email: signup.body.agent.email, password, token: signup.body.access_token, id: signup.body.agent.id };
    const botToken = stack.environment.simulator.newBotToken();
    botId = botToken.split(':')[0];
    const channel = await stack.http
      .as(admin.token)
      .post('/api/v1/channels', { type: 'telegram', name: 'Shop', bot_token: botToken });
    expect(channel.status).toBe(201);
    const key = await stack.http
      .as(admin.token)
      .post('/api/v1/api-keys', { name: 'Order bot', scopes: ['conversations:write', 'messages:write'] });
    const made = await stack.http
      .as(admin.token)
      .post('/api/v1/bots', { api_key_id: key.body.id, channel_ids: [channel.body.id] });
    expect(made.status).toBe(201);

    // The customer writes; the bot answers with buttons; the customer presses one.
    const sim = stack.environment.simulator;
    const customer = { id: 8101, first_name: 'Omid' };
    await sim.postTelegramUpdate(botId, sim.telegramMessage(botId, customer, { text: 'Where is my order?' }));
    let conversationId = '';
    await eventually(async () => {
      const list = await stack.http.as(admin.token).get('/api/v1/conversations?handled_by=bot');
      expect(list.body.data).toHaveLength(1);
      conversationId = list.body.data[0].id;
    }, 15_000);
    const bot = new HttpClient(stack.apiUrl).as(key.body.key);
    const reply = await bot.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
      content: 'How can I help?',
      type: 'support',
      buttons: [[{ caption: 'Order status', payload: 'order_status' }, { caption: 'Talk to a person', payload: 'human' }]],
    });
    expect(reply.status).toBe(201);
    let externalId = '';
    await eventually(async () => {
      const page = await stack.http.as(admin.token).get(`/api/v1/conversations/${conversationId}/messages`);
      const sent = page.body.data.find((m: { id: string }) => m.id === reply.body.id);
      expect(sent.external_send_result?.success).toBe(true);
      externalId = sent.external_send_result.message_id;
    }, 15_000);
    await sim.pressTelegramButton(botId, customer, externalId, 'Order status');
  }, 120_000);
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await stack?.close();
  });

  it('an agent sees the bot’s conversation under Bot with its buttons and the press, and takes it over', async () => {
    const session = await signIn(stack, admin);
    contexts.push(session.context);
    const page = session.page;
    page.setDefaultTimeout(10_000);
    // Not in the agents' queue; under Bot, with the bot's badge.
    await page.getByTestId('scope-unassigned').click();
    await page.getByText('No conversations here yet.').waitFor();
    await page.getByTestId('scope-bot').click();
    const item = page.getByTestId('conversation-item').first();
    await item.getByTestId('bot-badge').filter({ hasText: 'Bot: Order bot' }).waitFor();
    await item.click();
    await page.getByTestId('bot-banner').filter({ hasText: 'Order bot (a bot) is handling this conversation.' }).waitFor();
    const buttons = page.getByTestId('reply-buttons').first();
    await buttons.getByText('Order status').waitFor();
    await buttons.getByText('Talk to a person').waitFor();
    await page.getByTestId('pressed-button').first().waitFor();
    await screenshot(page, 'bot-conversation');

    await page.getByTestId('take-over').click();
    await page.getByTestId('bot-banner').waitFor({ state: 'detached' });
    await eventually(async () => {
      const list = await stack.http.as(admin.token).get('/api/v1/conversations?handled_by=bot');
      expect(list.body.data).toHaveLength(0);
    }, 10_000);
    await page.getByText('Sara Admin took over from the bot').waitFor();
    await page.getByTestId('scope-mine').click();
    await page.getByTestId('conversation-item').first().waitFor();
  }, 90_000);
});
