import { Client } from 'pg';
import type { BrowserContext, Page } from 'playwright-core';
import { signIn, Stack, startStack } from './support/browser';
import { eventually } from './support/ws';

/**
 * What the platform will keep, said in the dashboard before the agent acts, and how an agent's
 * change stands there afterwards: real api, ingest and worker processes, the simulator, chromium.
 */
describe('platform changes in the dashboard', () => {
  let stack: Stack;
  let admin: { email: string; password: string; token: string };
  let botId: string;
  let ig: { igUserId: string; accessToken: string };
  let db: Client;
  const contexts: BrowserContext[] = [];
  const sim = () => stack.environment.simulator;

  const open = async () => {
    const session = await signIn(stack, admin);
    contexts.push(session.context);
    // A step that does not come says which one, within the test's own time.
    session.page.setDefaultTimeout(10_000);
    return session.page;
  };
  const bubble = (page: Page, text: string) => page.getByTestId('message').filter({ hasText: text });
  const openConversation = async (page: Page, name: string) => {
    await page
      .getByTestId('conversation-item')
      .filter({ has: page.getByText(name, { exact: true }) })
      .click();
    await page
      .getByTestId('conversation')
      .locator('h2')
      .filter({ hasText: new RegExp(`(^|\\s)${name}$`) })
      .waitFor();
  };
  /** The admin's reply to the conversation of the customer message `customerText`, once the platform has it. */
  const sentReply = async (customerText: string, content: string) => {
    let conversationId = '';
    await eventually(async () => {
      const [row] = (await db.query(`SELECT conversation_id FROM message WHERE content = $1`, [customerText]))
        .rows;
      expect(row).toBeDefined();
      conversationId = row.conversation_id;
    }, 10_000);
    const res = await stack.http
      .as(admin.token)
      .post(`/api/v1/message/conversation/${conversationId}/send-message/`, { content, type: 'support' });
    expect(res.status).toBe(201);
    await eventually(async () => {
      const [row] = (await db.query(`SELECT status FROM message WHERE id = $1`, [res.body.id])).rows;
      expect(row.status).toBe('sent');
    }, 10_000);
    return res.body.id as string;
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
    admin = { email: signup.body.agent.email, password, token: signup.body.access_token };
    const http = stack.http.as(admin.token);
    const botToken = sim().newBotToken();
    botId = botToken.split(':')[0];
    expect(
      (await http.post('/api/v1/channels', { type: 'telegram', name: 'Support bot', bot_token: botToken }))
        .status,
    ).toBe(201);
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
    db = new Client({ connectionString: stack.environment.env.DATABASE_URL });
    await db.connect();
  }, 60_000);
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
  });
  afterAll(async () => {
    await db?.end();
    await stack?.close();
  });

  it('an Instagram reply says it stays as sent before the agent edits it, and after', async () => {
    const igsid = `5${Date.now()}`;
    sim().setInstagramProfile(igsid, { name: 'Layla Haddad', username: `layla${igsid}` });
    expect(
      await sim().postInstagramWebhook(
        sim().instagramMessage(ig.igUserId, igsid, { text: 'Do you ship to Muscat?' }),
      ),
    ).toBe(200);
    const replyId = await sentReply('Do you ship to Muscat?', 'Yes, we ship to Muscat in 3 days');
    const page = await open();
    await openConversation(page, 'Layla Haddad');
    // By id: while it is edited, the bubble's text is in a textbox.
    const reply = page.locator(`[data-testid="message"][data-id="${replyId}"]`);
    await reply.getByText('Yes, we ship to Muscat in 3 days').waitFor();
    // Before acting: the reply's menu (shown on hover) says Instagram keeps it as sent.
    await reply.hover();
    await reply.getByTestId('stays-as-sent').filter({ hasText: 'Stays as sent on Instagram' }).waitFor();
    await reply.getByRole('button', { name: 'Edit' }).click();
    await reply.getByTestId('edit-stays').filter({ hasText: 'an edit changes Parley only' }).waitFor();
    const box = reply.getByRole('textbox');
    await box.fill('Yes, we ship to Muscat in 2 days');
    await reply.getByRole('button', { name: 'Save' }).click();

    const edited = bubble(page, 'Yes, we ship to Muscat in 2 days');
    const state = edited.getByTestId('platform-change');
    await state.filter({ hasText: 'Stays as sent on Instagram' }).waitFor();
    expect(await state.getAttribute('data-state')).toBe('unsupported');

    let question = '';
    page.once('dialog', (dialog) => {
      question = dialog.message();
      void dialog.dismiss();
    });
    await edited.hover();
    await edited.getByTestId('delete').click();
    await eventually(() => expect(question).toMatch(/Instagram cannot unsend it/));
  }, 60_000);

  it('a Telegram reply older than 48 hours warns before the delete, then shows the platform change failed with the reason', async () => {
    expect(
      await sim().postTelegramUpdate(
        botId,
        sim().telegramMessage(botId, { id: 8801, first_name: 'Navid' }, { text: 'Cancel my order please' }),
      ),
    ).toBe(200);
    const replyId = await sentReply('Cancel my order please', 'Cancelled two days ago');
    await db.query(`UPDATE message SET created_at = now() - interval '49 hours' WHERE id = $1`, [replyId]);
    const page = await open();
    await openConversation(page, 'Navid');
    const reply = bubble(page, 'Cancelled two days ago');
    await reply.hover();
    expect(await reply.getByTestId('stays-as-sent').count()).toBe(0);

    let question = '';
    page.once('dialog', (dialog) => {
      question = dialog.message();
      void dialog.accept();
    });
    await reply.getByTestId('delete').click();
    await eventually(() =>
      expect(question).toMatch(/older than 48 hours.*stays in the customer’s chat on Telegram/),
    );

    const state = page
      .getByTestId('message')
      .filter({ has: page.locator('[data-testid="platform-change"][data-state="failed"]') });
    await state.getByText(/Not changed on Telegram: .*within 48 hours/).waitFor();
  }, 60_000);
});
