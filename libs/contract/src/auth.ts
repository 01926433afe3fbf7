/** What sign-in, sign-up, refresh, invitation and password change answer. */
import type { AgentRole, AgentView } from './views';

export interface WorkspaceRef {
  id: string;
  name: string;
}

/** The signed-in agent, as the auth answers name it. */
export interface SessionAgent {
  id: string;
  name: string;
  email: string;
  role: AgentRole;
  /** Sees and lifts instance-wide security state. */
  is_operator: boolean;
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  /** seconds the access token lives */
  expires_in: number;
}

export interface AuthAnswer extends TokenPair {
  agent: SessionAgent;
  workspace: WorkspaceRef;
}

/** `GET /auth/me`. */
export type MeView = AgentView & { is_operator: boolean };
