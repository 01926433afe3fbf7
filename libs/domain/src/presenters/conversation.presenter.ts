import type { ConversationSlaView, SlaTimer } from '@parley/contract/business-hours';
import type { ChannelType } from '@parley/contract/channel-types';
import type { ConversationStatus, ConversationView, LabelRef } from '@parley/contract/views';
import { divarPostUrl } from '@parley/platforms/divar/divar.session';

/** One row of the inbox query (snake_case straight from SQL). */
export interface ConversationRow {
  id: string;
  status: ConversationStatus;
  last_message_at: Date;
  last_message_preview: string | null;
  last_customer_message_at: Date | null;
  /** The listing the conversation is about (a Divar ad); null elsewhere. */
  ad: { post_token: string } | null;
  created_at: Date;
  updated_at: Date;
  cursor_at: string;
  channel_id: string;
  channel_type: ChannelType;
  channel_name: string;
  contact_id: string;
  contact_name: string | null;
  contact_username: string | null;
  contact_avatar_url: string | null;
  assignee_id: string | null;
  assignee_name: string | null;
  /** The bot handling it (its API key) and the key's name; null when people have it. */
  bot_id: string | null;
  bot_name: string | null;
  labels: LabelRef[];
  team_id: string | null;
  team_name: string | null;
  unread_count: number;
  /** SLA columns; absent where a row was built without them. */
  sla_first_response_due_at?: Date | null;
  sla_next_response_due_at?: Date | null;
  sla_resolution_due_at?: Date | null;
  sla_warned?: SlaTimer[];
  sla_breached?: SlaTimer[];
}

/** The conversation's SLA state, or null when no timer runs and none broke. */
function slaOf(row: ConversationRow): ConversationSlaView | null {
  const view: ConversationSlaView = {
    first_response_due_at: row.sla_first_response_due_at?.toISOString() ?? null,
    next_response_due_at: row.sla_next_response_due_at?.toISOString() ?? null,
    resolution_due_at: row.sla_resolution_due_at?.toISOString() ?? null,
    warned: row.sla_warned ?? [],
    breached: row.sla_breached ?? [],
  };
  return view.first_response_due_at ||
    view.next_response_due_at ||
    view.resolution_due_at ||
    view.breached.length
    ? view
    : null;
}

export const toConversationView = (row: ConversationRow, withUnread = true): ConversationView => ({
  id: row.id,
  status: row.status,
  channel: { id: row.channel_id, type: row.channel_type, name: row.channel_name },
  contact: {
    id: row.contact_id,
    name: row.contact_name,
    username: row.contact_username,
    avatar_url: row.contact_avatar_url,
  },
  assignee: row.assignee_id ? { id: row.assignee_id, name: row.assignee_name ?? '' } : null,
  bot: row.bot_id ? { id: row.bot_id, name: row.bot_name ?? '' } : null,
  last_message_at: row.last_message_at.toISOString(),
  last_message_preview: row.last_message_preview,
  last_customer_message_at: row.last_customer_message_at?.toISOString() ?? null,
  ad: row.ad?.post_token ? { post_token: row.ad.post_token, url: divarPostUrl(row.ad.post_token) } : null,
  ...(withUnread ? { unread_count: Number(row.unread_count) } : {}),
  labels: row.labels ?? [],
  team: row.team_id ? { id: row.team_id, name: row.team_name ?? '' } : null,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
  ...('sla_breached' in row ? { sla: slaOf(row) } : {}),
});
