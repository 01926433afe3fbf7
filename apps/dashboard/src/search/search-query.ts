import { SEARCH_TYPES, type SearchQuery, type SearchType } from '@parley/contract/search';
import { CONVERSATION_STATUSES, type ConversationStatus } from '@parley/contract/views';

/** A search as the `#/search?…` route and `GET /search` carry it (lists comma-separated). */
export function toParams(query: SearchQuery): URLSearchParams {
  const params = new URLSearchParams({ q: query.q });
  if (query.type?.length) params.set('type', query.type.join(','));
  if (query.channel_id) params.set('channel_id', query.channel_id);
  if (query.label_id) params.set('label_id', query.label_id);
  if (query.status?.length) params.set('status', query.status.join(','));
  if (query.assignee) params.set('assignee', query.assignee);
  if (query.from) params.set('from', query.from);
  if (query.to) params.set('to', query.to);
  return params;
}

const listOf = <T extends string>(value: string | null, allowed: readonly T[]): T[] | undefined => {
  const items = (value ?? '').split(',').filter((v): v is T => (allowed as readonly string[]).includes(v));
  return items.length ? items : undefined;
};

/** The search a route's query string names; what it cannot read it leaves out. */
export function fromParams(search: string): SearchQuery {
  const params = new URLSearchParams(search);
  const text = (name: string) => params.get(name) || undefined;
  return {
    q: params.get('q') ?? '',
    type: listOf<SearchType>(params.get('type'), SEARCH_TYPES),
    channel_id: text('channel_id'),
    label_id: text('label_id'),
    status: listOf<ConversationStatus>(params.get('status'), CONVERSATION_STATUSES),
    assignee: text('assignee'),
    from: text('from'),
    to: text('to'),
  };
}

/** The route of a search's results page. */
export const searchRoute = (query: SearchQuery) => `/search?${toParams(query)}`;
