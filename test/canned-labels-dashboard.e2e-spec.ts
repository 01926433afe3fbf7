import type { BrowserContext, Page } from 'playwright-core';
import { SAMPLE_JPEG } from '../tools/simulator/samples';
import { screenshot, signIn, signUpAdmin, Stack, startStack } from './support/browser';
import { eventually } from './support/ws';

const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

type PageGlobals = {
  parleyMarker?: string;
  getComputedStyle(element: unknown): { backgroundColor: string };
};

/**
 * Canned replies' files from the canned replies page to the customer's Telegram chat, and label
 * renames and deletions reaching a teammate's open inbox, in chromium against the built dashboard.
 */
describe('canned reply files and live label changes in the dashboard', () => {
  let stack: Stack;
  let admin: { email: string; password: string; token: string; id: string };
  let agent: { email: string; password: string };
  let botId: string;
  const conversations: Record<string, string> = {};
  const contexts: BrowserContext[] = [];
  const customers = [
    { id: 9201, first_name: 'Leila' },
    { id: 9202, first_name: 'Kaveh' },
  ];

  const http = () => stack.http.as(admin.token);
  const open = async (credentials: { email: string; password: string }) => {
    const session = await signIn(stack, credentials);
    contexts.push(session.context);
    session.page.setDefaultTimeout(15_000);
    return session.page;
  };
  const item = (page: Page, name: string) => page.getByTestId('conversation-item').filter({ hasText: name });

  beforeAll(async () => {
    stack = await startStack();
    admin = await signUpAdmin(stack, 'Canned Shop');
    const botToken = stack.environment.simulator.newBotToken();
    botId = botToken.split(':')[0];
    expect(
      (await http().post('/api/v1/channels', { type: 'telegram', name: 'Shop', bot_token: botToken })).status,
    ).toBe(201);
    const sim = stack.environment.simulator;
    for (const customer of customers)
      await sim.postTelegramUpdate(
        botId,
        sim.telegramMessage(botId, customer, { text: `Hi, ${customer.first_name} here` }),
      );
    await eventually(async () => {
      const list = await http().get('/api/v1/conversations');
      expect(list.body.data).toHaveLength(customers.length);
      for (const c of list.body.data) conversations[c.contact.name] = c.id;
    }, 15_000);
    const email = `agent-${Date.now()}@example.test`;
    const invite = await http().post('/api/v1/agents', { name: 'Reza Agent', email, role: 'agent' });
    await stack.http.post('/api/v1/auth/accept-invite', {
      invite_token: invite.body.invite_token,
      password: admin.password,
    });
    agent = { email, password: admin.password };
  }, 120_000);
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('a canned reply made with files on its page inserts them with /; one is taken off and the rest reach the customer', async () => {
    const page = await open(admin);
    await page.goto(`${stack.apiUrl}/#/canned-replies`);
    await page.getByTestId('canned-shortcut').fill('map');
    await page.getByTestId('canned-content').fill('Here is how to find us, {{contact.name}}.');
    await page.getByTestId('canned-files').setInputFiles([
      { name: 'map.jpg', mimeType: 'image/jpeg', buffer: SAMPLE_JPEG },
      { name: 'hours.pdf', mimeType: 'application/pdf', buffer: PDF },
    ]);
    await page.getByTestId('canned-add').click();
    const row = page.getByTestId('canned-row').filter({ hasText: '/map' });
    await row.getByTestId('canned-file').filter({ hasText: 'map.jpg' }).waitFor();
    await row.getByTestId('canned-file').filter({ hasText: 'hours.pdf' }).waitFor();
    await screenshot(page, 'canned-files-en');

    // The agent, in the conversation.
    const inbox = await open(agent);
    await inbox.goto(`${stack.apiUrl}/#/inbox/${conversations.Leila}`);
    const composer = inbox.getByTestId('composer-input');
    await composer.click();
    await composer.pressSequentially('/map');
    await inbox
      .getByTestId('canned-popup')
      .getByTestId('canned-option')
      .filter({ hasText: '/map' })
      .waitFor();
    await composer.press('Enter');
    await eventually(async () => expect(await composer.inputValue()).toBe('Here is how to find us, Leila.'));
    const pending = inbox.getByTestId('pending-file');
    // Each with its × to take it off before sending.
    await eventually(async () =>
      expect((await pending.allInnerTexts()).map((text) => text.replace(/\s*×$/, ''))).toEqual([
        'map.jpg',
        'hours.pdf',
      ]),
    );
    await pending.filter({ hasText: 'hours.pdf' }).getByTestId('pending-file-remove').click();
    await eventually(async () => expect(await pending.count()).toBe(1));
    await composer.press('Enter');

    const messages = inbox.getByTestId('messages');
    await messages.getByText('Here is how to find us, Leila.').waitFor();
    await messages.getByTestId('image-preview').waitFor();
    await inbox.getByTestId('pending-files').waitFor({ state: 'detached' });
    const sim = stack.environment.simulator;
    await eventually(() => {
      const sent = sim.sent('telegram', botId);
      expect(
        sent.some((c) => c.method === 'sendMessage' && c.body.text === 'Here is how to find us, Leila.'),
      ).toBe(true);
      expect(sent.some((c) => c.method === 'sendPhoto' && c.files[0]?.bytes.equals(SAMPLE_JPEG))).toBe(true);
    }, 15_000);
    // The file taken off was not sent.
    expect(sim.sent('telegram', botId).some((c) => c.method === 'sendDocument')).toBe(false);
    await screenshot(inbox, 'canned-files-sent-en');
  }, 120_000);

  it("an admin's rename, recolour and delete on the labels page reach a teammate's open inbox and conversation without a reload", async () => {
    const vip = await http().post('/api/v1/labels', { name: 'VIP', color: '#c92a2a' });
    expect(vip.status).toBe(201);
    await http().put(`/api/v1/conversations/${conversations.Kaveh}/labels`, { label_ids: [vip.body.id] });

    const teammate = await open(agent);
    await teammate.goto(`${stack.apiUrl}/#/inbox/${conversations.Kaveh}`);
    const listChip = item(teammate, 'Kaveh').getByTestId('label-chip');
    const headerChip = teammate.getByTestId('conversation').getByTestId('label-chip');
    await listChip.filter({ hasText: 'VIP' }).waitFor();
    await headerChip.filter({ hasText: 'VIP' }).waitFor();
    const filter = teammate.getByTestId('label-filter');
    await filter.locator('option', { hasText: 'VIP' }).waitFor({ state: 'attached' });
    // Set on the page itself: a reload would lose it.
    await teammate.evaluate(() => ((globalThis as unknown as PageGlobals).parleyMarker = 'still here'));

    const labelsPage = await open(admin);
    await labelsPage.goto(`${stack.apiUrl}/#/labels`);
    const row = labelsPage.getByTestId('label-row').filter({ has: labelsPage.getByTestId('label-rename') });
    await row.getByTestId('label-rename').fill('Gold');
    await row.getByTestId('label-rename-save').click();
    await row.locator('input[type="color"]').fill('#2b8a3e');

    await listChip.filter({ hasText: 'Gold' }).waitFor();
    await headerChip.filter({ hasText: 'Gold' }).waitFor();
    await eventually(async () =>
      expect(
        await listChip
          .locator('.label-swatch')
          .evaluate((e) => (globalThis as unknown as PageGlobals).getComputedStyle(e).backgroundColor),
      ).toBe('rgb(43, 138, 62)'),
    );
    await filter.locator('option', { hasText: 'Gold' }).waitFor({ state: 'attached' });
    expect(await filter.locator('option', { hasText: 'VIP' }).count()).toBe(0);
    await screenshot(teammate, 'label-renamed-live-en');

    await filter.selectOption({ label: 'Gold' });
    await eventually(async () => expect(await teammate.getByTestId('conversation-item').count()).toBe(1));
    await row.getByRole('button', { name: 'Delete' }).click();
    await listChip.waitFor({ state: 'detached' });
    await headerChip.waitFor({ state: 'detached' });
    await filter.locator('option', { hasText: 'Gold' }).waitFor({ state: 'detached' });
    // The filter by the deleted label went back to any label: every conversation shows again.
    await eventually(async () => expect(await teammate.getByTestId('conversation-item').count()).toBe(2));
    expect(await teammate.evaluate(() => (globalThis as unknown as PageGlobals).parleyMarker)).toBe(
      'still here',
    );
  }, 120_000);
});
