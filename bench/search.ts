import type { Client } from 'pg';
import { SearchAndSavedViews1796110000000 } from '../migrations/1796110000000-search-and-saved-views';
import { machine, setting, signupAdmin, startStack, telegramChannel } from './support/harness';
import { distribution, printTable } from './support/report';

/**
 * Search on a million messages: MESSAGES generated messages (mixed Persian, Arabic and English with
 * the spellings people really mix: ي/ی, ك/ک, harakat, ZWNJ, Persian/Arabic digits), over
 * CONVERSATIONS conversations on two channels of one workspace, beside OTHER_MESSAGES of another
 * workspace, inserted with INSERT … SELECT generate_series in the bench's own database. The search
 * column and its index are then added by the migration's own statements, timed: that is the
 * backfill an existing inbox meets. Each query is sent RUNS times through `GET /api/v1/search` of a
 * real api process; the baseline is the same question put to Postgres directly as
 * `content ILIKE '%word%'` newest first (what a search without the index would do, and it misses
 * the other spellings: the match counts show how many).
 */
const MESSAGES = setting('MESSAGES', 1_000_000);
const OTHER_MESSAGES = setting('OTHER_MESSAGES', 50_000);
const CONVERSATIONS = setting('CONVERSATIONS', 20_000);
const RUNS = setting('RUNS', 20);
const WARMUP = setting('WARMUP', 2);
const BATCH = 100_000;
const DEEP_PAGE = 20;

/** Words and how often they are drawn: the spellings of one word side by side. */
const WEIGHTED: [string, number][] = [
  ['سلام', 8],
  ['لطفا', 4],
  ['لطفاً', 2],
  ['ممنون', 4],
  ['سفارش', 5],
  ['ارسال', 3],
  ['کتاب', 3],
  ['كتاب', 2],
  ['کتاب‌ها', 1],
  ['قیمت', 2],
  ['قيمت', 1],
  ['میخواهم', 1],
  ['می‌خواهم', 2],
  ['می خواهم', 1],
  ['پرداخت', 2],
  ['تحویل', 2],
  ['مرجوعی', 1],
  ['کد', 2],
  ['۱۲۳۴', 1],
  ['١٢٣٤', 1],
  ['1234', 1],
  ['محمد', 1],
  ['مُحَمَّد', 1],
  ['علی', 1],
  ['علي', 1],
  ['hello', 3],
  ['order', 3],
  ['refund', 1],
  ['delivery', 2],
  ['price', 2],
  ['thanks', 2],
  ['please', 2],
  ['مرحبا', 2],
  ['شكرا', 2],
  ['الطلب', 2],
  ['التوصيل', 1],
  ['السعر', 1],
  ['أريد', 1],
  ['اريد', 1],
  ['مدرسة', 1],
  ['مدرسه', 1],
];

/** A vocabulary of rarer words, so the named ones are about half of what is drawn. */
function vocabulary(): string[] {
  const letters = 'ابپتثجچحخدذرزسشصضطظعغفقکگلمنوهی';
  let seed = 17;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  const filler = Array.from({ length: 400 }, () =>
    Array.from({ length: 3 + (next() % 5) }, () => letters[next() % letters.length]).join(''),
  );
  return [...WEIGHTED.flatMap(([word, weight]) => Array<string>(weight).fill(word)), ...filler];
}

interface Workspace {
  id: string;
  token: string;
  channels: string[];
}

async function workspace(stack: Awaited<ReturnType<typeof startStack>>): Promise<Workspace> {
  const admin = await signupAdmin(stack.api);
  const channels = [
    (await telegramChannel(stack, admin.access_token, 'Bench one')).id,
    (await telegramChannel(stack, admin.access_token, 'Bench two')).id,
  ];
  return { id: admin.workspace.id, token: admin.access_token, channels };
}

/** Contacts and conversations (statuses spread), then `count` messages in batches. */
async function generate(db: Client, ws: Workspace, count: number, conversations: number, words: string[]) {
  await db.query(
    `INSERT INTO contact (workspace_id, name, username, phone)
     SELECT $1, (ARRAY['علی رضایی','محمد كريمي','Sara Ahmadi','أحمد حسن','مریم'])[1 + g % 5] || ' ' || g,
            'user' || g, '+98912' || lpad(g::text, 7, '0')
       FROM generate_series(1, $2) g`,
    [ws.id, conversations],
  );
  await db.query(
    `INSERT INTO conversation (workspace_id, channel_id, contact_id, status, last_message_at)
     SELECT $1, ($2::uuid[])[1 + (row_number() OVER ()) % 2],
            ct.id, (ARRAY['open','support_active','pending','resolved'])[1 + (row_number() OVER ()) % 4], now()
       FROM contact ct WHERE ct.workspace_id = $1`,
    [ws.id, ws.channels],
  );
  await db.query(`DROP TABLE IF EXISTS bench_conv`);
  await db.query(
    `CREATE UNLOGGED TABLE bench_conv AS
     SELECT (row_number() OVER (ORDER BY id))::int - 1 AS n, id, channel_id, contact_id
       FROM conversation WHERE workspace_id = $1`,
    [ws.id],
  );
  await db.query(`CREATE UNIQUE INDEX ON bench_conv (n)`);
  for (let from = 1; from <= count; from += BATCH) {
    const to = Math.min(count, from + BATCH - 1);
    await db.query(
      `INSERT INTO message (workspace_id, conversation_id, channel_id, seq, type, sender_contact_id, content,
                            attachments, status, created_at)
       SELECT $1, c.id, c.channel_id, g,
              CASE WHEN g % 20 = 0 THEN 'note' WHEN g % 2 = 0 THEN 'support' ELSE 'customer' END,
              CASE WHEN g % 2 = 1 AND g % 20 <> 0 THEN c.contact_id END,
              (SELECT string_agg(($2::text[])[1 + floor(random() * array_length($2::text[], 1))::int], ' ')
                 FROM generate_series(1, 4 + g % 9) k WHERE g > 0)
                || CASE WHEN g % 10000 = 7 THEN ' زیرکون' ELSE '' END,
              CASE WHEN g % 50 = 0
                   THEN jsonb_build_array(jsonb_build_object('kind', 'file', 'mime', 'application/pdf', 'size', 1000,
                          'duration', null, 'storage_key', null, 'file_name', 'invoice_' || g || '.pdf'))
                   ELSE '[]'::jsonb END,
              'sent', now() - (($3::int - g) * interval '30 seconds')
         FROM generate_series($4::int, $5::int) g
         JOIN bench_conv c ON c.n = g % $6`,
      [ws.id, words, count, from, to, conversations],
    );
  }
  await db.query(`DROP TABLE bench_conv`);
}

/** Runs only the migration's statements on `message` (its column and indexes), each timed. */
async function backfill(db: Client): Promise<[string, number][]> {
  const timed: [string, number][] = [];
  const runner = {
    query: async (sql: string) => {
      if (!/ALTER TABLE message |ON message /.test(sql)) return;
      const started = performance.now();
      await db.query(sql);
      const step = /USING gin/.test(sql)
        ? 'GIN index built'
        : /CREATE INDEX/.test(sql)
          ? 'newest-first index built'
          : 'column added (rows rewritten)';
      timed.push([step, performance.now() - started]);
    },
  };
  await new SearchAndSavedViews1796110000000().up(runner as never);
  return timed;
}

interface Question {
  label: string;
  q: string;
  /** The baseline's ILIKE pattern (one spelling: ILIKE knows no other). */
  like: string;
  filters?: { status?: string; channel?: boolean };
  /** Time the DEEP_PAGE-th page instead of the first. */
  deep?: boolean;
}

const QUESTIONS: Question[] = [
  { label: 'common word (سلام)', q: 'سلام', like: 'سلام' },
  { label: 'Arabic spelling (كتاب)', q: 'كتاب', like: 'كتاب' },
  { label: 'ZWNJ spelling (می‌خواهم)', q: 'می‌خواهم', like: 'می‌خواهم' },
  { label: 'digits (1234)', q: '1234', like: '1234' },
  { label: 'two words', q: 'سفارش پرداخت', like: 'سفارش%پرداخت' },
  { label: 'rare word (زیرکون)', q: 'زیرکون', like: 'زیرکون' },
  { label: 'file name', q: 'invoice_500150.pdf', like: 'invoice_500150.pdf' },
  { label: 'no match', q: 'ناموجودنیست', like: 'ناموجودنیست' },
  {
    label: 'with status + channel',
    q: 'سفارش',
    like: 'سفارش',
    filters: { status: 'pending', channel: true },
  },
  { label: `common word, page ${DEEP_PAGE}`, q: 'سلام', like: 'سلام', deep: true },
];

async function parleyOnce(base: string, ws: Workspace, question: Question): Promise<[number, number]> {
  const params = new URLSearchParams({ q: question.q, type: 'message,note' });
  if (question.filters?.status) params.set('status', question.filters.status);
  if (question.filters?.channel) params.set('channel_id', ws.channels[0]);
  let cursor: string | null = null;
  let elapsed = 0;
  let hits = 0;
  for (let page = 1; page <= (question.deep ? DEEP_PAGE : 1); page++) {
    if (cursor) params.set('cursor', cursor);
    const started = performance.now();
    const response = await fetch(`${base}/api/v1/search?${params}`, {
      headers: { authorization: `Bearer ${ws.token}` },
    });
    const body = (await response.json()) as { messages: unknown[]; next_cursor: string | null };
    elapsed = performance.now() - started;
    if (!response.ok) throw new Error(`search ${question.q}: ${response.status} ${JSON.stringify(body)}`);
    cursor = body.next_cursor;
    hits = body.messages.length;
  }
  return [elapsed, hits];
}

function baselineSql(question: Question): string {
  const filters = [
    question.filters?.status ? `AND c.status = '${question.filters.status}'` : '',
    question.filters?.channel ? 'AND c.channel_id = $3' : '',
  ].join(' ');
  return `SELECT m.id FROM message m JOIN conversation c ON c.id = m.conversation_id
           WHERE m.workspace_id = $1 AND m.deleted_at IS NULL AND m.expired_at IS NULL AND m.type <> 'system'
             AND m.content ILIKE $2 ${filters}
           ORDER BY m.created_at DESC, m.id DESC LIMIT 25 OFFSET ${question.deep ? (DEEP_PAGE - 1) * 25 : 0}`;
}

async function baselineOnce(db: Client, ws: Workspace, question: Question): Promise<number> {
  const params: unknown[] = [ws.id, `%${question.like}%`];
  if (question.filters?.channel) params.push(ws.channels[0]);
  const started = performance.now();
  await db.query(baselineSql(question), params);
  return performance.now() - started;
}

/** How many messages each way finds (the index folds spellings, ILIKE does not). */
async function counts(db: Client, ws: Workspace, question: Question): Promise<[number, number]> {
  const filter = [
    question.filters?.status ? `AND c.status = '${question.filters.status}'` : '',
    question.filters?.channel ? `AND c.channel_id = '${ws.channels[0]}'` : '',
  ].join(' ');
  const { rows: fts } = await db.query(
    `WITH q AS (SELECT websearch_to_tsquery('simple', parley_search_normalize($2)) AS q)
     SELECT count(*)::int AS n FROM message m JOIN conversation c ON c.id = m.conversation_id, q
      WHERE m.workspace_id = $1 AND m.search_vector @@ q.q AND m.type <> 'system' ${filter}`,
    [ws.id, question.q],
  );
  const { rows: like } = await db.query(
    `SELECT count(*)::int AS n FROM message m JOIN conversation c ON c.id = m.conversation_id
      WHERE m.workspace_id = $1 AND m.content ILIKE $2 AND m.type <> 'system' ${filter}`,
    [ws.id, `%${question.like}%`],
  );
  return [fts[0].n, like[0].n];
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function main() {
  console.log(`search bench on ${machine()}`);
  const stack = await startStack(['api']);
  try {
    const db = stack.db;
    const main = await workspace(stack);
    const other = await workspace(stack);
    // Dropped first, so the migration's own statements add them again over the generated rows.
    await db.query('DROP INDEX message_search_idx');
    await db.query('DROP INDEX message_workspace_created_idx');
    await db.query('ALTER TABLE message DROP COLUMN search_vector');
    const words = vocabulary();
    let started = performance.now();
    await generate(db, main, MESSAGES, CONVERSATIONS, words);
    await generate(db, other, OTHER_MESSAGES, Math.max(1, Math.round(CONVERSATIONS / 20)), words);
    console.log(
      `generated ${MESSAGES + OTHER_MESSAGES} messages in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    started = performance.now();
    const steps = await backfill(db);
    await db.query('VACUUM ANALYZE message');
    await db.query('ANALYZE contact');
    await db.query('ANALYZE conversation');
    const { rows: size } = await db.query(
      `SELECT (SELECT count(*) FROM message)::int AS rows,
              (SELECT count(*) FROM message WHERE workspace_id = $1)::int AS mine,
              pg_relation_size('message') AS heap, pg_total_relation_size('message') AS total,
              pg_relation_size('message_search_idx') AS search_index,
              pg_indexes_size('message') AS indexes`,
      [main.id],
    );
    const data = size[0] as Record<string, string | number>;
    printTable(
      'Data',
      ['value'],
      [
        ['messages (all workspaces)', String(data.rows)],
        ['messages of the searched workspace', String(data.mine)],
        ['message heap (with search_vector)', mb(Number(data.heap))],
        ['message_search_idx (GIN)', mb(Number(data.search_index))],
        ['all indexes of message', mb(Number(data.indexes))],
        ['message total', mb(Number(data.total))],
        ...steps.map(([label, ms]): [string, string] => [
          `migration: ${label}`,
          `${(ms / 1000).toFixed(1)} s`,
        ]),
      ],
    );

    const rows: [string, ...(number | string)[]][] = [];
    for (const question of QUESTIONS) {
      const [ftsCount, likeCount] = await counts(db, main, question);
      for (let i = 0; i < WARMUP; i++) {
        await parleyOnce(stack.api, main, question);
        await baselineOnce(db, main, question);
      }
      const parley: number[] = [];
      const baseline: number[] = [];
      let hits = 0;
      for (let i = 0; i < RUNS; i++) {
        const [ms, n] = await parleyOnce(stack.api, main, question);
        parley.push(ms);
        hits = n;
        baseline.push(await baselineOnce(db, main, question));
      }
      const p = distribution(parley);
      const b = distribution(baseline);
      const p95 = (samples: number[]) =>
        [...samples].sort((x, y) => x - y)[Math.ceil(0.95 * samples.length) - 1];
      rows.push([
        question.label,
        `${ftsCount} / ${likeCount}`,
        String(hits),
        p.p50,
        p95(parley),
        p.p99,
        b.p50,
        p95(baseline),
        b.p99,
      ]);
    }
    printTable(
      `Queries, ${RUNS} runs each (ms; Parley = GET /api/v1/search over HTTP, 25 per page; ILIKE = SQL only)`,
      ['matches fts/ilike', 'hits on page', 'Parley p50', 'p95', 'p99', 'ILIKE p50', 'p95', 'p99'],
      rows,
      [3, 6],
    );
  } finally {
    await stack.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
