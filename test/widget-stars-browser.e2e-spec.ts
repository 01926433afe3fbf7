import { createServer, Server } from 'node:http';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import { freePort } from './support/app';
import { Stack, startStack } from './support/browser';
import { eventually } from './support/ws';

/**
 * CSAT in the web widget: after an agent resolves the conversation, the visitor sees the rating
 * request with star buttons in the chat frame, presses one, is thanked, and the rating reaches the
 * report (the api and worker as built, a business's page on another origin, chromium).
 */
describe('rating stars in the web chat widget', () => {
  let stack: Stack;
  let admin: { token: string };
  let channelId = '';
  let host: Server;
  let allowed = '';
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    stack = await startStack();
    const signup = await stack.http.post('/api/v1/auth/signup', {
      workspace_name: 'Acme Shop',
      name: 'Sara Admin',
      email: `admin-${Date.now()}@example.test`,
      password: 'correct horse battery staple',
    });
    admin = { token: signup.body.access_token };
    const port = await freePort();
    allowed = `http://127.0.0.1:${port}`;
    host = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><head><meta charset="utf-8"><title>Shop</title></head><body><h1>Acme shop</h1>
<script src="${stack.apiUrl}/widget.js" data-channel="${channelId}" async></script></body></html>`);
    });
    await new Promise<void>((resolve) => host.listen(port, '127.0.0.1', resolve));
    const http = stack.http.as(admin.token);
    const channel = await http.post('/api/v1/channels', {
      type: 'web',
      name: 'Acme website',
      allowed_origins: [allowed],
      languages: ['en', 'fa', 'ar'],
      pre_chat: { name: 'off', email: 'off', phone: 'off' },
    });
    expect(channel.status).toBe(201);
    channelId = channel.body.id;
    expect((await http.put(`/api/v1/reports/csat/channels/${channelId}`, { enabled: true })).status).toBe(
      200,
    );
  }, 120_000);
  afterAll(async () => {
    for (const context of contexts) await context.close();
    host?.close();
    await stack?.close();
  });

  const chatFrame = async (page: Page): Promise<Frame> => {
    await eventually(
      () => expect(page.frames().find((f) => f.url().includes('/widget/frame.html'))).toBeDefined(),
      10_000,
    );
    const frame = page.frames().find((f) => f.url().includes('/widget/frame.html'))!;
    await frame.locator('html[data-state="ready"]').waitFor();
    return frame;
  };

  it('the visitor presses a star under the rating request: thanked, the buttons settle, and the rating is in the report', async () => {
    const context = await stack.browser.newContext({
      viewport: { width: 1100, height: 760 },
      locale: 'en-US',
    });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${allowed}/`);
    const bubble = page.locator('[data-parley-widget]').locator('[data-parley="bubble"]');
    await bubble.waitFor();
    await bubble.dispatchEvent('click');
    const frame = await chatFrame(page);
    await frame.getByTestId('widget-input').fill('Where is my order?');
    await frame.getByTestId('widget-send').dispatchEvent('click');
    await frame.getByTestId('widget-message').filter({ hasText: 'Where is my order?' }).waitFor();

    const http = stack.http.as(admin.token);
    let id = '';
    await eventually(async () => {
      const list = await http.get('/api/v1/conversations');
      expect(list.body.data).toHaveLength(1);
      id = list.body.data[0].id;
    }, 10_000);
    await http.post(`/api/v1/message/conversation/${id}/send-message/`, {
      content: 'It is on its way.',
      type: 'support',
    });
    expect(
      (await http.patch(`/api/v1/message/conversation/${id}/status/`, { status: 'resolved' })).status,
    ).toBe(200);

    const stars = frame.getByTestId('widget-buttons').getByTestId('widget-button');
    await eventually(async () => expect(await stars.count()).toBe(5), 15_000);
    expect(await stars.allTextContents()).toEqual(['1 ⭐', '2 ⭐', '3 ⭐', '4 ⭐', '5 ⭐']);
    await stars.nth(3).dispatchEvent('click');
    await frame.getByTestId('widget-rated').waitFor();
    expect(await stars.nth(3).getAttribute('aria-pressed')).toBe('true');
    expect(await stars.nth(0).isDisabled()).toBe(true);
    // The press is no message of the visitor's in the chat.
    expect(await frame.locator('[data-testid="widget-message"][data-type="visitor"]').count()).toBe(1);

    await eventually(async () => {
      const report = await http.get('/api/v1/reports/csat');
      expect(report.body.csat).toMatchObject({ count: 1, average: 4 });
    }, 10_000);
    expect((await http.get(`/api/v1/conversations/${id}`)).body.status).toBe('resolved');

    // Under the thanks, an optional comment, sent once.
    const box = frame.getByTestId('widget-rating-comment');
    expect(await box.getAttribute('placeholder')).toBe('Tell us more (optional)');
    await box.fill('Fast delivery, kind answer.');
    await frame.getByTestId('widget-rating-comment-send').dispatchEvent('click');
    await frame.getByTestId('widget-commented').waitFor();
    expect(await box.count()).toBe(0);
    const report = await http.get('/api/v1/reports/csat');
    expect(report.body.comments).toEqual([
      expect.objectContaining({ conversation_id: id, score: 4, comment: 'Fast delivery, kind answer.' }),
    ]);
    expect((await http.get(`/api/v1/conversations/${id}`)).body.status).toBe('resolved');
  }, 60_000);

  it('in Persian the comment box runs right to left, and a comment the server refuses says so', async () => {
    const context = await stack.browser.newContext({
      viewport: { width: 1100, height: 760 },
      locale: 'fa-IR',
    });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${allowed}/`);
    const bubble = page.locator('[data-parley-widget]').locator('[data-parley="bubble"]');
    await bubble.waitFor();
    await bubble.dispatchEvent('click');
    const frame = await chatFrame(page);
    expect(await frame.locator('html').getAttribute('dir')).toBe('rtl');
    await frame.getByTestId('widget-input').fill('سفارشم کجاست؟');
    await frame.getByTestId('widget-send').dispatchEvent('click');
    await frame.getByTestId('widget-message').filter({ hasText: 'سفارشم کجاست؟' }).waitFor();

    const http = stack.http.as(admin.token);
    let id = '';
    await eventually(async () => {
      const list = await http.get('/api/v1/conversations');
      const open = list.body.data.filter((c: { status: string }) => c.status !== 'resolved');
      expect(open).toHaveLength(1);
      id = open[0].id;
    }, 10_000);
    await http.post(`/api/v1/message/conversation/${id}/send-message/`, {
      content: 'در راه است.',
      type: 'support',
    });
    expect(
      (await http.patch(`/api/v1/message/conversation/${id}/status/`, { status: 'resolved' })).status,
    ).toBe(200);
    const stars = frame.getByTestId('widget-buttons').getByTestId('widget-button');
    await eventually(async () => expect(await stars.count()).toBe(5), 15_000);
    await stars.nth(4).dispatchEvent('click');
    await frame.getByTestId('widget-rated').waitFor();
    const box = frame.getByTestId('widget-rating-comment');
    expect(await box.getAttribute('placeholder')).toBe('بیشتر بگویید (اختیاری)');
    expect(await frame.getByTestId('widget-rating-comment-send').textContent()).toBe('ارسال نظر');
    expect(await box.evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).direction)).toBe('rtl');

    // Only whitespace and control characters: the server refuses it (csat_comment_empty) and the box says so.
    await box.fill(' \u0007 ');
    await frame.getByTestId('widget-rating-comment-send').dispatchEvent('click');
    await frame.getByTestId('widget-comment-failed').waitFor();
    expect(await frame.getByTestId('widget-comment-failed').textContent()).toBe('نظر شما فرستاده نشد.');
    const report = await http.get('/api/v1/reports/csat');
    expect(
      report.body.recent.find((r: { conversation_id: string }) => r.conversation_id === id),
    ).toMatchObject({
      score: 5,
      comment: null,
    });
  }, 60_000);
});
