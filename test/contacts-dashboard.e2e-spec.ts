import type { BrowserContext, Page } from 'playwright-core';
import { signIn, Stack, startStack } from './support/browser';
import { eventually } from './support/ws';

/** A vCard file of `count` cards as a phone exports it (quoted-printable names, Persian digits). */
function vCards(count: number): Buffer {
  const persian = (digits: string) => digits.replace(/\d/g, (d) => String.fromCharCode(0x06f0 + Number(d)));
  const lines: string[] = [];
  for (let i = 0; i < count; i++)
    lines.push(
      'BEGIN:VCARD',
      'VERSION:2.1',
      `FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D9=85=D8=B4=D8=AA=D8=B1=DB=8C ${i}`,
      `TEL;CELL:${persian(`0936${String(2000000 + i)}`)}`,
      'END:VCARD',
    );
  return Buffer.from(lines.join('\r\n') + '\r\n');
}

/**
 * The Contacts page in Chromium: "Sync phone" through the Contact Picker (given to the page by the
 * test, as Chrome on Android has it), through a vCard file where there is none, with the upload's
 * and the import's progress; refusals in Persian and Arabic.
 */
describe('the Contacts page', () => {
  let stack: Stack;
  let admin: { email: string; password: string; token: string };
  let botId: string;
  const contexts: BrowserContext[] = [];
  const sim = () => stack.environment.simulator;
  type PageGlobals = { localStorage: { setItem(key: string, value: string): void } };

  const open = async (
    language?: 'fa' | 'ar',
    picker?: { name: string[]; tel: string[]; email: string[] }[],
  ) => {
    const { context, page } = await signIn(stack, admin);
    contexts.push(context);
    if (picker)
      await context.addInitScript((picked) => {
        Object.defineProperty((globalThis as unknown as { navigator: object }).navigator, 'contacts', {
          value: { select: async () => picked, getProperties: async () => ['name', 'tel', 'email'] },
        });
      }, picker);
    if (language) {
      await page.evaluate(
        (code) => (globalThis as unknown as PageGlobals).localStorage.setItem('parley.language', code),
        language,
      );
    }
    await page.reload();
    await page.getByTestId('nav-contacts').click();
    await page.getByTestId('contacts-page').waitFor();
    return page;
  };
  const statuses = async (page: Page) =>
    page
      .getByTestId('match-entry')
      .evaluateAll((rows) =>
        rows.map((row) => [row.getAttribute('data-status'), row.querySelector('strong')?.textContent]),
      );

  beforeAll(async () => {
    stack = await startStack({ CONTACT_IMPORT_MAX_BYTES: String(2 * 1024 * 1024) });
    const password = 'correct horse battery staple';
    const res = await stack.http.post('/api/v1/auth/signup', {
      workspace_name: 'Contacts workspace',
      name: 'Contacts Admin',
      email: `contacts-${Date.now()}@example.test`,
      password,
    });
    admin = { email: res.body.agent.email, password, token: res.body.access_token };
    const http = stack.http.as(admin.token);
    await http.patch('/api/v1/workspace', { phone_region: 'IR' });
    const botToken = sim().newBotToken();
    botId = botToken.split(':')[0];
    await http.post('/api/v1/channels', { type: 'telegram', name: 'Support bot', bot_token: botToken });
    // A Telegram customer who shared their own number, and a contact known only by phone.
    const from = { id: 66001, first_name: 'Sara' };
    const update = sim().telegramMessage(botId, from, {
      contact: { phone_number: '+989121110001', first_name: 'Sara', user_id: from.id },
    });
    expect(await sim().postTelegramUpdate(botId, update)).toBe(200);
    await eventually(async () => {
      const match = await http.post('/api/v1/contacts/match', { phones: ['+989121110001'] });
      expect(match.body.data[0].status).toBe('known');
    }, 20000);
    await http.post('/api/v1/contacts', { name: 'Only phone', phone: '09121110002' });
  }, 120000);
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('syncs through the Contact Picker: each number shows its status, and the new ones are added', async () => {
    const page = await open(undefined, [
      { name: ['Sara'], tel: ['0912 111 0001'], email: [] },
      { name: ['Only phone'], tel: ['۰۹۱۲۱۱۱۰۰۰۲'], email: [] },
      { name: ['Newcomer'], tel: ['0912 111 0003'], email: ['new@example.test'] },
      { name: ['Typo'], tel: ['12'], email: [] },
    ]);
    await page.getByTestId('sync-phone-button').click();
    await page.getByTestId('pick-contacts').click();
    await page.getByTestId('match-entry').nth(3).waitFor();
    expect(await statuses(page)).toEqual([
      ['known', 'Known — on Telegram'],
      ['known', 'Known — no channel yet'],
      ['new', 'New'],
      ['invalid', 'Not a phone number'],
    ]);
    await page.getByTestId('add-new').click();
    await page.locator('[data-testid="match-entry"][data-status="new"]').waitFor({ state: 'detached' });
    await page.getByTestId('contact-row').filter({ hasText: 'Newcomer' }).waitFor();
    expect(await page.getByTestId('contact-row').filter({ hasText: '+989121110003' }).count()).toBe(1);
  });

  it('without a Contact Picker, imports a vCard file chosen in the file chooser, with upload and import progress', async () => {
    const page = await open();
    await page.getByTestId('sync-phone-button').click();
    expect(await page.getByTestId('pick-contacts').count()).toBe(0);
    const chooser = page.waitForEvent('filechooser');
    await page.getByTestId('vcard-file').click();
    await (await chooser).setFiles({ name: 'phone.vcf', mimeType: 'text/vcard', buffer: vCards(4000) });
    const summary = page.locator('[data-testid="import-summary"][data-status="done"]');
    await summary.waitFor({ timeout: 60000 });
    expect(await page.getByTestId('upload-progress').getAttribute('value')).toBe('1');
    const bar = page.getByTestId('import-progress');
    expect([await bar.getAttribute('value'), await bar.getAttribute('max')]).toEqual(['4000', '4000']);
    expect(await summary.textContent()).toBe(
      '4,000 of 4,000 read: 4,000 added, 0 already known, 0 unreadable',
    );
  });

  it('shows refusals in Persian and Arabic', async () => {
    const fa = await open('fa');
    await fa.getByRole('button', { name: 'همگام‌سازی مخاطبین' }).click();
    await fa.getByTestId('typed-numbers').fill(Array(1001).fill('0912').join('\n'));
    await fa.getByTestId('match-typed').click();
    expect(await fa.getByTestId('sync-error').textContent()).toBe(
      'در هر بار حداکثر 1000 شماره را می‌توان بررسی کرد.',
    );

    const ar = await open('ar');
    await ar.getByRole('button', { name: 'مزامنة الهاتف' }).waitFor();
    await ar.getByTestId('import-csv').click();
    await ar.getByTestId('csv-file').setInputFiles({
      name: 'book.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('Full Name,Mobile\nAli,09121110009\n'),
    });
    await ar.getByTestId('map-phone').fill('Cell');
    await ar.getByTestId('start-import').click();
    expect(await ar.getByTestId('contacts-error').textContent()).toContain('تعيين الأعمدة غير صالح');
    await ar.getByTestId('csv-file').setInputFiles({
      name: 'huge.vcf',
      mimeType: 'text/vcard',
      buffer: Buffer.alloc(2 * 1024 * 1024 + 100, 'a'),
    });
    await ar.getByTestId('map-phone').fill('');
    await ar.getByTestId('start-import').click();
    await eventually(async () =>
      expect(await ar.getByTestId('contacts-error').textContent()).toBe(
        `الملف كبير جدًا؛ الحد الأقصى ${2 * 1024 * 1024} بايت.`,
      ),
    );
  });
});
