import type { BrowserContext } from 'playwright-core';
import { screenshot, signIn, signUpAdmin, Stack, startStack } from './support/browser';
import { eventually } from './support/ws';

/**
 * Search in the dashboard against the real processes (as built), the simulator's Telegram customer
 * and chromium: Ctrl+K, results with the words marked (a message that looks like HTML shows as
 * text), a result opening its conversation at the message even when it is pages back, and a search
 * saved as a view in the inbox's sidebar.
 */
/** What the page's scripts see, typed here (the tests compile without the DOM library). */
interface PageGlobals {
  document: {
    activeElement: { getAttribute(name: string): string | null } | null;
    documentElement: { dir: string };
  };
  __xss?: number;
}

describe('search in the dashboard', () => {
  let stack: Stack;
  let admin: { email: string; password: string; token: string; id: string };
  let conversationId = '';
  let foundId = '';
  const hostile = '<img src=x onerror="window.__xss=1"><b>bold</b> من کتاب‌ها را می‌خواهم';
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    stack = await startStack();
    admin = await signUpAdmin(stack, 'Ketab Shop');
    const http = stack.http.as(admin.token);
    const botToken = stack.environment.simulator.newBotToken();
    const botId = botToken.split(':')[0];
    expect(
      (await http.post('/api/v1/channels', { type: 'telegram', name: 'Shop', bot_token: botToken })).status,
    ).toBe(201);
    const sim = stack.environment.simulator;
    await sim.postTelegramUpdate(
      botId,
      sim.telegramMessage(botId, { id: 9101, first_name: 'Reza' }, { text: hostile }),
    );
    await eventually(async () => {
      const found = await http.get(`/api/v1/search?${new URLSearchParams({ q: 'كتابها' })}`);
      expect(found.body.messages).toHaveLength(1);
      foundId = found.body.messages[0].message.id;
      conversationId = found.body.messages[0].conversation.id;
    }, 15_000);
    // Sixty notes after it: the message found is no longer among the newest the chat opens on.
    for (let i = 0; i < 60; i++) {
      const note = await http.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
        content: `Follow-up note ${i}`,
        type: 'note',
      });
      expect(note.status).toBe(201);
    }
  }, 120_000);
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await stack?.close();
  });

  it('Ctrl+K searches in another spelling; the words are marked and HTML in a message stays text', async () => {
    const { context, page } = await signIn(stack, admin);
    contexts.push(context);
    page.setDefaultTimeout(10_000);
    await page.keyboard.press('Control+k');
    await eventually(async () =>
      expect(
        await page.evaluate(() =>
          (globalThis as unknown as PageGlobals).document.activeElement?.getAttribute('data-testid'),
        ),
      ).toBe('top-search'),
    );
    await page.keyboard.type('كتابها ميخواهم');
    await page.keyboard.press('Enter');
    const hit = page.locator(`[data-testid="search-hit"][data-id="${foundId}"]`);
    await hit.waitFor();
    expect(await hit.locator('mark').allTextContents()).toEqual(['کتاب‌ها', 'می‌خواهم']);
    expect(await hit.getByTestId('highlight').textContent()).toBe(hostile);
    expect(await page.locator('[data-testid="search-page"] img, [data-testid="search-page"] b').count()).toBe(
      0,
    );
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__xss)).toBeUndefined();
    await screenshot(page, 'search-results-en');

    await hit.click();
    const message = page.locator(`[data-testid="message"][data-id="${foundId}"][data-focused="true"]`);
    await message.waitFor({ timeout: 20_000 });
    expect(await message.isVisible()).toBe(true);
    expect(page.url()).toContain(`#/inbox/${conversationId}?message=${foundId}`);
    expect(await page.locator('[data-testid="messages"] img').count()).toBe(0);
  });

  it('a search saved as a view is listed in the inbox sidebar and opens the same results, in Persian too', async () => {
    const { context, page } = await signIn(stack, admin);
    contexts.push(context);
    page.setDefaultTimeout(10_000);
    await page.getByTestId('top-search').fill('می خواهم');
    await page.getByTestId('top-search').press('Enter');
    await page.locator(`[data-testid="search-hit"][data-id="${foundId}"]`).waitFor();
    await page.getByTestId('view-name').fill('Book requests');
    await page.getByTestId('save-view').click();
    await page.getByRole('status').filter({ hasText: 'Saved to your views.' }).waitFor();

    await page.getByTestId('nav-inbox').click();
    const view = page.getByTestId('saved-views').getByRole('link', { name: 'Book requests' });
    await view.click();
    await page.locator(`[data-testid="search-hit"][data-id="${foundId}"]`).waitFor();
    expect(await page.getByTestId('search-q').inputValue()).toBe('می خواهم');

    await page.getByTestId('language').selectOption('fa');
    await page.getByRole('heading', { name: 'پیام‌ها و یادداشت‌ها' }).waitFor();
    expect(
      await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.dir),
    ).toBe('rtl');
    await screenshot(page, 'search-results-fa');
  });
});
