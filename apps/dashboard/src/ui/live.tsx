import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import type { ConversationsServerFrame } from '@parley/contract/server-frames';
import type { AgentView, PresenceView } from '@parley/contract/views';
import { api } from '../api/http';
import { unhandled } from '../api/frames';
import type { StoredSession } from '../api/session';
import { useSharedSocket } from './hooks';

/** The conversations socket's frames about the list itself, for whoever shows it. */
export type ListFrame = Extract<
  ConversationsServerFrame,
  { type: 'ready' | 'conversation_created' | 'conversation_updated' | 'label_updated' | 'label_deleted' }
>;
type ListListener = (frame: ListFrame) => void;

interface LiveContext {
  session: StoredSession;
  agents: AgentView[];
  reloadAgents(): void;
  presence: Map<string, PresenceView>;
  /** Frames of the agent's `/ws/conversations/` socket, for whoever shows the list. */
  onListFrame(listener: ListListener): () => void;
}

const Context = createContext<LiveContext | null>(null);

export function useLive(): LiveContext {
  const live = useContext(Context);
  if (!live) throw new Error('useLive outside LiveProvider');
  return live;
}

/**
 * What every page of a signed-in agent shares: the team (with live presence) and the
 * conversations socket (one for all the agent's tabs), open as long as the agent is signed in.
 */
export function LiveProvider({ session, children }: { session: StoredSession; children: ReactNode }) {
  const [agents, setAgents] = useState<AgentView[]>([]);
  const [presence, setPresence] = useState(() => new Map<string, PresenceView>());
  const listeners = useRef(new Set<ListListener>());

  const reloadAgents = useCallback(() => {
    api<AgentView[]>('/agents').then(setAgents, () => undefined);
  }, []);
  useEffect(reloadAgents, [reloadAgents]);

  useSharedSocket(
    'conversations',
    '/ws/conversations/',
    session.agent.id,
    (frame) => {
      switch (frame.type) {
        case 'user_presence':
          setPresence((current) => new Map(current).set(frame.user_id, frame));
          return;
        case 'ready':
        case 'conversation_created':
        case 'conversation_updated':
        case 'label_updated':
        case 'label_deleted':
          for (const listener of listeners.current) listener(frame);
          return;
        case 'pong':
        case 'auth_ok':
        case 'error':
          return;
        default:
          unhandled(frame);
      }
    },
    (frame) => (frame.type === 'user_presence' ? frame.user_id : null),
  );

  const onListFrame = useCallback((listener: ListListener) => {
    listeners.current.add(listener);
    return () => listeners.current.delete(listener);
  }, []);

  const value = useMemo(
    () => ({ session, agents, reloadAgents, presence, onListFrame }),
    [session, agents, reloadAgents, presence, onListFrame],
  );
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

/** An agent's presence: the live frame if one came (the socket sends everyone online on connect), else offline. */
export function presenceOf(
  live: LiveContext,
  agentId: string,
): { status: PresenceView['status']; lastSeen: string | null } {
  const p = live.presence.get(agentId);
  if (p) return { status: p.is_online ? p.status : 'offline', lastSeen: p.last_seen };
  const agent = live.agents.find((a) => a.id === agentId);
  return { status: 'offline', lastSeen: agent?.last_seen_at ?? null };
}
