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
import { api } from '../api/http';
import type { StoredSession } from '../api/session';
import type { Agent, Frame, Presence } from '../api/types';
import { useSharedSocket } from './hooks';

type ListListener = (frame: Frame) => void;

interface LiveContext {
  session: StoredSession;
  agents: Agent[];
  reloadAgents(): void;
  presence: Map<string, Presence>;
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
  const [agents, setAgents] = useState<Agent[]>([]);
  const [presence, setPresence] = useState(() => new Map<string, Presence>());
  const listeners = useRef(new Set<ListListener>());

  const reloadAgents = useCallback(() => {
    api<Agent[]>('/agents').then(setAgents, () => undefined);
  }, []);
  useEffect(reloadAgents, [reloadAgents]);

  useSharedSocket(
    '/ws/conversations/',
    session.agent.id,
    (frame) => {
      if (frame.type === 'user_presence') {
        const p = frame as unknown as Presence;
        setPresence((current) => new Map(current).set(p.user_id, p));
        return;
      }
      for (const listener of listeners.current) listener(frame);
    },
    (frame) => (frame.type === 'user_presence' ? String(frame.user_id) : null),
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
): { status: Presence['status']; lastSeen: string | null } {
  const p = live.presence.get(agentId);
  if (p) return { status: p.is_online ? p.status : 'offline', lastSeen: p.last_seen };
  const agent = live.agents.find((a) => a.id === agentId);
  return { status: 'offline', lastSeen: agent?.last_seen_at ?? null };
}
