import { useSyncExternalStore } from 'react';
import type { SocketState } from '../api/live-socket';

/** Which open sockets are reconnecting right now: the banner shows while any is. */
const states = new Map<string, SocketState>();
const listeners = new Set<() => void>();
let reconnecting = false;

export function reportSocket(key: string, state: SocketState | null): void {
  if (state === null || state === 'closed') states.delete(key);
  else states.set(key, state);
  const next = [...states.values()].some((s) => s === 'reconnecting');
  if (next === reconnecting) return;
  reconnecting = next;
  for (const listener of listeners) listener();
}

export function useReconnecting(): boolean {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => reconnecting,
  );
}
