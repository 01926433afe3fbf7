import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { screenshot, signIn, Stack, startStack } from './support/browser';
import { eventually } from './support/ws';

/**
 * The admins' Webhooks page against the real processes (api, ingest, worker as built), the
 * simulator's Telegram customer, a real receiving HTTP server and chromium: subscribe, read the
 * secret once, watch the delivery log, send one again.
 */
describe('webhooks in the dashboard', () => {
  let stack: Stack;
  let receiver: Server;
  let receiverUrl: string;
  const received: { id: string; seq: number; type: string; status: number }[] = [];
  let admin: { email: string; password: string; token: string };
  let botId: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    // The first delivery is answered 500, every later one 200.
    receiver = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const status = received.length === 0 ? 500 : 200;
        received.push({ id: body.id, seq: body.seq, type: body.type, status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/parley`;
    stack = await startStack({
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_RETRY_BASE_MS: '300',
      WEBHOOK_POLL_MS: '100',
    });
    const password = 'correct horse battery staple';
    const signup = await stack.http.post('/api/v1/auth/signup', {
      workspace_name: 'Acme Support',
      name: 'Sara Admin',
      email: `admin-${Date.now()}@example.test`,
      password,
    });
    admin = { email: signup.body.agent.email, password, token: signup.body.access_token };
    const botToken = stack.environment.simulator.newBotToken();
    botId = botToken.split(':')[0];
    const channel = await stack.http
      .as(admin.token)
      .post('/api/v1/channels', { type: 'telegram', name: 'Support bot', bot_token: botToken });
    expect(channel.status).toBe(201);
  }, 120_000);
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await stack?.close();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  });

  const open = async (): Promise<Page> => {
    const session = await signIn(stack, admin);
    contexts.push(session.context);
    session.page.setDefaultTimeout(10_000);
    return session.page;
  };

  it('an admin subscribes, sees the secret once, watches the log and sends a delivery again', async () => {
    const page = await open();
    await page.getByTestId('nav-webhooks').click();
    await page.getByRole('heading', { name: 'Webhooks', exact: true }).waitFor();
    await page.getByLabel('URL').fill(receiverUrl);
    // Only new messages: untick "all", tick message.created.
    await page.getByRole('checkbox', { name: /^\* / }).uncheck();
    await page.getByRole('checkbox', { name: 'message.created' }).check();
    await page.getByRole('button', { name: 'Subscribe' }).click();
    const secret = await page.getByTestId('webhook-secret').textContent();
    expect(secret).toMatch(/^whsec_/);
    await page.getByTestId('webhook-row').filter({ hasText: receiverUrl }).waitFor();
    // The list never shows the secret again.
    const listed = await stack.http.as(admin.token).get('/api/v1/webhooks');
    expect(listed.body[0]).toMatchObject({ url: receiverUrl, events: ['message.created'], state: 'active' });
    expect(JSON.stringify(listed.body)).not.toContain(String(secret));

    const status = await stack.environment.simulator.postTelegramUpdate(
      botId,
      stack.environment.simulator.telegramMessage(
        botId,
        { id: 7001, first_name: 'Omid' },
        { text: 'Where is my order?' },
      ),
    );
    expect(status).toBe(200);
    // Refused once (500), delivered on the retry: the log shows it, with its attempts.
    await eventually(() => expect(received.map((r) => r.status)).toEqual([500, 200]), 15_000);
    const row = page.getByTestId('delivery-row').first();
    await row.getByTestId('delivery-state').filter({ hasText: 'Delivered' }).waitFor();
    await row.getByTestId('delivery-attempts').filter({ hasText: '2' }).waitFor();
    await row.getByTestId('delivery-status').filter({ hasText: '200' }).waitFor();
    await screenshot(page, 'webhooks-log');

    await row.getByTestId('delivery-again').click();
    await eventually(() => expect(received).toHaveLength(3), 10_000);
    expect(received[2].id).toBe(received[0].id);
    await row.getByTestId('delivery-attempts').filter({ hasText: '3' }).waitFor();

    // Pause from the page: the state says so.
    await page.getByTestId('webhook-row').getByRole('button', { name: 'Pause' }).click();
    await page.getByTestId('webhook-state').filter({ hasText: 'Paused' }).waitFor();
  }, 90_000);
});
