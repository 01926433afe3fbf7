/** What admins and the instance operator read about security (`/admin/security/*`, `/operator/security/*`). */
import type { AgentRole } from './views';

/** Every kind of security decision that leaves a `security_event` row. */
export const SECURITY_EVENT_KINDS = [
  'webhook_signature_invalid',
  'webhook_secret_invalid',
  'channel_reauthorization_required',
  'rate_limited',
  'connection_refused',
  'auth_failed',
  'ip_blocked',
  'ip_unblocked',
  'account_locked',
  'login_slowed_down',
  'request_blocked',
  'spam_inbound',
  'spam_outbound',
  'content_rejected',
  'policy_changed',
  'media_url_refused',
  'channel_authorization_denied',
  'api_key_created',
  'api_key_revoked',
  'scope_refused',
  'webhook_paused',
  'webhook_url_refused',
  'oauth_app_installed',
  'oauth_app_uninstalled',
  'oauth_token_family_revoked',
  'app_action_opened',
  /** A web widget visitor claimed an identity its signature does not prove (it stays anonymous). */
  'visitor_identity_refused',
  /** An agent blocked a web widget visitor: its token stops working, its sockets close. */
  'visitor_blocked',
  /** A page of an origin the website channel does not allow tried to run its widget. */
  'widget_origin_refused',
  /** An agent erased a contact's personal data (GDPR); its conversations keep an anonymous marker. */
  'contact_erased',
] as const;
export type SecurityEventKind = (typeof SECURITY_EVENT_KINDS)[number];

export interface SecurityEventView {
  kind: SecurityEventKind;
  ip: string | null;
  detail: Record<string, unknown>;
  created_at: string;
}

/** A block as a workspace admin sees it: only what was aimed at their own workspace. */
export interface WorkspaceBlockView {
  ip: string;
  blocked_at: string;
  expires_at: string;
  /** Failures aimed at this workspace. */
  failures: number;
  /** Every counted failure was against this workspace, so its admins may lift the block. */
  can_unblock: boolean;
}

/** A block as the instance operator sees it. */
export interface InstanceBlockView {
  ip: string;
  blocked_at: string;
  expires_at: string;
  failures: number;
  workspace_ids: string[];
  unattributed_failures: number;
}

interface SummaryFigures {
  hours: number;
  counts_by_kind: Partial<Record<SecurityEventKind, number>>;
  failed_authentications: number;
  spam_caught: number;
  rate_limit_hits: number;
  connections_refused: number;
  top_ips: { ip: string; count: number }[];
  top_agents: { agent_id: string; name: string; count: number }[];
  /** Hourly buckets (`YYYY-MM-DDTHH:00:00Z`) per kind. */
  over_time: { bucket: string; kind: SecurityEventKind; count: number }[];
}

/** `GET /admin/security/summary`: one workspace over the last `hours`. */
export interface SecuritySummary extends SummaryFigures {
  blacklisted_now: WorkspaceBlockView[];
}

/** `GET /operator/security/summary`: the whole instance, with failures aimed at no workspace. */
export interface InstanceSecuritySummary extends SummaryFigures {
  blacklisted_now: InstanceBlockView[];
  unattributed_failed_authentications: number;
}

/** `GET /admin/security/agents/{id}/activity`. */
export interface AgentActivity {
  agent_id: string;
  name: string;
  role: AgentRole;
  hours: number;
  messages_sent: number;
  messages_failed: number;
  connections_now: number;
  messages_last_minute: number;
  security_events: number;
  last_seen_at: string | null;
  recent_events: SecurityEventView[];
}

/**
 * `GET /admin/security/apps/{api_key_id}/activity`: what an app (an API key) did over the last
 * `hours` — its messages, the conversations it changed, its refusals — as an agent's activity shows.
 */
export interface AppActivity {
  api_key_id: string;
  name: string;
  scopes: string[];
  hours: number;
  messages_sent: number;
  messages_failed: number;
  conversations_changed: number;
  messages_last_minute: number;
  /** The key's budget a minute (`API_KEY_MESSAGES_PER_MINUTE`); null while the workspace's rate limiting is off. */
  messages_per_minute_limit: number | null;
  security_events: number;
  last_used_at: string | null;
  revoked_at: string | null;
  recent_events: SecurityEventView[];
}

/** `GET /admin/security/ws-stats/{agent_id}`, and one row of the workspace's. */
export interface AgentWsStats {
  agent_id: string;
  name: string;
  connections: number;
  messages_last_minute: number;
}

/** `GET /admin/security/ws-stats`. */
export interface WsStats {
  total_connections: number;
  agents: AgentWsStats[];
}

export interface SpamRulesView {
  burst_messages: number;
  burst_seconds: number;
  repeats_allowed: number;
  max_links: number;
  max_mentions: number;
  /** Case-insensitive RE2 regular expressions; a match is spam. */
  patterns: string[];
}

export interface SecurityPolicyView {
  /** off: no message is checked for spam */
  spam_detection: boolean;
  /** off: the per-agent message budget is not enforced */
  rate_limiting: boolean;
  messages_per_minute: number;
  max_sockets_per_agent: number;
  spam: SpamRulesView;
}

/** `GET /admin/security/policy`: what is in force, and the server's defaults under it. */
export interface SecurityPolicyAnswer extends SecurityPolicyView {
  defaults: SecurityPolicyView;
}

/** `GET|PUT /admin/security/trusted-ips`: the workspace's office addresses (IPs or CIDRs). */
export interface TrustedIpsView {
  ips: string[];
}
