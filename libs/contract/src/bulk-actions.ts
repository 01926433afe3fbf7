/** `POST /api/v1/conversations/bulk`: one action on many conversations, all of them or none. */

export const BULK_ACTIONS = ['assign', 'unassign', 'label', 'unlabel', 'resolve', 'reopen'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];
export const BULK_MAX = 500;

export interface BulkRequest {
  conversation_ids: string[];
  action: BulkAction;
  /** `assign`: the agent (and/or `team_id`). */
  agent_id?: string;
  team_id?: string;
  /** `label` / `unlabel`. */
  label_ids?: string[];
}

export interface BulkResult {
  action: BulkAction;
  /** Conversations the action changed (the others already were as asked). */
  updated: number;
}
