import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContactImportView } from '@parley/contract/contacts';
import type { ErrorBody } from '@parley/contract/error-codes';
import { STALLED_IMPORT_SECONDS } from '@parley/domain/contacts/contact-import.service';
import { ar } from '@parley/errors/i18n/ar';
import { fa } from '@parley/errors/i18n/fa';
import {
  freshEnvironment,
  startApi,
  startIngest,
  startWorker,
  TestApp,
  TestEnvironment,
} from './support/app';
import { addAgent, signupWorkspace, storedMessage, Workspace } from './support/factories';
import { eventually } from './support/ws';

const fixture = (name: string) => readFileSync(join(__dirname, '../libs/domain/src/contacts/fixtures', name));

/** A vCard file of `count` cards in the Android 2.1 style: quoted-printable names, Persian digits, two numbers each. */
function bigVCard(count: number, firstNumber = 1000000): Buffer {
  const qp = (text: string) =>
    [...Buffer.from(text)].map((b) => `=${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  const persian = (digits: string) => digits.replace(/\d/g, (d) => String.fromCharCode(0x06f0 + Number(d)));
  const cards: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = String(firstNumber + i).padStart(7, '0');
    cards.push(
      'BEGIN:VCARD',
      'VERSION:2.1',
      `FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:${qp(`مشتری ${i}`)}`,
      `TEL;CELL:${persian(`0935${n}`)}`,
      `TEL;HOME:021-${n.slice(0, 4)}-${n.slice(3)}`,
      'END:VCARD',
    );
  }
  return Buffer.from(cards.join('\r\n') + '\r\n');
}

/**
 * Contacts as one person across channels: the workspace's phone region, manual contacts without
 * silent duplicates, vCard and CSV imports with progress, matching a phone's address book,
 * invitation links whose `/start` binds the Telegram identity, merges with undo, erasure, notes,
 * typed attributes — every id scoped to its workspace.
 */
describe('contacts', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let ingest: TestApp;
  let worker: TestApp;
  let ws: Workspace;
  let other: Workspace;
  let telegram: { id: string; external_id: string };
  let customerId = 77000;

  const sim = () => environment.simulator;
  const upload = async (
    w: Workspace,
    file: Buffer,
    name: string,
    fields: Record<string, string> = {},
    lang = 'en',
  ) => {
    const form = new FormData();
    form.append('file', new Blob([file]), name);
    for (const [key, value] of Object.entries(fields)) form.append(key, value);
    const res = await fetch(`${api.url}/api/v1/contacts/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${w.token}`, 'accept-language': lang },
      body: form,
    });
    return { status: res.status, body: (await res.json()) as ContactImportView & Partial<ErrorBody> };
  };
  const finished = async (w: Workspace, id: string) => {
    let body: ContactImportView | undefined;
    await eventually(async () => {
      body = (await w.http.get<ContactImportView>(`/api/v1/contacts/imports/${id}`)).body;
      expect(body.status).not.toBe('processing');
    }, 60000);
    return body!;
  };
  /** A Telegram customer writes to the workspace's bot; `phone` shares their own contact card. */
  const customerWrites = async (
    text: string,
    phone?: string,
    from = { id: ++customerId, first_name: 'Sara' },
  ) => {
    const update = sim().telegramMessage(
      telegram.external_id,
      from,
      phone ? { contact: { phone_number: phone, first_name: from.first_name, user_id: from.id } } : { text },
    );
    expect(await sim().postTelegramUpdate(telegram.external_id, update)).toBe(200);
    const row = await storedMessage(api, `${from.id}:${update.message.message_id}`);
    const [message]: { sender_contact_id: string }[] = await api.db.query(
      'SELECT sender_contact_id FROM message WHERE id = $1',
      [row.id],
    );
    return { from, conversationId: row.conversation_id, contactId: message.sender_contact_id };
  };
  const count = async (w: Workspace) =>
    Number(
      (await api.db.query('SELECT count(*) FROM contact WHERE workspace_id = $1', [w.workspaceId]))[0].count,
    );

  beforeAll(async () => {
    environment = await freshEnvironment({
      AUTH_REQUESTS_PER_MINUTE_PER_IP: '1000',
      CONTACT_IMPORT_MAX_BYTES: String(3 * 1024 * 1024),
      CONTACT_IMPORT_MAX_ENTRIES: '12000',
      CONTACT_MERGE_UNDO_SECONDS: '600',
    });
    api = await startApi(environment);
    ingest = await startIngest(environment);
    worker = await startWorker(environment);
    ws = await signupWorkspace(api);
    other = await signupWorkspace(api);
    const created = await ws.http.post('/api/v1/channels', {
      type: 'telegram',
      name: 'Support bot',
      bot_token: sim().newBotToken(),
    });
    expect(created.status).toBe(201);
    telegram = created.body;
    expect((await ws.http.patch('/api/v1/workspace', { phone_region: 'ir' })).body.phone_region).toBe('IR');
    expect((await other.http.patch('/api/v1/workspace', { phone_region: 'SA' })).body.phone_region).toBe(
      'SA',
    );
  }, 60000);
  afterAll(async () => {
    await worker.close();
    await ingest.close();
    await api.close();
    await environment.close();
  });

  describe('workspace phone region', () => {
    it("refuses a code that is no region, in the reader's language, and refuses agents", async () => {
      const bad = await ws.http.patch('/api/v1/workspace', { phone_region: 'XX' }, { lang: 'fa' });
      expect([bad.status, bad.body.code, bad.body.message]).toEqual([
        400,
        'phone_region_invalid',
        fa.phone_region_invalid,
      ]);
      const agent = await addAgent(api, ws);
      expect((await agent.http.patch('/api/v1/workspace', { phone_region: 'US' })).status).toBe(403);
      expect((await ws.http.get('/api/v1/workspace')).body.phone_region).toBe('IR');
    });
  });

  describe('manual contacts', () => {
    it('reads a national number in the region; the same number again is a suggestion, not a silent duplicate', async () => {
      const first = await ws.http.post('/api/v1/contacts', { name: 'Reza', phone: '0912 555 0101' });
      expect([first.status, first.body.phone]).toEqual([201, '+989125550101']);
      const again = await ws.http.post(
        '/api/v1/contacts',
        { name: 'Reza 2', phone: '۰۹۱۲-۵۵۵-۰۱۰۱' },
        { lang: 'ar' },
      );
      expect([again.status, again.body.code, again.body.message]).toEqual([
        409,
        'contact_duplicate',
        ar.contact_duplicate,
      ]);
      expect(again.body.details.duplicates.map((c: { id: string }) => c.id)).toEqual([first.body.id]);
      const meant = await ws.http.post('/api/v1/contacts', {
        name: 'Reza 2',
        phone: '09125550101',
        allow_duplicate: true,
      });
      expect(meant.status).toBe(201);
      // The other workspace reads national numbers in Saudi Arabia, and knows nothing of Reza.
      const saudi = await other.http.post('/api/v1/contacts', { name: 'Omar', phone: '050 123 4567' });
      expect(saudi.body.phone).toBe('+966501234567');
    });

    it.each([
      [{ phone: '12345' }, 400, 'invalid_phone'],
      [{}, 400, 'contact_empty'],
      [{ email: 'not-an-email' }, 400, 'validation_failed'],
    ])('refuses %p with %s %s', async (body, status, code) => {
      const res = await ws.http.post('/api/v1/contacts', body);
      expect([res.status, res.body.code]).toEqual([status, code]);
    });
  });

  describe('imports', () => {
    it('a 10,000-card vCard is stored in the background with its progress; a second import matches instead of duplicating', async () => {
      const file = bigVCard(10000);
      const started = await upload(ws, file, 'phone.vcf');
      expect([started.status, started.body.format, started.body.total]).toEqual([202, 'vcard', 10000]);
      const done = await finished(ws, started.body.id);
      expect(done).toMatchObject({
        status: 'done',
        total: 10000,
        processed: 10000,
        created: 10000,
        matched: 0,
        invalid: 0,
      });
      const found = await ws.http.get(`/api/v1/contacts?q=${encodeURIComponent('+98935' + '1000042')}`);
      expect(found.body.data).toHaveLength(1);
      expect(found.body.data[0]).toMatchObject({ name: 'مشتری 42', phone: '+989351000042' });
      const detail = await ws.http.get(`/api/v1/contacts/${found.body.data[0].id}`);
      expect(detail.body.extra_phones).toEqual(['+982110000042']);

      const twice = await upload(ws, bigVCard(10, 1000000), 'again.vcf');
      expect(await finished(ws, twice.body.id)).toMatchObject({ created: 0, matched: 10 });
    });

    it('an import whose process died (no progress for minutes) reads as failed, not processing for ever', async () => {
      const started = await upload(ws, bigVCard(3, 2000000), 'small.vcf');
      await finished(ws, started.body.id);
      // As if the api storing it was killed mid-way: still `processing`, its last chunk long ago.
      await api.db.query(
        `UPDATE contact_import SET status = 'processing', finished_at = NULL,
                progressed_at = now() - make_interval(secs => $2) WHERE id = $1`,
        [started.body.id, STALLED_IMPORT_SECONDS + 5],
      );
      const read = await ws.http.get<ContactImportView>(`/api/v1/contacts/imports/${started.body.id}`);
      expect(read.body).toMatchObject({ status: 'failed' });
      // One that moved a moment ago is left alone.
      await api.db.query(
        `UPDATE contact_import SET status = 'processing', progressed_at = now() WHERE id = $1`,
        [started.body.id],
      );
      expect(
        (await ws.http.get<ContactImportView>(`/api/v1/contacts/imports/${started.body.id}`)).body.status,
      ).toBe('processing');
    });

    it('reads Android, iPhone and Outlook exports, counting the numbers it cannot read', async () => {
      const file = Buffer.concat([
        fixture('android-2.1.vcf'),
        fixture('ios-3.0.vcf'),
        fixture('outlook-2.1.vcf'),
      ]);
      const started = await upload(other, file, 'mixed.vcf');
      const done = await finished(other, started.body.id);
      // In Saudi Arabia the Iranian national numbers are not numbers: Ali's and the folded card are
      // unreadable; Omar is already this workspace's contact; Sara is kept by her e-mail.
      expect(done).toMatchObject({ status: 'done', total: 6, created: 3, matched: 1, invalid: 2 });
      const names = (await other.http.get('/api/v1/contacts?limit=100')).body.data.map(
        (c: { name: string }) => c.name,
      );
      expect(names).toEqual(expect.arrayContaining(['Omar', 'مريم العلي', 'Zahra Karimi', 'سارا محمدي']));
    });

    it('CSV with a column mapping; an unknown column is refused in Persian', async () => {
      const csv = Buffer.from(
        '\uFEFFFull Name,Mobile,Mail\n"Ali, Jr.",0912 444 1010,ali@example.test\nNo Number,,\n',
      );
      const bad = await upload(ws, csv, 'book.csv', { mapping: JSON.stringify({ phone: 'Cell' }) }, 'fa');
      expect([bad.status, bad.body.code]).toEqual([400, 'import_mapping_invalid']);
      expect(bad.body.message).toContain('نگاشت ستون‌ها معتبر نیست');
      const started = await upload(ws, csv, 'book.csv', {
        mapping: JSON.stringify({ name: 'Full Name', phone: 'Mobile', email: 'Mail' }),
      });
      expect(await finished(ws, started.body.id)).toMatchObject({
        total: 2,
        created: 1,
        invalid: 1,
        errors: [{ entry: 2, code: 'contact_unreachable', input: 'No Number' }],
      });
      const ali = (await ws.http.get('/api/v1/contacts?q=ali%40example')).body.data[0];
      expect(ali).toMatchObject({ name: 'Ali, Jr.', phone: '+989124441010', email: 'ali@example.test' });
    });

    it.each([
      ['no file', null, 'import_file_missing', 400],
      ['a binary file', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]), 'import_format_unknown', 400],
      [
        'a file over CONTACT_IMPORT_MAX_BYTES',
        Buffer.alloc(3 * 1024 * 1024 + 10, 'a'),
        'import_file_too_large',
        413,
      ],
      [
        'more cards than CONTACT_IMPORT_MAX_ENTRIES',
        Buffer.from('BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\n'.repeat(12001)),
        'import_too_many_entries',
        400,
      ],
      ['a vCard with no card', Buffer.from('BEGIN:VCARD\r\n'), 'import_file_empty', 400],
    ])('refuses %s, in Arabic', async (_, file, code, status) => {
      const res = file
        ? await upload(ws, file, 'file.vcf', {}, 'ar')
        : await fetch(`${api.url}/api/v1/contacts/import`, {
            method: 'POST',
            headers: { authorization: `Bearer ${ws.token}`, 'accept-language': 'ar' },
            body: new FormData(),
          }).then(async (r) => ({ status: r.status, body: (await r.json()) as ErrorBody }));
      expect([res.status, res.body.code]).toEqual([status, code]);
      expect(res.body.message).toBe(
        ar[code as keyof typeof ar].replace(
          '{max}',
          code === 'import_file_too_large' ? String(3 * 1024 * 1024) : '12000',
        ),
      );
    });

    it('CSV round trip: an export imports into another workspace as the same people; formulas are defused', async () => {
      const evil = await ws.http.post('/api/v1/contacts', {
        name: '=HYPERLINK("http://evil.test")',
        email: 'evil@example.test',
      });
      expect(evil.status).toBe(201);
      const res = await fetch(`${api.url}/api/v1/contacts/export.csv`, {
        headers: { authorization: `Bearer ${ws.token}` },
      });
      expect(res.headers.get('content-type')).toContain('text/csv');
      const csv = Buffer.from(await res.arrayBuffer());
      const text = csv.toString('utf8');
      expect(text.split('\n')[0]).toBe('\uFEFFname,phone,email,username,other_phones,channels,created_at,id');
      expect(text).toContain(`"'=HYPERLINK(""http://evil.test"")"`);
      expect(text).toContain("'+989124441010");
      expect(text).not.toContain('+966501234567');

      const fresh = await signupWorkspace(api);
      const started = await upload(fresh, csv, 'contacts.csv');
      expect([started.status, started.body.code]).toEqual([202, undefined]);
      const exported = await count(ws);
      const done = await finished(fresh, started.body.id);
      expect(done).toMatchObject({ status: 'done', invalid: 0 });
      const page = (await fresh.http.get('/api/v1/contacts?q=ali%40example')).body.data;
      expect(page[0]).toMatchObject({ name: 'Ali, Jr.', phone: '+989124441010' });
      const defused = (await fresh.http.get('/api/v1/contacts?q=evil%40example')).body.data[0];
      expect(defused.name).toBe('=HYPERLINK("http://evil.test")');
      expect(done.created).toBeLessThanOrEqual(exported);
    });
  });

  describe('matching', () => {
    it('tells known (with their channels), known without a channel, new and invalid apart; stores nothing; another workspace learns nothing', async () => {
      const shared = await customerWrites('', '+989127770001');
      await customerWrites('hello', undefined, shared.from);
      const manual = await ws.http.post('/api/v1/contacts', {
        name: 'No channel',
        phone: '+98 912 777 0002',
      });
      const before = [await count(ws), await count(other)];
      const phones = ['0912 777 0001', '۰۹۱۲۷۷۷۰۰۰۲', '09127770003', 'call me'];
      const res = await ws.http.post('/api/v1/contacts/match', { phones });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual([
        {
          input: '0912 777 0001',
          phone_e164: '+989127770001',
          status: 'known',
          contact_id: shared.contactId,
          channels: [{ channel_id: telegram.id, type: 'telegram', name: 'Support bot' }],
        },
        {
          input: '۰۹۱۲۷۷۷۰۰۰۲',
          phone_e164: '+989127770002',
          status: 'known',
          contact_id: manual.body.id,
          channels: [],
        },
        { input: '09127770003', phone_e164: '+989127770003', status: 'new', channels: [] },
        { input: 'call me', phone_e164: null, status: 'invalid', channels: [] },
      ]);
      const elsewhere = await other.http.post('/api/v1/contacts/match', {
        phones: ['+989127770001', '+989127770002'],
      });
      expect(elsewhere.body.data.map((m: { status: string }) => m.status)).toEqual(['new', 'new']);
      expect([await count(ws), await count(other)]).toEqual(before);
    });

    it('refuses more numbers than it matches at once, in Persian', async () => {
      const res = await ws.http.post(
        '/api/v1/contacts/match',
        { phones: Array(1001).fill('0912') },
        { lang: 'fa' },
      );
      expect([res.status, res.body.code, res.body.message]).toEqual([
        400,
        'contact_match_too_many',
        fa.contact_match_too_many.replace('{max}', '1000'),
      ]);
    });
  });

  describe('invitations', () => {
    it("an invite link's /start binds the customer's new Telegram identity to the contact and accepts the invitation", async () => {
      const contact = (await ws.http.post('/api/v1/contacts', { name: 'Invited Nima', phone: '09128880001' }))
        .body;
      const invite = await ws.http.post(`/api/v1/contacts/${contact.id}/invitations`, {
        channel_id: telegram.id,
      });
      expect(invite.status).toBe(201);
      expect(invite.body).toMatchObject({ status: 'pending', binds: true, channel_type: 'telegram' });
      expect(invite.body.qr_svg).toMatch(/^<svg/);
      const url = new URL(invite.body.url);
      expect(url.origin + url.pathname).toMatch(/^https:\/\/t\.me\/parley_demo_\w+$/);
      const token = url.searchParams.get('start')!;
      const [stored]: { token_hash: string }[] = await api.db.query(
        'SELECT token_hash FROM contact_invitation WHERE id = $1',
        [invite.body.id],
      );
      expect(stored.token_hash).not.toContain(token);

      const arrived = await customerWrites(`/start ${token}`);
      expect(arrived.contactId).toBe(contact.id);
      const detail = (await ws.http.get(`/api/v1/contacts/${contact.id}`)).body;
      expect(detail.identities).toEqual([
        expect.objectContaining({ channel_id: telegram.id, platform_user_id: String(arrived.from.id) }),
      ]);
      expect(detail.invitations[0]).toMatchObject({ id: invite.body.id, status: 'accepted' });
      expect(detail.conversations.map((c: { id: string }) => c.id)).toEqual([arrived.conversationId]);

      // The token is spent: someone else following the same link is a new contact.
      const late = await customerWrites(`/start ${token}`);
      expect(late.contactId).not.toBe(contact.id);
    });

    it("refuses another workspace's channel and contact", async () => {
      const mine = (await ws.http.post('/api/v1/contacts', { name: 'Mine', email: 'mine@example.test' }))
        .body;
      const theirs = (
        await other.http.post('/api/v1/contacts', { name: 'Theirs', email: 'theirs@example.test' })
      ).body;
      expect(
        (await other.http.post(`/api/v1/contacts/${theirs.id}/invitations`, { channel_id: telegram.id }))
          .status,
      ).toBe(404);
      expect(
        (await other.http.post(`/api/v1/contacts/${mine.id}/invitations`, { channel_id: telegram.id }))
          .status,
      ).toBe(404);
    });
  });

  describe('merge', () => {
    it('merges a Telegram customer into the contact with the same phone, conversations follow; undo moves them back once', async () => {
      const kept = (await ws.http.post('/api/v1/contacts', { name: 'Kept Leila', phone: '09129990001' }))
        .body;
      const duplicate = await customerWrites('', '+989129990001');
      const suggestions = (await ws.http.get(`/api/v1/contacts/${kept.id}/merge-suggestions`)).body;
      expect(suggestions).toEqual([
        { contact: expect.objectContaining({ id: duplicate.contactId }), reason: 'phone' },
      ]);

      const merged = await ws.http.post(`/api/v1/contacts/${kept.id}/merge`, {
        other_id: duplicate.contactId,
      });
      expect(merged.status).toBe(200);
      expect(merged.body).toMatchObject({
        kept_id: kept.id,
        moved_identities: 1,
        moved_conversations: 1,
        undone_at: null,
      });
      const after = (await ws.http.get(`/api/v1/contacts/${kept.id}`)).body;
      expect(after.conversations.map((c: { id: string }) => c.id)).toEqual([duplicate.conversationId]);
      expect(after.channels).toEqual([{ channel_id: telegram.id, type: 'telegram', name: 'Support bot' }]);
      expect(after.name).toBe('Kept Leila');
      const conversation = (await ws.http.get(`/api/v1/conversations/${duplicate.conversationId}`)).body;
      expect(conversation.contact.id).toBe(kept.id);
      // The customer writing again lands in the kept contact's conversation.
      expect((await customerWrites('still me', undefined, duplicate.from)).contactId).toBe(kept.id);
      const list = (await ws.http.get('/api/v1/contacts?q=989129990001')).body.data;
      expect(list.map((c: { id: string }) => c.id)).toEqual([kept.id]);

      expect((await other.http.post(`/api/v1/contacts/merges/${merged.body.id}/undo`)).status).toBe(404);
      const undone = await ws.http.post(`/api/v1/contacts/merges/${merged.body.id}/undo`);
      expect(undone.status).toBe(200);
      expect((await ws.http.get(`/api/v1/conversations/${duplicate.conversationId}`)).body.contact.id).toBe(
        duplicate.contactId,
      );
      expect((await ws.http.get(`/api/v1/contacts/${kept.id}`)).body.identities).toEqual([]);
      const again = await ws.http.post(`/api/v1/contacts/merges/${merged.body.id}/undo`, undefined, {
        lang: 'fa',
      });
      expect([again.status, again.body.code, again.body.message]).toEqual([
        409,
        'merge_undo_expired',
        fa.merge_undo_expired,
      ]);
    });

    it('moves the other contact’s notes and labels to the kept one; undo gives back exactly those', async () => {
      const kept = (
        await ws.http.post('/api/v1/contacts', { name: 'Kept Nader', email: 'nader@example.test' })
      ).body;
      const dup = (await ws.http.post('/api/v1/contacts', { name: 'Nader', email: 'nader.2@example.test' }))
        .body;
      const label = async (name: string) =>
        (await ws.http.post('/api/v1/labels', { name, color: '#2255aa' })).body.id as string;
      const [vip, shared] = [await label(`vip-${Date.now()}`), await label(`shared-${Date.now()}`)];
      expect((await ws.http.put(`/api/v1/contacts/${kept.id}/labels`, { label_ids: [shared] })).status).toBe(
        200,
      );
      expect(
        (await ws.http.put(`/api/v1/contacts/${dup.id}/labels`, { label_ids: [vip, shared] })).status,
      ).toBe(200);
      const note = (
        await ws.http.post(`/api/v1/contacts/${dup.id}/notes`, { content: 'Prefers calls after 5pm' })
      ).body;
      expect(note.id).toBeDefined();

      const merged = await ws.http.post(`/api/v1/contacts/${kept.id}/merge`, { other_id: dup.id });
      expect(merged.status).toBe(200);
      const after = (await ws.http.get(`/api/v1/contacts/${kept.id}`)).body;
      expect(after.notes.map((n: { content: string }) => n.content)).toEqual(['Prefers calls after 5pm']);
      const labelsAfter = (await ws.http.get(`/api/v1/contacts/${kept.id}/labels`)).body as { id: string }[];
      expect(labelsAfter.map((l) => l.id).sort()).toEqual([vip, shared].sort());

      expect((await ws.http.post(`/api/v1/contacts/merges/${merged.body.id}/undo`)).status).toBe(200);
      expect((await ws.http.get(`/api/v1/contacts/${kept.id}`)).body.notes).toEqual([]);
      expect(
        ((await ws.http.get(`/api/v1/contacts/${kept.id}/labels`)).body as { id: string }[]).map((l) => l.id),
      ).toEqual([shared]);
      expect(
        (await ws.http.get(`/api/v1/contacts/${dup.id}`)).body.notes.map((n: { id: string }) => n.id),
      ).toEqual([note.id]);
      const dupLabels = (await ws.http.get(`/api/v1/contacts/${dup.id}/labels`)).body as { id: string }[];
      expect(dupLabels.map((l) => l.id).sort()).toEqual([vip, shared].sort());
    });

    it("refuses merging a contact with itself or with another workspace's", async () => {
      const a = (await ws.http.post('/api/v1/contacts', { name: 'A', email: 'a-merge@example.test' })).body;
      const theirs = (await other.http.post('/api/v1/contacts', { name: 'T', email: 't-merge@example.test' }))
        .body;
      const self = await ws.http.post(`/api/v1/contacts/${a.id}/merge`, { other_id: a.id });
      expect([self.status, self.body.code]).toEqual([400, 'merge_same_contact']);
      expect((await ws.http.post(`/api/v1/contacts/${a.id}/merge`, { other_id: theirs.id })).status).toBe(
        404,
      );
      expect((await other.http.post(`/api/v1/contacts/${a.id}/merge`, { other_id: theirs.id })).status).toBe(
        404,
      );
    });
  });

  describe('erasure', () => {
    it("erases the person's data, keeps the conversation with an anonymous contact, and audits it", async () => {
      const customer = await customerWrites('', '+989121230099');
      await ws.http.post(`/api/v1/contacts/${customer.contactId}/notes`, { content: 'VIP' });
      expect((await other.http.delete(`/api/v1/contacts/${customer.contactId}`)).status).toBe(404);
      expect((await ws.http.delete(`/api/v1/contacts/${customer.contactId}`)).status).toBe(204);
      const erased = (await ws.http.get(`/api/v1/contacts/${customer.contactId}`)).body;
      expect(erased).toMatchObject({
        name: null,
        username: null,
        phone: null,
        email: null,
        identities: [],
        notes: [],
      });
      const conversation = (await ws.http.get(`/api/v1/conversations/${customer.conversationId}`)).body;
      expect(conversation.contact).toMatchObject({ id: customer.contactId, name: null });
      expect((await ws.http.get('/api/v1/contacts?q=989121230099')).body.data).toEqual([]);
      expect((await ws.http.delete(`/api/v1/contacts/${customer.contactId}`)).status).toBe(404);
      const summary = (await ws.http.get('/api/v1/admin/security/summary')).body;
      expect(summary.counts_by_kind.contact_erased).toBe(1);
    });
  });

  describe('notes, attributes, filters', () => {
    it('keeps typed attributes, refusing a value of the wrong type in Persian', async () => {
      for (const body of [
        { key: 'tier', label: 'Tier', type: 'list', options: ['gold', 'silver'] },
        { key: 'orders', label: 'Orders', type: 'number' },
        { key: 'birthday', label: 'Birthday', type: 'date' },
      ])
        expect((await ws.http.post('/api/v1/contact-attributes', body)).status).toBe(201);
      const dup = await ws.http.post('/api/v1/contact-attributes', { key: 'tier', label: 'x', type: 'text' });
      expect([dup.status, dup.body.code]).toEqual([409, 'contact_attribute_exists']);
      const c = (await ws.http.post('/api/v1/contacts', { name: 'Typed', email: 'typed@example.test' })).body;
      const ok = await ws.http.patch(`/api/v1/contacts/${c.id}`, {
        attributes: { tier: 'gold', orders: 3, birthday: '1990-02-28' },
      });
      expect(ok.body.attributes).toEqual({ tier: 'gold', orders: 3, birthday: '1990-02-28' });
      const bad = await ws.http.patch(
        `/api/v1/contacts/${c.id}`,
        { attributes: { orders: 'three' } },
        { lang: 'fa' },
      );
      expect([bad.status, bad.body.code]).toEqual([400, 'contact_attribute_invalid']);
      expect(bad.body.message).toContain('«orders»');
      const unknown = await ws.http.patch(`/api/v1/contacts/${c.id}`, { attributes: { shoe: 42 } });
      expect(unknown.body.code).toBe('contact_attribute_invalid');
      expect((await other.http.get('/api/v1/contact-attributes')).body).toEqual([]);
    });

    it('adds and removes notes on a contact', async () => {
      const c = (await ws.http.post('/api/v1/contacts', { name: 'Noted', email: 'noted@example.test' })).body;
      const note = await ws.http.post(`/api/v1/contacts/${c.id}/notes`, { content: 'Prefers evenings' });
      expect(note.status).toBe(201);
      expect((await ws.http.get(`/api/v1/contacts/${c.id}`)).body.notes).toEqual([
        expect.objectContaining({ content: 'Prefers evenings', agent_id: ws.adminId }),
      ]);
      expect((await other.http.delete(`/api/v1/contacts/${c.id}/notes/${note.body.id}`)).status).toBe(404);
      expect((await ws.http.delete(`/api/v1/contacts/${c.id}/notes/${note.body.id}`)).status).toBe(204);
    });

    it('filters by channel type and by having a phone, and searches with Persian digits', async () => {
      const onTelegram = await customerWrites('hi from telegram');
      const byType = (await ws.http.get('/api/v1/contacts?channel_type=telegram&limit=100')).body.data.map(
        (c: { id: string }) => c.id,
      );
      expect(byType).toContain(onTelegram.contactId);
      expect((await ws.http.get('/api/v1/contacts?channel_type=instagram')).body.data).toEqual([]);
      const withoutPhone = (await ws.http.get('/api/v1/contacts?has_phone=false&limit=100')).body.data;
      expect(withoutPhone.every((c: { phone: string | null }) => c.phone === null)).toBe(true);
      const persian = (await ws.http.get(`/api/v1/contacts?q=${encodeURIComponent('۹۱۲۵۵۵۰۱۰۱')}`)).body.data;
      expect(persian.length).toBeGreaterThan(0);
    });
  });

  it("answers 404 for another workspace's id on every contact route", async () => {
    const mine = (await ws.http.post('/api/v1/contacts', { name: 'Private', email: 'private@example.test' }))
      .body;
    const note = (await ws.http.post(`/api/v1/contacts/${mine.id}/notes`, { content: 'secret' })).body;
    const imported = await upload(ws, bigVCard(1, 5550000), 'one.vcf');
    const attribute = (
      await ws.http.post('/api/v1/contact-attributes', { key: 'secret', label: 'S', type: 'text' })
    ).body;
    const theirs = (
      await other.http.post('/api/v1/contacts', { name: 'Theirs', email: 'theirs2@example.test' })
    ).body;
    const calls: [string, () => Promise<{ status: number }>][] = [
      ['GET contact', () => other.http.get(`/api/v1/contacts/${mine.id}`)],
      ['PATCH contact', () => other.http.patch(`/api/v1/contacts/${mine.id}`, { name: 'x' })],
      ['DELETE contact', () => other.http.delete(`/api/v1/contacts/${mine.id}`)],
      ['POST note', () => other.http.post(`/api/v1/contacts/${mine.id}/notes`, { content: 'x' })],
      ['DELETE note', () => other.http.delete(`/api/v1/contacts/${mine.id}/notes/${note.id}`)],
      ['GET import', () => other.http.get(`/api/v1/contacts/imports/${imported.body.id}`)],
      ['GET merge suggestions', () => other.http.get(`/api/v1/contacts/${mine.id}/merge-suggestions`)],
      ['POST merge', () => other.http.post(`/api/v1/contacts/${theirs.id}/merge`, { other_id: mine.id })],
      [
        'POST invitation',
        () => other.http.post(`/api/v1/contacts/${mine.id}/invitations`, { channel_id: telegram.id }),
      ],
      ['DELETE attribute', () => other.http.delete(`/api/v1/contact-attributes/${attribute.id}`)],
      ['GET malformed id', () => other.http.get('/api/v1/contacts/not-a-uuid')],
    ];
    for (const [name, call] of calls) expect([name, (await call()).status]).toEqual([name, 404]);
    expect((await ws.http.get(`/api/v1/contacts/${mine.id}`)).body.name).toBe('Private');
  });
});
