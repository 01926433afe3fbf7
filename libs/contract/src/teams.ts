/** Teams (`/api/v1/teams`): agents grouped to share a queue, and how the team's new conversations are assigned. */

/**
 * `none`: the team's queue waits for an agent to take a conversation; `round_robin`: the online member
 * assigned longest ago gets the next one; `capacity`: the online member with the fewest unresolved
 * conversations. Either way never an agent away or offline, nor one at `max_open_per_agent`.
 */
export const ROUTING_MODES = ['none', 'round_robin', 'capacity'] as const;
export type RoutingMode = (typeof ROUTING_MODES)[number];

export interface TeamMemberView {
  id: string;
  name: string;
}

export interface TeamView {
  id: string;
  name: string;
  description: string | null;
  routing: RoutingMode;
  /** Unresolved conversations an agent may hold before the router skips them; null: no limit (round robin only). */
  max_open_per_agent: number | null;
  members: TeamMemberView[];
  created_at: string;
  updated_at: string;
}
