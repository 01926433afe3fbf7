/** Full-text search (`GET /api/v1/search`) and saved views (`/api/v1/saved-views`). */
import type { ContactView, ConversationStatus, MessageView } from './views';

/** What a search looks through: customer and support messages, private notes, or contacts. */
export const SEARCH_TYPES = ['message', 'note', 'contact'] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];

/** The longest query accepted, in characters. */
export const SEARCH_QUERY_MAX = 256;

/** A search: the words and the filters, as the query string carries them and a saved view keeps them. */
export interface SearchQuery {
  q: string;
  /** Only these kinds of hit; all three when absent. */
  type?: SearchType[];
  channel_id?: string;
  /** Only conversations (and their contacts) carrying this label. */
  label_id?: string;
  status?: ConversationStatus[];
  /** 'me', 'unassigned' or an agent id. */
  assignee?: string;
  /** ISO 8601 instants: a message's (or contact's) creation time, `from` inclusive, `to` exclusive. */
  from?: string;
  to?: string;
}

export type SearchHighlightField = 'content' | 'file_name' | 'name' | 'username' | 'email' | 'phone';

/**
 * Where the words searched for are in one field: `text` is the field as written (or a window of it,
 * with `…` where it was cut), `ranges` the [start, end) UTF-16 offsets in `text` to mark. Plain text:
 * a client marks the ranges up itself and never renders `text` as HTML.
 */
export interface SearchHighlight {
  field: SearchHighlightField;
  text: string;
  ranges: [number, number][];
}

/** The conversation a hit is in, as a results list shows it. */
export interface SearchConversation {
  id: string;
  status: ConversationStatus;
  assignee_id: string | null;
  channel: { id: string; type: string; name: string };
  contact: { id: string; name: string | null };
}

export interface SearchMessageHit {
  message: MessageView;
  conversation: SearchConversation;
  highlight: SearchHighlight;
}

export interface SearchContactHit {
  contact: ContactView;
  highlight: SearchHighlight;
}

/**
 * Newest first. `next_cursor` continues the messages (or, when only contacts are searched, the
 * contacts); contacts come with the first page only unless they are all that is searched.
 */
export interface SearchResults {
  messages: SearchMessageHit[];
  contacts: SearchContactHit[];
  next_cursor: string | null;
}

/** A search an agent saved; `shared` ones (made by admins) are listed for every agent of the workspace. */
export interface SavedViewView {
  id: string;
  name: string;
  query: SearchQuery;
  shared: boolean;
  agent_id: string;
  created_at: string;
}

/** How many views one agent may keep. */
export const SAVED_VIEWS_MAX = 50;
