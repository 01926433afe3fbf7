import type { BrowserContext, Page, WebSocket as PageSocket } from 'playwright-core';
import { signIn, Stack, startStack } from './support/browser';
import { HttpClient } from './support/http';
import { eventually } from './support/ws';

/**
 * Sessions in the browser: sockets renewed before their token runs out, a password change that
 * signs out the agent's other browsers, and the operator's and admins' security views.
 */
describe('the dashboard and sessions', () => {
  let stack: Stack;
  let operator: { email: string; password: string; token: string };
  let tenant: { email: string; password: string; token: string; workspaceId: string };
  let botId: string;
  const contexts: BrowserContext[] = [];
  const sim = () => stack.environment.simulator;

  const open = async (who: { email: string; password: string }) => {
    const session = await signIn(stack, who);
    contexts.push(session.context);
    return session.page;
  };
  const signup = async (name: string) => {
    const password = 'correct horse battery staple';
    const res = await stack.http.post('/api/v1/auth/signup', {
      workspace_name: `${name} workspace`,
      name,
      email: `${name.toLowerCase()}-${Date.now()}@example.test`,
      password,
    });
    return {
      email: res.body.agent.email,
      password,
      token: res.body.access_token,
      workspaceId: res.body.workspace.id,
    };
  };

  beforeAll(async () => {
    // The shortest access token the config allows: the dashboard must renew its sockets' sessions.
    stack = await startStack({ ACCESS_TOKEN_TTL: '30', AUTH_FAILURES_BEFORE_BLOCK: '5' });
    operator = await signup('Operator'); // the instance's first account
    tenant = await signup('Tenant');
    const botToken = sim().newBotToken();
    botId = botToken.split(':')[0];
    await stack.http
      .as(tenant.token)
      .post('/api/v1/channels', { type: 'telegram', name: 'Support bot', bot_token: botToken });
  }, 60000);
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
  });
  afterAll(async () => {
    await stack?.close();
  });

  const customerWrites = (text: string) =>
    sim().postTelegramUpdate(
      botId,
      sim().telegramMessage(botId, { id: 9100, first_name: 'Maryam' }, { text }),
    );
  const socketsOf = (page: Page) => {
    const opened: PageSocket[] = [];
    const sent: string[] = [];
    page.on('websocket', (socket) => {
      opened.push(socket);
      socket.on('framesent', (frame) => sent.push(String(frame.payload)));
    });
    return { opened, sent };
  };

  it('keeps its sockets open past the first access token’s lifetime, renewing them with `auth`', async () => {
    const context = await stack.browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: 'en-US',
    });
    contexts.push(context);
    const page = await context.newPage();
    const sockets = socketsOf(page);
    await page.goto(`${stack.apiUrl}/`);
    await page.getByLabel('Email').fill(tenant.email);
    await page.getByLabel('Password').fill(tenant.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByTestId('nav-inbox').waitFor();
    const signedInAt = Date.now();
    await eventually(() => expect(sockets.opened.length).toBeGreaterThanOrEqual(2), 10000);
    const openedBefore = sockets.opened.length;

    // Past the first token's 30 s, the same sockets are open and still live.
    await eventually(() => expect(Date.now() - signedInAt).toBeGreaterThan(36_000), 40_000);
    expect(await customerWrites('Still there after the token rolled over?')).toBe(200);
    await page
      .getByTestId('conversation-item')
      .getByText('Still there after the token rolled over?')
      .waitFor();
    expect(sockets.opened.length).toBe(openedBefore);
    expect(sockets.opened.every((socket) => !socket.isClosed())).toBe(true);
    expect(sockets.sent.filter((frame) => frame.includes('"type":"auth"')).length).toBeGreaterThan(0);
  }, 60000);

  it('a password change signs the agent out of its other browsers at once and keeps this one live', async () => {
    const here = await open(tenant);
    const elsewhere = await open(tenant);
    await here.getByTestId('nav-account').click();
    await here.getByLabel('Current password').fill(tenant.password);
    await here.getByLabel('New password').fill('a brand new password');
    await here.getByRole('button', { name: 'Change password' }).click();
    await here.getByText('Password changed. Your other sessions have ended.').waitFor();
    tenant.password = 'a brand new password';

    // The other browser's sockets were closed (4001) and its refresh refused: back to sign-in.
    await elsewhere.getByRole('button', { name: 'Sign in', exact: true }).waitFor({ timeout: 15000 });
    // This one goes on, live.
    await here.getByTestId('nav-inbox').click();
    expect(await customerWrites('After the password change')).toBe(200);
    await here.getByTestId('conversation-item').getByText('After the password change').waitFor();
  }, 60000);

  it('shows a shared block as the operator’s to lift; the operator lifts it from the instance page; admins trust their office', async () => {
    const attacker = '203.0.113.90';
    const from = new HttpClient(stack.apiUrl, { headers: { 'x-forwarded-for': attacker } });
    for (const email of [tenant.email, tenant.email, operator.email, operator.email, 'ghost@example.test'])
      await from.post('/api/v1/auth/login', { email, password: 'wrong' });

    const admin = await open(tenant);
    expect(await admin.getByTestId('nav-instance').count()).toBe(0);
    await admin.getByTestId('nav-security').click();
    const row = admin.getByTestId('blacklist').locator('tr').filter({ hasText: attacker });
    await row.getByTestId('shared-block').waitFor();
    expect(await row.getByRole('button', { name: 'Unblock' }).count()).toBe(0);

    const trusted = admin.getByTestId('trusted-ips');
    await trusted.getByLabel('Addresses').fill('198.51.100.0/24');
    await trusted.getByRole('button', { name: 'Save addresses' }).click();
    await trusted.getByText('Saved.').waitFor();
    await admin.reload();
    const field = admin.getByTestId('trusted-ips').getByLabel('Addresses');
    await eventually(async () => expect(await field.inputValue()).toBe('198.51.100.0/24'));

    const ops = await open(operator);
    await ops.getByTestId('nav-instance').click();
    const block = ops.getByTestId('instance-blacklist').locator('tr').filter({ hasText: attacker });
    await block.waitFor();
    await block.getByRole('button', { name: 'Unblock' }).click();
    await block.waitFor({ state: 'detached' });
    expect(
      (await from.post('/api/v1/auth/login', { email: tenant.email, password: tenant.password })).status,
    ).toBe(200);
  }, 60000);
});
