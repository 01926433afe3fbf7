import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import type { SearchResults } from '@parley/contract/search';
import { normalizeSearchText } from '@parley/domain/search/search-text';
import { InboundMessageService } from '@parley/domain/services/inbound-message.service';
import { MessageService } from '@parley/domain/services/message.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { startApi, TestApp } from './support/app';
import { addAgent, createChannel, customerWrites, signupWorkspace, Workspace } from './support/factories';
import { HttpClient } from './support/http';

type Search = Partial<
  Record<
    'q' | 'type' | 'channel_id' | 'label_id' | 'status' | 'assignee' | 'from' | 'to' | 'cursor' | 'limit',
    string
  >
>;

const path = (query: Search) => `/api/v1/search?${new URLSearchParams(query as Record<string, string>)}`;

/**
 * Search over a workspace's messages, notes, attachment names and contacts: Persian and Arabic
 * spellings of one word find each other, filters combine, pages never repeat or skip, deleted text
 * never comes back, and nothing of another workspace is ever found.
 */
describe('search', () => {
  let api: TestApp;
  let a: Workspace;
  let b: Workspace;
  let channelId: string;
  let otherChannelId: string;
  const tag = () => `t${randomBytes(4).toString('hex')}`;

  const search = async (workspace: Workspace | HttpClient, query: Search) => {
    const http = workspace instanceof HttpClient ? workspace : workspace.http;
    const res = await http.get<SearchResults>(path(query));
    if (res.status !== 200)
      throw new Error(`search ${JSON.stringify(query)}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const messageIds = async (workspace: Workspace | HttpClient, query: Search) =>
    (await search(workspace, query)).messages.map((hit) => hit.message.id).sort();
  const writes = async (
    text: string,
    channel = channelId,
    extra: Parameters<typeof customerWrites>[3] = {},
  ) => (await customerWrites(api, a.workspaceId, channel, { text, ...extra })).message;
  const note = async (conversationId: string, content: string) => {
    const res = await a.http.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
      content,
      type: 'note',
    });
    expect(res.status).toBe(201);
    return res.body as { id: string };
  };
  const adminOf = (workspace: Workspace): AuthAgent => ({
    id: workspace.adminId,
    workspaceId: workspace.workspaceId,
    role: 'admin',
    name: 'Admin',
    email: workspace.email,
    operator: false,
  });

  beforeAll(async () => {
    api = await startApi();
    a = await signupWorkspace(api);
    b = await signupWorkspace(api);
    channelId = (await createChannel(api, a.workspaceId)).id;
    otherChannelId = (await createChannel(api, a.workspaceId, 'Second bot')).id;
  });
  afterAll(() => api.close());

  describe('one normalisation in SQL and in TypeScript', () => {
    const table = [
      'كتاب عربي', // Arabic kaf and yeh
      'مُحَمَّدٌ', // harakat
      'عـــلی', // tatweel
      'می‌خواهم', // ZWNJ
      'می خواهم', // the verbal prefix apart
      'نمی خواهم کتاب ها را', // the plural suffix apart
      'أحمد إسلام آب ٱلله', // alef variants
      'مسؤول مسئول اجزاء', // hamza forms
      'مدرسة خانۀ', // teh marbuta, heh with yeh above
      '۰۱۲۳۴۵۶۷۸۹ ٠١٢٣٤٥٦٧٨٩', // Persian and Arabic digits
      'Hello WORLD Élan', // Latin case
      'سلام\u00a0دنیا\u200f', // no-break space, direction mark
      'میراث', // می that is part of a word
      'رنگ ها و ها', // a suffix alone
      '😀می خواهم😀',
      '',
    ];
    it.each(table)('Postgres and the TypeScript twin fold %j alike', async (text) => {
      const [{ n }] = await api.db.query('SELECT parley_search_normalize($1) AS n', [text]);
      expect(normalizeSearchText(text)).toBe(n);
    });

    it('agree on random mixed Persian, Arabic and Latin text', async () => {
      const alphabet = [
        ...'يىئكڪأإآٱؤةۀہەءیکاهوميخواهنرد',
        ...'۰۱۲۹٠١٩09aZé',
        '\u064b',
        '\u0650',
        '\u0670',
        '\u0640',
        '\u200c',
        '\u200d',
        ' ',
        '\t',
        '\n',
        '\u00a0',
        '.',
        '-',
        '«',
        'ها',
        'های',
        'می',
        'نمی',
      ];
      const texts = fc.sample(
        fc.array(fc.constantFrom(...alphabet), { maxLength: 24 }).map((parts) => parts.join('')),
        { numRuns: 300, seed: 17 },
      );
      const rows: { n: string }[] = await api.db.query(
        'SELECT parley_search_normalize(t) AS n FROM unnest($1::text[]) WITH ORDINALITY AS x(t, i) ORDER BY i',
        [texts],
      );
      expect(texts.map(normalizeSearchText)).toEqual(rows.map((row) => row.n));
    });
  });

  describe('Persian and Arabic spellings of one word find each other', () => {
    const cases: [label: string, stored: string[], queries: string[]][] = [
      ['Arabic and Persian yeh and kaf', ['كريم يكي', 'کریم یکی'], ['كريم', 'کریم', 'یکی', 'يكي']],
      ['diacritics and tatweel', ['مُحَمَّدٌ', 'محمد', 'مـــحـــمد'], ['محمد', 'مُحَمَّد', 'مـحـمد']],
      ['ZWNJ, joined and spaced', ['می‌خواهم', 'میخواهم', 'می خواهم'], ['می‌خواهم', 'میخواهم', 'می خواهم']],
      [
        'Persian, Arabic and Latin digits',
        ['کد ۹۸۷۶۵', 'کد ٩٨٧٦٥', 'code 98765'],
        ['98765', '۹۸۷۶۵', '٩٨٧٦٥'],
      ],
      ['alef variants and teh marbuta', ['مدرسة أمل', 'مدرسه امل'], ['مدرسة أمل', 'مدرسه امل', 'امل']],
    ];
    it.each(cases)('%s', async (_label, stored, queries) => {
      const ids: string[] = [];
      for (const text of stored) ids.push((await writes(text)).id);
      for (const q of queries) {
        const found = await messageIds(a, { q });
        expect({ q, found: ids.filter((id) => found.includes(id)) }).toEqual({ q, found: ids });
      }
    });

    it('highlights the word as written in the message, whatever spelling was searched', async () => {
      const text = 'سلام، من کتاب‌ها را می‌خواهم لطفاً';
      const { id } = await writes(text);
      const hit = (await search(a, { q: 'كتابها ميخواهم' })).messages.find((h) => h.message.id === id)!;
      expect(hit.highlight.field).toBe('content');
      expect(hit.highlight.ranges.map(([s, e]) => hit.highlight.text.slice(s, e))).toEqual([
        'کتاب‌ها',
        'می‌خواهم',
      ]);
    });
  });

  it('finds notes and messages, each alone with type, and both by default', async () => {
    const word = tag();
    const message = await writes(`customer says ${word}`);
    const inNote = await note(message.conversation_id, `private ${word} remark`);
    expect(await messageIds(a, { q: word })).toEqual([message.id, inNote.id].sort());
    expect(await messageIds(a, { q: word, type: 'note' })).toEqual([inNote.id]);
    expect(await messageIds(a, { q: word, type: 'message' })).toEqual([message.id]);
    const both = await search(a, { q: word });
    const hit = both.messages.find((h) => h.message.id === inNote.id)!;
    expect(hit.message.type).toBe('note');
    expect(hit.conversation).toEqual(
      expect.objectContaining({
        id: message.conversation_id,
        channel: expect.objectContaining({ id: channelId }),
      }),
    );
  });

  it('finds contacts by name in either script, username, email and phone (local or international)', async () => {
    const username = tag();
    const message = await writes('hello', channelId, { name: 'علي رضايي', username });
    const contactId = message.sender!.id;
    await a.http.patch(`/api/v1/contacts/${contactId}`, {
      phone: '+989121234567',
      email: `${username}@shop.example`,
    });
    for (const q of [
      'علی رضایی',
      'علي',
      username,
      `${username}@shop.example`,
      '09121234567',
      '+98 912 123 4567',
    ]) {
      const found = await search(a, { q, type: 'contact' });
      expect({ q, ids: found.contacts.map((hit) => hit.contact.id) }).toEqual({ q, ids: [contactId] });
    }
    const byPhone = (await search(a, { q: '09121234567' })).contacts[0];
    expect(byPhone.highlight).toEqual({ field: 'phone', text: '+989121234567', ranges: [[3, 13]] });
    const byName = (await search(a, { q: 'رضایی' })).contacts.find((hit) => hit.contact.id === contactId)!;
    expect(byName.highlight.ranges.map(([s, e]) => byName.highlight.text.slice(s, e))).toEqual(['رضايي']);
  });

  it("finds a message by its attachment's file name and highlights the name", async () => {
    const word = tag();
    const { message } = await api.get(InboundMessageService).receive({
      workspaceId: a.workspaceId,
      channelId,
      platformUserId: word,
      profile: { name: 'Sender of a file' },
      externalId: `${word}:1`,
      content: '',
      attachments: [
        {
          kind: 'file',
          mime: 'application/pdf',
          size: 10,
          duration: null,
          storage_key: null,
          file_name: `invoice_${word}.pdf`,
        },
      ],
    });
    const hits = (await search(a, { q: `invoice ${word}` })).messages;
    expect(hits.map((h) => h.message.id)).toEqual([message.id]);
    expect(hits[0].highlight).toEqual({
      field: 'file_name',
      text: `invoice_${word}.pdf`,
      ranges: [
        [0, 7],
        [8, 8 + word.length],
      ],
    });
  });

  it('combines channel, status, assignee and date filters', async () => {
    const word = tag();
    const agent = await addAgent(api, a);
    const first = await writes(`${word} one`);
    const second = await writes(`${word} two`, otherChannelId);
    const third = await writes(`${word} three`);
    await a.http.patch(`/api/v1/message/conversation/${third.conversation_id}/status/`, {
      status: 'pending',
    });
    await a.http.post(`/api/v1/conversations/${first.conversation_id}/assign`, { agent_id: agent.id });
    await api.db.query(`UPDATE message SET created_at = '2026-01-15T10:00:00Z' WHERE id = $1`, [second.id]);

    expect(await messageIds(a, { q: word, channel_id: otherChannelId })).toEqual([second.id]);
    expect(await messageIds(a, { q: word, status: 'pending' })).toEqual([third.id]);
    expect(await messageIds(a, { q: word, status: 'open,pending' })).toEqual([second.id, third.id].sort());
    expect(await messageIds(a, { q: word, assignee: agent.id })).toEqual([first.id]);
    expect(await messageIds(agent.http, { q: word, assignee: 'me' })).toEqual([first.id]);
    expect(await messageIds(a, { q: word, assignee: 'unassigned', channel_id: channelId })).toEqual([
      third.id,
    ]);
    expect(
      await messageIds(a, { q: word, from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' }),
    ).toEqual([second.id]);
    expect(await messageIds(a, { q: word, from: '2026-02-01T00:00:00Z', channel_id: channelId })).toEqual(
      [first.id, third.id].sort(),
    );
    const bad = await a.http.get(path({ q: word, status: 'closed' }));
    expect(bad.body.code).toBe('validation_failed');
  });

  it("filters by label: only conversations carrying it; another workspace's label is 404", async () => {
    const word = tag();
    const labelled = await writes(`${word} with the label`);
    await writes(`${word} without it`, otherChannelId);
    const label = await a.http.post('/api/v1/labels', { name: `vip-${word}`, color: '#0f766e' });
    expect(label.status).toBe(201);
    const put = await a.http.put(`/api/v1/conversations/${labelled.conversation_id}/labels`, {
      label_ids: [label.body.id],
    });
    expect(put.status).toBe(200);
    expect(await messageIds(a, { q: word, label_id: label.body.id })).toEqual([labelled.id]);
    const foreign = await b.http.post('/api/v1/labels', { name: `theirs-${word}`, color: '#123456' });
    const refused = await a.http.get(path({ q: word, label_id: foreign.body.id }));
    expect([refused.status, refused.body.code]).toEqual([404, 'not_found']);
  });

  it('pages newest first with a cursor, never repeating or skipping a message', async () => {
    const word = tag();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await writes(`${word} number ${i}`)).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: SearchResults = await search(a, { q: word, limit: '3', ...(cursor ? { cursor } : {}) });
      seen.push(...page.messages.map((hit) => hit.message.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
    expect((await a.http.get(path({ q: word, cursor: 'not-a-cursor' }))).body.code).toBe('invalid_cursor');
  });

  it('a word on thousands of messages is paged newest first like a rare one', async () => {
    const word = tag();
    const first = await writes(`${word} seed`);
    // 2,500 more in the same conversation, straight in Postgres (the factories would take minutes).
    await api.db.query(
      `INSERT INTO message (workspace_id, conversation_id, channel_id, seq, type, content, status, created_at)
       SELECT workspace_id, conversation_id, channel_id, 10000000 + g, 'customer', $2 || ' number ' || g, 'sent',
              now() - g * interval '1 minute'
         FROM message, generate_series(1, 2500) g WHERE id = $1`,
      [first.id, word],
    );
    const expected: { id: string }[] = await api.db.query(
      `SELECT id FROM message WHERE workspace_id = $1 AND content LIKE $2 ORDER BY created_at DESC, id DESC LIMIT 60`,
      [a.workspaceId, `${word}%`],
    );
    const one = await search(a, { q: word, limit: '30' });
    const two = await search(a, { q: word, limit: '30', cursor: one.next_cursor! });
    expect([...one.messages, ...two.messages].map((hit) => hit.message.id)).toEqual(
      expected.map((row) => row.id),
    );
  });

  it('never finds a deleted, edited-away or erased message', async () => {
    const word = tag();
    const kept = await writes(`${word} kept`);
    const deleted = await note(kept.conversation_id, `${word} to be deleted`);
    const edited = await note(kept.conversation_id, `${word} before the edit`);
    const erased = await writes(`${word} erased by retention`);
    await api.get(MessageService).remove(a.workspaceId, adminOf(a), deleted.id);
    await api.get(MessageService).edit(a.workspaceId, adminOf(a), edited.id, 'said otherwise now');
    await api.db.query(`UPDATE message SET expired_at = now() WHERE id = $1`, [erased.id]);
    expect(await messageIds(a, { q: word })).toEqual([kept.id]);
    expect(await messageIds(a, { q: 'otherwise' })).toContain(edited.id);
  });

  describe('tenant isolation', () => {
    it("another workspace's words, channels and agents find nothing of it", async () => {
      const word = tag();
      const mine = await writes(`${word} secret of A`);
      const bChannel = await createChannel(api, b.workspaceId);
      const theirs = (
        await customerWrites(api, b.workspaceId, bChannel.id, { text: `${word} of B`, name: word })
      ).message;
      expect(await messageIds(a, { q: word })).toEqual([mine.id]);
      const fromB = await search(b, { q: word });
      expect(fromB.messages.map((hit) => hit.message.id)).toEqual([theirs.id]);
      expect(fromB.contacts.map((hit) => hit.contact.id)).toEqual([theirs.sender!.id]);
      const channelOfA = await b.http.get(path({ q: word, channel_id: channelId }));
      expect([channelOfA.status, channelOfA.body.code]).toEqual([404, 'not_found']);
      const agentOfA = await b.http.get(path({ q: word, assignee: a.adminId }));
      expect([agentOfA.status, agentOfA.body.code]).toEqual([404, 'not_found']);
    });

    it('apps search with conversations:read, and see messages only with messages:read', async () => {
      const word = tag();
      const message = await writes(`${word} for apps`, channelId, { name: `Buyer ${word}` });
      const key = async (scopes: string[]) =>
        new HttpClient(api.url).as(
          (await a.http.post('/api/v1/api-keys', { name: 'search app', scopes })).body.key,
        );
      const reader = await key(['conversations:read', 'messages:read', 'contacts:read']);
      const found = await search(reader, { q: word });
      expect(found.messages.map((hit) => hit.message.id)).toEqual([message.id]);
      expect(found.contacts.map((hit) => hit.contact.id)).toEqual([message.sender!.id]);
      const listOnly = await search(await key(['conversations:read']), { q: word });
      expect([listOnly.messages, listOnly.contacts]).toEqual([[], []]);
      const noScope = await (await key(['messages:read'])).get(path({ q: word }));
      expect([noScope.status, noScope.body.code]).toEqual([403, 'scope_missing']);
    });
  });

  describe('hostile queries', () => {
    it.each([
      'a & b | !c',
      "it's",
      '"unclosed phrase',
      'back\\slash\\',
      ':*',
      'word:* <-> other:A',
      "'; DROP TABLE message; --",
      '(((nested',
      'or',
      '- -',
      'x'.repeat(256),
      '<script>alert(1)</script>',
    ])('%j is answered with results or a clear 400, never an error', async (q) => {
      const res = await a.http.get(path({ q }));
      expect([200, 400]).toContain(res.status);
      if (res.status === 400) expect(res.body.code).toBe('search_query_invalid');
    });

    it.each(['', '   ', '&|!', '"" ()'])(
      '%j has nothing to search for: 400 search_query_invalid',
      async (q) => {
        const res = await a.http.get(path({ q }), { lang: 'fa' });
        expect([res.status, res.body.code]).toEqual([400, 'search_query_invalid']);
        expect(res.body.message).toMatch(/[\u0600-\u06FF]/);
      },
    );

    it('a 10 KB query is refused with search_query_too_long', async () => {
      const res = await a.http.get(path({ q: 'a'.repeat(10 * 1024) }));
      expect([res.status, res.body.code]).toEqual([400, 'search_query_too_long']);
    });

    it('random text of tsquery operators, quotes and backslashes never makes the search fail', async () => {
      const pieces = [
        '&',
        '|',
        '!',
        '(',
        ')',
        ':',
        '*',
        '<->',
        '<2>',
        "'",
        '"',
        '\\',
        '-',
        'or',
        'and',
        ' ',
        'کتاب',
        'a',
        'A:B',
        '\u200c',
      ];
      const queries = fc.sample(
        fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 12 }).map((parts) => parts.join('')),
        { numRuns: 60, seed: 42 },
      );
      for (const q of queries) {
        const res = await a.http.get(path({ q }));
        expect({
          q,
          ok: res.status === 200 || (res.status === 400 && res.body.code === 'search_query_invalid'),
        }).toEqual({
          q,
          ok: true,
        });
      }
    });

    it('a message that looks like HTML comes back as plain text with ranges', async () => {
      const word = tag();
      const text = `<img src=x onerror=alert(1)> ${word}`;
      const { id } = await writes(text);
      const [hit] = (await search(a, { q: word })).messages;
      expect(hit.message.id).toBe(id);
      expect(hit.highlight.text).toBe(text);
      expect(hit.highlight.ranges).toEqual([[text.length - word.length, text.length]]);
    });
  });

  describe('saved views', () => {
    it('an agent saves, lists and deletes views; an admin shares one with every agent', async () => {
      const agent = await addAgent(api, a);
      const other = await addAgent(api, a);
      const mine = await agent.http.post('/api/v1/saved-views', {
        name: ' Open orders ',
        query: { q: 'سفارش', status: ['open'], type: ['message'] },
      });
      expect(mine.status).toBe(201);
      expect(mine.body).toEqual(
        expect.objectContaining({
          name: 'Open orders',
          shared: false,
          query: { q: 'سفارش', status: ['open'], type: ['message'] },
        }),
      );
      const shared = await a.http.post('/api/v1/saved-views', {
        name: 'Refunds',
        query: { q: 'refund' },
        shared: true,
      });
      expect(shared.status).toBe(201);
      const refused = await agent.http.post('/api/v1/saved-views', {
        name: 'Mine',
        query: { q: 'x' },
        shared: true,
      });
      expect([refused.status, refused.body.code]).toEqual([403, 'view_share_admin_only']);

      const names = async (http: HttpClient) =>
        (await http.get('/api/v1/saved-views')).body.map((v: { name: string }) => v.name);
      expect(await names(agent.http)).toEqual(['Open orders', 'Refunds']);
      expect(await names(other.http)).toEqual(['Refunds']);
      expect(await names(new HttpClient(api.url).as(b.token))).toEqual([]);

      expect((await other.http.delete(`/api/v1/saved-views/${mine.body.id}`)).status).toBe(404);
      expect((await other.http.delete(`/api/v1/saved-views/${shared.body.id}`)).body.code).toBe('forbidden');
      expect((await b.http.delete(`/api/v1/saved-views/${shared.body.id}`)).status).toBe(404);
      expect((await agent.http.delete(`/api/v1/saved-views/${mine.body.id}`)).status).toBe(204);
      expect((await a.http.delete(`/api/v1/saved-views/${shared.body.id}`)).status).toBe(204);
      expect(await names(agent.http)).toEqual([]);
    });

    it.each([
      [{ name: '', query: { q: 'x' } }],
      [{ name: 'n', query: { q: '' } }],
      [{ name: 'n', query: { q: 'x', status: ['closed'] } }],
      [{ name: 'n', query: { q: 'x', from: 'yesterday' } }],
      [{ name: 'n', query: { q: 'x', extra: 1 } }],
      [{ name: 'n', query: 'q=x' }],
      [{ name: 'x'.repeat(81), query: { q: 'x' } }],
    ])('refuses an invalid view %j', async (body) => {
      const res = await a.http.post('/api/v1/saved-views', body);
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
    });

    it('keeps at most 50 views per agent', async () => {
      const agent = await addAgent(api, a);
      await api.db.query(
        `INSERT INTO saved_view (workspace_id, agent_id, name, query)
         SELECT $1, $2, 'v' || i, '{"q":"x"}' FROM generate_series(1, 50) i`,
        [a.workspaceId, agent.id],
      );
      const res = await agent.http.post('/api/v1/saved-views', { name: 'one more', query: { q: 'x' } });
      expect([res.status, res.body.code]).toEqual([409, 'view_limit_reached']);
    });
  });
});
