import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  SEARCH_QUERY_MAX,
  SEARCH_TYPES,
  type SearchConversation,
  type SearchContactHit,
  type SearchHighlight,
  type SearchMessageHit,
  type SearchQuery,
  type SearchResults,
  type SearchType,
} from '@parley/contract/search';
import type { ConversationStatus } from '@parley/contract/views';
import type { Attachment } from '@parley/database/entities/message.entity';
import { Contact } from '@parley/database/entities/contact.entity';
import { AppError, notFound } from '@parley/errors/app-error';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor } from '../pagination';
import { toContactView } from '../presenters/contact.presenter';
import { MessageRow, toMessageView } from '../presenters/message.presenter';
import { MESSAGE_SELECT } from '../services/message-query.service';
import { highlight, isPlainQuery, normalizeSearchText, queryTerms, type QueryTerms } from './search-text';

/** How many of the newest messages are looked through before the GIN index is asked (see messages()). */
const WINDOW = 5000;

/** Contacts shown beside the first page of messages. */
const CONTACTS_BESIDE_MESSAGES = 5;

export interface SearchRequest extends SearchQuery {
  cursor?: string;
  limit?: number;
}

/** Builds the user's words into a tsquery Postgres cannot refuse: normalised, last plain word a prefix. */
const TSQUERY = `
  WITH n AS (SELECT parley_search_normalize($1) AS t),
  parts AS (
    SELECT CASE WHEN $2 THEN regexp_replace(t, '[^[:space:]]+[[:space:]]*$', '') ELSE t END AS head,
           CASE WHEN $2 THEN substring(t from '([^[:space:]]+)[[:space:]]*$') END AS last
      FROM n)
  SELECT (websearch_to_tsquery('simple', head) &&
          CASE WHEN last IS NULL THEN ''::tsquery
               ELSE to_tsquery('simple', '''' || replace(replace(last, '\\', '\\\\'), '''', '''''') || ''':*')
          END)::text AS query
    FROM parts`;

interface Where {
  sql: string[];
  params: unknown[];
}

const param = (where: Where, value: unknown) => `$${where.params.push(value)}`;

/**
 * Full-text search over a workspace's messages, notes, attachment names and contacts, through the
 * generated `search_vector` columns (migration 1796110000000): tenant first, newest first, deleted
 * and erased messages never.
 */
@Injectable()
export class SearchService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** `allowed`: the kinds the caller may read (an app without messages:read gets no message hits). */
  async search(
    workspaceId: string,
    agentId: string,
    request: SearchRequest,
    allowed: readonly SearchType[] = SEARCH_TYPES,
  ): Promise<SearchResults> {
    const q = request.q.trim();
    if (q.length > SEARCH_QUERY_MAX)
      throw new AppError('search_query_too_long', 400, { max: SEARCH_QUERY_MAX });
    const query = await this.tsquery(q);
    const types = (request.type?.length ? request.type : SEARCH_TYPES).filter((t) => allowed.includes(t));
    await this.assertFilters(workspaceId, request);
    const limit = request.limit ?? DEFAULT_PAGE_SIZE;
    const terms = queryTerms(q);
    const messageTypes = [
      ...(types.includes('message') ? ['customer', 'support'] : []),
      ...(types.includes('note') ? ['note'] : []),
    ];
    if (!messageTypes.length) {
      if (!types.includes('contact')) return { messages: [], contacts: [], next_cursor: null };
      const page = await this.contacts(workspaceId, agentId, query, q, terms, request, limit, request.cursor);
      return { messages: [], contacts: page.hits, next_cursor: page.next };
    }
    const messages = await this.messages(workspaceId, agentId, query, messageTypes, terms, request, limit);
    const contacts =
      types.includes('contact') && !request.cursor
        ? (await this.contacts(workspaceId, agentId, query, q, terms, request, CONTACTS_BESIDE_MESSAGES)).hits
        : [];
    return { messages: messages.hits, contacts, next_cursor: messages.next };
  }

  private async tsquery(q: string): Promise<string> {
    const [{ query }]: { query: string }[] = await this.db.query(TSQUERY, [q, isPlainQuery(q)]);
    if (!query) throw new AppError('search_query_invalid', 400);
    return query;
  }

  /** A channel or agent named in the filters must be the workspace's own. */
  private async assertFilters(workspaceId: string, request: SearchQuery): Promise<void> {
    if (request.channel_id) {
      const rows: unknown[] = await this.db.query(
        'SELECT 1 FROM channel WHERE workspace_id = $1 AND id = $2',
        [workspaceId, request.channel_id],
      );
      if (!rows.length) throw notFound('channel');
    }
    if (request.assignee && request.assignee !== 'me' && request.assignee !== 'unassigned') {
      const rows: unknown[] = await this.db.query('SELECT 1 FROM agent WHERE workspace_id = $1 AND id = $2', [
        workspaceId,
        request.assignee,
      ]);
      if (!rows.length) throw notFound('agent');
    }
    if (request.label_id) {
      const rows: unknown[] = await this.db.query('SELECT 1 FROM label WHERE workspace_id = $1 AND id = $2', [
        workspaceId,
        request.label_id,
      ]);
      if (!rows.length) throw notFound('label');
    }
  }

  /** The conversation filters (channel, label, status, assignee) on conversation `c`. */
  private conversationFilters(where: Where, agentId: string, request: SearchQuery): void {
    if (request.channel_id) where.sql.push(`c.channel_id = ${param(where, request.channel_id)}`);
    if (request.label_id)
      where.sql.push(
        `EXISTS (SELECT 1 FROM conversation_label cl WHERE cl.conversation_id = c.id AND cl.label_id = ${param(where, request.label_id)})`,
      );
    if (request.status?.length) where.sql.push(`c.status = ANY(${param(where, request.status)}::text[])`);
    if (request.assignee === 'unassigned') where.sql.push('c.assignee_id IS NULL');
    else if (request.assignee)
      where.sql.push(
        `c.assignee_id = ${param(where, request.assignee === 'me' ? agentId : request.assignee)}`,
      );
  }

  private dateFilters(where: Where, column: string, request: SearchQuery): void {
    if (request.from) where.sql.push(`${column} >= ${param(where, request.from)}::timestamptz`);
    if (request.to) where.sql.push(`${column} < ${param(where, request.to)}::timestamptz`);
  }

  private async messages(
    workspaceId: string,
    agentId: string,
    query: string,
    messageTypes: string[],
    terms: QueryTerms,
    request: SearchRequest,
    limit: number,
  ): Promise<{ hits: SearchMessageHit[]; next: string | null }> {
    const where: Where = {
      sql: [
        'm.workspace_id = $1',
        'c.workspace_id = $1',
        'm.search_vector @@ $2::tsquery',
        'm.deleted_at IS NULL',
        'm.expired_at IS NULL',
        'm.type = ANY($3::text[])',
      ],
      params: [workspaceId, query, messageTypes],
    };
    this.conversationFilters(where, agentId, request);
    // Where the page starts and the date range: on the messages, and on the newest-first window below.
    const from = request.from ? param(where, request.from) : null;
    const to = request.to ? param(where, request.to) : null;
    const after = request.cursor
      ? decodeCursor(request.cursor, ['string', 'string']).map((v) => param(where, v))
      : null;
    const bounds = (alias: string) =>
      [
        from && `${alias}.created_at >= ${from}::timestamptz`,
        to && `${alias}.created_at < ${to}::timestamptz`,
        after && `(${alias}.created_at, ${alias}.id) < (${after[0]}::timestamptz, ${after[1]}::uuid)`,
      ].filter((bound): bound is string => !!bound);
    where.sql.push(...bounds('m'));
    const select = (source: string) =>
      `SELECT m.id, to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
         FROM ${source} m JOIN conversation c ON c.id = m.conversation_id
        WHERE ${where.sql.join(' AND ')}
        ORDER BY m.created_at DESC, m.id DESC
        LIMIT ${limit + 1}`;
    // Postgres cannot tell a word on 1 message from one on 5,000 of a million (a prefix's estimate is
    // a guess), so it would either sort every match of a common word or walk the whole workspace
    // newest first for a rare one. First the newest WINDOW messages are looked through (a common
    // word fills a page there: then that page is exactly the answer, as every other match is
    // older); only when they do not fill it are the matches taken from the GIN index and sorted.
    const windowed: { id: string; cursor_at: string }[] = await this.db.query(
      select(`(SELECT w.id, w.workspace_id, w.conversation_id, w.type, w.created_at, w.deleted_at, w.expired_at,
                      w.search_vector
                 FROM message w
                WHERE ${['w.workspace_id = $1', ...bounds('w')].join(' AND ')}
                ORDER BY w.created_at DESC, w.id DESC
                LIMIT ${WINDOW})`),
      where.params,
    );
    const found =
      windowed.length > limit
        ? windowed
        : await this.db.transaction(async (manager) => {
            await manager.query('SET LOCAL enable_indexscan = off');
            await manager.query('SET LOCAL enable_seqscan = off');
            const rows: { id: string; cursor_at: string }[] = await manager.query(
              select('message'),
              where.params,
            );
            return rows;
          });
    const page = found.slice(0, limit);
    if (!page.length) return { hits: [], next: null };
    const ids = page.map((row) => row.id);
    const rows: (MessageRow & { attachments: Attachment[] })[] = await this.db.query(
      `${MESSAGE_SELECT} AND m.id = ANY($2::uuid[])`,
      [workspaceId, ids],
    );
    const conversations = await this.conversations(workspaceId, [
      ...new Set(rows.map((r) => r.conversation_id)),
    ]);
    const byId = new Map(rows.map((row) => [row.id, row]));
    const hits = ids.flatMap((id) => {
      const row = byId.get(id);
      const conversation = row && conversations.get(row.conversation_id);
      if (!row || !conversation) return [];
      return [{ message: toMessageView(row), conversation, highlight: messageHighlight(row, terms) }];
    });
    const last = page[page.length - 1];
    return { hits, next: found.length > limit ? encodeCursor([last.cursor_at, last.id]) : null };
  }

  private async conversations(workspaceId: string, ids: string[]): Promise<Map<string, SearchConversation>> {
    const rows: {
      id: string;
      status: ConversationStatus;
      assignee_id: string | null;
      channel_id: string;
      channel_type: string;
      channel_name: string;
      contact_id: string;
      contact_name: string | null;
    }[] = await this.db.query(
      `SELECT c.id, c.status, c.assignee_id, ch.id AS channel_id, ch.type AS channel_type, ch.name AS channel_name,
              ct.id AS contact_id, ct.name AS contact_name
         FROM conversation c
         JOIN channel ch ON ch.id = c.channel_id
         JOIN contact ct ON ct.id = c.contact_id
        WHERE c.workspace_id = $1 AND c.id = ANY($2::uuid[])`,
      [workspaceId, ids],
    );
    return new Map(
      rows.map((row) => [
        row.id,
        {
          id: row.id,
          status: row.status,
          assignee_id: row.assignee_id,
          channel: { id: row.channel_id, type: row.channel_type, name: row.channel_name },
          contact: { id: row.contact_id, name: row.contact_name },
        },
      ]),
    );
  }

  /**
   * Contacts whose name, username, email or phone match; a query of digits also finds the phone
   * numbers that contain them (a local 0912… finds +98912…). With a conversation filter, only
   * contacts with such a conversation.
   */
  private async contacts(
    workspaceId: string,
    agentId: string,
    query: string,
    q: string,
    terms: QueryTerms,
    request: SearchQuery,
    limit: number,
    cursor?: string,
  ): Promise<{ hits: SearchContactHit[]; next: string | null }> {
    const digits = phoneDigits(q);
    const where: Where = { sql: ['ct.workspace_id = $1'], params: [workspaceId, query] };
    where.sql.push(
      digits
        ? `(ct.search_vector @@ $2::tsquery OR ct.phone LIKE ${param(where, `%${digits}%`)})`
        : 'ct.search_vector @@ $2::tsquery',
    );
    if (request.channel_id || request.label_id || request.status?.length || request.assignee) {
      const inner: Where = { sql: ['c.workspace_id = $1', 'c.contact_id = ct.id'], params: where.params };
      this.conversationFilters(inner, agentId, request);
      where.sql.push(`EXISTS (SELECT 1 FROM conversation c WHERE ${inner.sql.join(' AND ')})`);
    }
    this.dateFilters(where, 'ct.created_at', request);
    if (cursor) {
      const [at, id] = decodeCursor(cursor, ['string', 'string']);
      where.sql.push(
        `(ct.created_at, ct.id) < (${param(where, at)}::timestamptz, ${param(where, id)}::uuid)`,
      );
    }
    const rows: ContactRow[] = await this.db.query(
      `SELECT ct.id, ct.name, ct.username, ct.phone, ct.email, ct.avatar_url, ct.created_at, ct.updated_at,
              to_char(ct.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
         FROM contact ct
        WHERE ${where.sql.join(' AND ')}
        ORDER BY ct.created_at DESC, ct.id DESC
        LIMIT ${param(where, limit + 1)}`,
      where.params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      hits: page.map((row) => ({
        contact: toContactView(contactOf(row, workspaceId)),
        highlight: contactHighlight(row, terms, digits),
      })),
      next: rows.length > limit && last ? encodeCursor([last.cursor_at, last.id]) : null,
    };
  }
}

interface ContactRow {
  id: string;
  name: string | null;
  username: string | null;
  phone: string | null;
  email: string | null;
  avatar_url: string | null;
  created_at: Date;
  updated_at: Date;
  cursor_at: string;
}

const contactOf = (row: ContactRow, workspaceId: string): Contact =>
  Object.assign(new Contact(), {
    id: row.id,
    workspaceId,
    name: row.name,
    username: row.username,
    phone: row.phone,
    email: row.email,
    avatarUrl: row.avatar_url,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });

/**
 * The digits of a query that is a phone number (at least five digits, nothing but digits, spaces,
 * `+`, `-` and parentheses), without the leading zeros of a local number; null otherwise.
 */
export function phoneDigits(q: string): string | null {
  const folded = normalizeSearchText(q);
  if (!/^[0-9+\-() ]+$/.test(folded)) return null;
  const digits = folded.replace(/[^0-9]/g, '').replace(/^0+/, '');
  return digits.length >= 5 ? digits : null;
}

/** The content's matches, or else a matching file name's, or else the content as it is. */
function messageHighlight(
  row: { content: string; attachments: Attachment[] | null },
  terms: QueryTerms,
): SearchHighlight {
  const content = highlight('content', row.content ?? '', terms);
  if (content.ranges.length) return content;
  for (const attachment of row.attachments ?? []) {
    if (!attachment.file_name) continue;
    const name = highlight('file_name', attachment.file_name, terms);
    if (name.ranges.length) return name;
  }
  return content;
}

function contactHighlight(row: ContactRow, terms: QueryTerms, digits: string | null): SearchHighlight {
  const fields = (['name', 'username', 'email', 'phone'] as const).filter((field) => row[field]);
  for (const field of fields) {
    const found = highlight(field, row[field] ?? '', terms);
    if (found.ranges.length) return found;
  }
  if (digits && row.phone) {
    const at = row.phone.indexOf(digits);
    if (at >= 0) return { field: 'phone', text: row.phone, ranges: [[at, at + digits.length]] };
  }
  return { field: fields[0] ?? 'name', text: row[fields[0] ?? 'name'] ?? '', ranges: [] };
}
