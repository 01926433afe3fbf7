/** The public REST and WebSocket shapes of ../shared/DESIGN.md, as the dashboard reads them. */

export type Role = 'admin' | 'agent';
export type Availability = 'online' | 'away' | 'offline';
export type ConversationStatus = 'open' | 'support_active' | 'pending' | 'resolved';
export type MessageStatus = 'sending' | 'sent' | 'delivered' | 'read' | 'failed';
export type ChannelType = 'telegram' | 'instagram';

export interface Me {
  id: string;
  name: string;
  email: string;
  role: Role;
  /** Sees and lifts instance-wide security state (absent in sessions stored before it existed). */
  is_operator?: boolean;
}

export interface WorkspaceRef {
  id: string;
  name: string;
}

export interface AuthAnswer {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  agent: Me;
  workspace: WorkspaceRef;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface Agent {
  id: string;
  name: string;
  email: string;
  role: Role;
  availability: Availability;
  last_seen_at: string | null;
  is_active: boolean;
  invitation_pending: boolean;
  created_at: string;
}

export interface Conversation {
  id: string;
  status: ConversationStatus;
  channel: { id: string; type: ChannelType; name: string };
  contact: { id: string; name: string | null; username: string | null; avatar_url: string | null };
  assignee: { id: string; name: string } | null;
  last_message_at: string;
  last_message_preview: string | null;
  last_customer_message_at: string | null;
  unread_count?: number;
  created_at: string;
  updated_at: string;
}

export interface Attachment {
  kind: 'voice' | 'audio' | 'image' | 'video' | 'file' | 'sticker' | 'location' | 'contact';
  mime: string | null;
  size: number | null;
  duration: number | null;
  /** null until the media job has downloaded it */
  storage_key: string | null;
  file_name?: string | null;
  /** Why it could not be downloaded (refused URL, too large, gone at the platform): it never will be. */
  error?: string | null;
}

/** `GET /messages/{id}/attachments/{index}/link`: a signed URL for one attachment, valid until `expires_at`. */
export interface MediaLink {
  url: string;
  expires_at: string;
}

export interface Message {
  id: string;
  seq: number;
  conversation_id: string;
  type: 'customer' | 'support' | 'note' | 'system';
  content: string;
  attachments: Attachment[];
  status: MessageStatus;
  failure_reason: string | null;
  sender: { kind: 'agent' | 'contact'; id: string; name: string | null } | null;
  reply_to: string | null;
  spam_reason: string | null;
  reactions: { emoji: string; sender: { kind: 'agent' | 'contact'; id: string } }[];
  edited_at: string | null;
  deleted: boolean;
  /** who deleted it and when (an agent, or the customer who unsent it); what it said is gone */
  deleted_at?: string | null;
  deleted_by?: { kind: 'agent' | 'contact'; id: string } | null;
  created_at: string;
}

export interface Channel {
  id: string;
  type: ChannelType;
  name: string;
  status: string;
  external_id: string | null;
  webhook_url: string;
  created_at: string;
}

export interface Presence {
  user_id: string;
  username: string;
  is_online: boolean;
  status: Availability;
  last_seen: string | null;
}

export interface SecuritySummary {
  hours: number;
  counts_by_kind: Record<string, number>;
  failed_authentications: number;
  spam_caught: number;
  rate_limit_hits: number;
  connections_refused: number;
  blacklisted_now: BlockedIp[];
  top_ips: { ip: string; count: number }[];
  top_agents: { agent_id: string; name: string; count: number }[];
  over_time: { bucket: string; kind: string; count: number }[];
}

export interface BlockedIp {
  ip: string;
  blocked_at: string;
  expires_at: string;
  /** Failures aimed at this workspace. */
  failures: number;
  /** Every failure was aimed at this workspace, so its admins may lift the block. */
  can_unblock: boolean;
}

/** A block as the instance operator sees it. */
export interface InstanceBlock {
  ip: string;
  blocked_at: string;
  expires_at: string;
  failures: number;
  workspace_ids: string[];
  unattributed_failures: number;
}

export interface InstanceSummary extends Omit<SecuritySummary, 'blacklisted_now'> {
  blacklisted_now: InstanceBlock[];
  unattributed_failed_authentications: number;
}

export interface AgentActivity {
  agent_id: string;
  name: string;
  role: Role;
  messages_sent: number;
  messages_failed: number;
  connections_now: number;
  messages_last_minute: number;
  security_events: number;
  last_seen_at: string | null;
  recent_events: { kind: string; ip: string | null; detail: unknown; created_at: string }[];
}

export interface WsStats {
  total_connections: number;
  agents: { agent_id: string; name: string; connections: number; messages_last_minute: number }[];
}

/** A server → client frame; `seq` is present on every frame that came from a stored event. */
export interface Frame {
  type: string;
  seq?: number;
  [key: string]: unknown;
}

export interface SpamRules {
  burst_messages: number;
  burst_seconds: number;
  repeats_allowed: number;
  max_links: number;
  max_mentions: number;
  patterns: string[];
}

/** GET /admin/security/policy: what is in force, and the server's defaults under it. */
export interface SecurityPolicy {
  /** off: no message is checked for spam */
  spam_detection: boolean;
  /** off: the per-agent message budget is not enforced */
  rate_limiting: boolean;
  messages_per_minute: number;
  max_sockets_per_agent: number;
  spam: SpamRules;
  defaults: Omit<SecurityPolicy, 'defaults'>;
}
