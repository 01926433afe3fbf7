import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { screenshot, signIn, signUpAdmin, Stack, startStack } from './support/browser';
import { eventually } from './support/ws';

/** Whether the canvas has anything painted on it (a drawn chart is not all transparent). */
const painted = (page: Page, testId: string) =>
  page.getByTestId(testId).evaluate((node) => {
    const canvas = node as unknown as {
      width: number;
      height: number;
      getContext(kind: '2d'): {
        getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
      };
    };
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let opaque = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) opaque++;
    return opaque;
  });

/**
 * The reports page against the real processes (as built) and chromium: charts drawn by chart.js (a
 * chunk of its own, loaded by this page only), in English and in Persian (right to left), and a CSV
 * download.
 */
describe('reports in the dashboard', () => {
  let stack: Stack;
  let admin: { email: string; password: string; token: string; id: string };
  let sales: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    stack = await startStack();
    admin = await signUpAdmin(stack, 'Acme Shop');
    const http = stack.http.as(admin.token);
    const botToken = stack.environment.simulator.newBotToken();
    const botId = botToken.split(':')[0];
    const channel = await http.post('/api/v1/channels', {
      type: 'telegram',
      name: 'Shop',
      bot_token: botToken,
    });
    expect(channel.status).toBe(201);

    // Two customers write; the admin answers both and resolves one.
    const sim = stack.environment.simulator;
    for (const customer of [
      { id: 9101, first_name: 'Omid' },
      { id: 9102, first_name: 'Leila' },
    ])
      await sim.postTelegramUpdate(
        botId,
        sim.telegramMessage(botId, customer, { text: 'Where is my order?' }),
      );
    let ids: string[] = [];
    await eventually(async () => {
      const list = await http.get('/api/v1/conversations');
      expect(list.body.data).toHaveLength(2);
      ids = list.body.data.map((c: { id: string }) => c.id);
    }, 15_000);
    // One conversation each for two teams: the one resolved is Sales'.
    sales = (await http.post('/api/v1/teams', { name: 'Sales' })).body.id;
    const care = (await http.post('/api/v1/teams', { name: 'Care' })).body.id;
    for (const [id, team] of [
      [ids[0], sales],
      [ids[1], care],
    ])
      expect((await http.post(`/api/v1/conversations/${id}/assign`, { team_id: team })).status).toBe(200);
    for (const id of ids)
      expect(
        (
          await http.post(`/api/v1/message/conversation/${id}/send-message/`, {
            content: 'On it',
            type: 'support',
          })
        ).status,
      ).toBe(201);
    expect(
      (await http.put(`/api/v1/reports/csat/channels/${channel.body.id}`, { enabled: true })).status,
    ).toBe(200);
    expect(
      (await http.patch(`/api/v1/message/conversation/${ids[0]}/status/`, { status: 'resolved' })).status,
    ).toBe(200);
    // The customer rates the help 5 and adds a comment, which the CSAT section lists.
    let request = '';
    await eventually(async () => {
      const history = await http.get(`/api/v1/conversations/${ids[0]}/messages?limit=100`);
      const rows = history.body.data as {
        sender: { id: string } | null;
        external_send_result: { success: boolean; message_id?: string } | null;
      }[];
      const sent = rows.find((m) => m.sender?.id === 'csat_request' && m.external_send_result?.success);
      expect(sent).toBeDefined();
      request = sent!.external_send_result!.message_id!;
    }, 15_000);
    const rater = { id: Number(request.split(':')[0]), first_name: 'Rater' };
    expect((await sim.pressTelegramButton(botId, rater, request, '5 ⭐')).status).toBe(200);
    await eventually(async () => {
      const thanked = await http.get(`/api/v1/conversations/${ids[0]}/messages?limit=100`);
      const rows = thanked.body.data as { sender: { id: string } | null }[];
      expect(rows.some((m) => m.sender?.id === 'csat_thanks')).toBe(true);
    }, 15_000);
    await sim.postTelegramUpdate(botId, sim.telegramMessage(botId, rater, { text: 'Great help, thanks!' }));
    await eventually(async () => {
      const csat = await http.get('/api/v1/reports/csat');
      expect(csat.body.comments).toHaveLength(1);
    }, 15_000);
    await eventually(async () => {
      const overview = await http.get('/api/v1/reports/overview');
      expect(overview.body).toMatchObject({ opened: 2, resolved: 1, first_response: { count: 2 } });
      const teams = await http.get('/api/v1/reports/teams');
      expect(teams.body.rows.map((r: { name: string }) => r.name).sort()).toEqual(['Care', 'Sales']);
    }, 15_000);
  }, 120_000);
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await stack?.close();
  });

  it('an admin sees the charts drawn in English and in Persian, right to left, and downloads a report as CSV', async () => {
    const session = await signIn(stack, admin);
    contexts.push(session.context);
    const page = session.page;
    page.setDefaultTimeout(10_000);
    const chartRequests: string[] = [];
    page.on('request', (request) => {
      if (/\/assets\/chart-[^/]+\.js$/.test(request.url())) chartRequests.push(request.url());
    });
    // The inbox never fetches chart.js.
    await page.getByTestId('nav-inbox').click();
    expect(chartRequests).toEqual([]);

    await page.getByTestId('nav-reports').click();
    await page.getByRole('heading', { name: 'Reports' }).waitFor();
    await page.getByTestId('report-tz').fill('Asia/Tehran');
    await eventually(
      async () => expect(await page.getByTestId('kpi-opened').textContent()).toBe('2'),
      10_000,
    );
    expect(await page.getByTestId('kpi-resolved').textContent()).toBe('1');
    for (const chart of ['chart-hours', 'chart-channels', 'chart-csat']) {
      await page.locator(`[data-testid="${chart}"][data-drawn="true"]`).waitFor();
      expect(await painted(page, chart)).toBeGreaterThan(100);
    }
    expect(chartRequests).toHaveLength(1);
    await page.getByTestId('report-channels').getByText('Shop').waitFor();
    const comments = page.getByTestId('report-csat-comments');
    await comments.getByText('Great help, thanks!').waitFor();
    expect(await comments.getByTestId('csat-comment-score').allTextContents()).toEqual(['5 ★']);
    await page.getByRole('heading', { name: 'Reports' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'reports-en');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('csv-channels').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^parley-channels-.*\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toMatch(/^channel_id,name,type,opened,resolved,/);
    expect(csv[1]).toMatch(/,Shop,telegram,2,1,2,/);

    await page.getByTestId('language').selectOption('fa');
    await expect(page.locator('html').getAttribute('dir')).resolves.toBe('rtl');
    await page.getByRole('heading', { name: 'گزارش‌ها' }).waitFor();
    // Persian digits, and the charts drawn again for the new language.
    await eventually(
      async () => expect(await page.getByTestId('kpi-opened').textContent()).toBe('۲'),
      10_000,
    );
    for (const chart of ['chart-hours', 'chart-channels', 'chart-csat']) {
      await page.locator(`[data-testid="${chart}"][data-drawn="true"]`).waitFor();
      expect(await painted(page, chart)).toBeGreaterThan(100);
    }
    await page.getByRole('heading', { name: 'نظرهای امتیازدهندگان' }).waitFor();
    expect(await comments.getByTestId('csat-comment-score').allTextContents()).toEqual(['۵ ★']);
    expect(await comments.getByTestId('csat-comment-text').getAttribute('dir')).toBe('auto');
    await page.getByRole('heading', { name: 'گزارش‌ها' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'reports-fa');

    // A time zone that is none is refused in the admin's language, not a blank page.
    await page.getByTestId('report-tz').fill('Mars/Olympus');
    await page.getByTestId('report-error').waitFor();
    expect(await page.getByTestId('report-error').textContent()).toContain('گزارش');
  }, 60_000);

  it('the team filter narrows the numbers and charts, the per-team table shows each team, and an admin gives a team its own hours', async () => {
    const session = await signIn(stack, admin);
    contexts.push(session.context);
    const page = session.page;
    page.setDefaultTimeout(10_000);
    await page.getByTestId('nav-reports').click();
    await page.getByRole('heading', { name: 'Reports' }).waitFor();
    await eventually(
      async () => expect(await page.getByTestId('kpi-opened').textContent()).toBe('2'),
      10_000,
    );
    await page.locator('[data-testid="chart-teams"][data-drawn="true"]').waitFor();
    expect(await painted(page, 'chart-teams')).toBeGreaterThan(100);
    const table = page.getByTestId('report-teams');
    await table.getByText('Sales').waitFor();
    await table.getByText('Care').waitFor();

    // Sales alone: its one conversation, resolved; the other team's row and the hours chart follow.
    await page.getByTestId('report-team').selectOption({ label: 'Sales' });
    await eventually(
      async () => expect(await page.getByTestId('kpi-opened').textContent()).toBe('1'),
      10_000,
    );
    expect(await page.getByTestId('kpi-resolved').textContent()).toBe('1');
    await eventually(async () => expect(await table.getByText('Care').count()).toBe(0), 10_000);
    await table.getByText('Sales').waitFor();
    await page.locator('[data-testid="chart-hours"][data-drawn="true"]').waitFor();
    await screenshot(page, 'reports-team-en');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('csv-teams').click(),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toMatch(/^team_id,name,opened,resolved,/);
    expect(csv.slice(1)).toEqual([expect.stringMatching(new RegExp(`^${sales},Sales,1,1,1,`))]);

    // Hours: a team without its own follows the workspace's; saving gives it its own.
    await page.getByTestId('nav-hours').click();
    await page.getByTestId('hours-form').waitFor();
    await page.getByTestId('hours-scope').selectOption({ label: 'Sales' });
    await page.getByTestId('hours-inherited').waitFor();
    await page.getByTestId('hours-form').locator('input[name="time_zone"]').fill('Asia/Tehran');
    await page.getByTestId('hours-form').locator('textarea[name="intervals"]').fill('6 09:00 17:00');
    await page.getByTestId('hours-save').click();
    await page.getByTestId('hours-follow-workspace').waitFor();
    expect(await page.getByTestId('hours-inherited').count()).toBe(0);
    const http = stack.http.as(admin.token);
    expect((await http.get(`/api/v1/business-hours/teams/${sales}`)).body).toMatchObject({
      inherited: false,
      time_zone: 'Asia/Tehran',
      intervals: [{ day: 6, start: '09:00', end: '17:00' }],
    });
    expect((await http.get('/api/v1/business-hours')).body.time_zone).toBe('UTC');
    // In Persian, right to left; the team's schedule goes back to following the workspace's.
    await page.getByTestId('language').selectOption('fa');
    await expect(page.locator('html').getAttribute('dir')).resolves.toBe('rtl');
    await page.getByText('ساعات کاری و سیاست SLA برای').waitFor();
    await screenshot(page, 'hours-team-fa');
    await page.getByTestId('hours-follow-workspace').click();
    await page.getByTestId('hours-inherited').waitFor();
    expect((await http.get(`/api/v1/business-hours/teams/${sales}`)).body.inherited).toBe(true);
  }, 60_000);
});
