import { useEffect, useRef, useState } from 'react';
import { LiveSocket } from '../api/live-socket';
import type { Frame } from '../api/types';
import { reportSocket } from './connection';

let socketIds = 0;

/** Keeps one LiveSocket open while the component is mounted (and `path` is set). */
export function useLiveSocket(path: string | null, onFrame: (frame: Frame) => void): LiveSocket | null {
  const handler = useRef(onFrame);
  handler.current = onFrame;
  const [socket, setSocket] = useState<LiveSocket | null>(null);
  useEffect(() => {
    if (!path) return;
    const key = `${path}#${socketIds++}`;
    const live = new LiveSocket(
      path,
      (frame) => handler.current(frame),
      (state) => reportSocket(key, state),
    );
    setSocket(live);
    return () => {
      live.close();
      reportSocket(key, null);
      setSocket(null);
    };
  }, [path]);
  return socket;
}

/** Re-renders every `ms`, for countdowns and "last seen" texts. */
export function useTick(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/** The part of location.hash after `#`, kept in state. */
export function useHashRoute(): string {
  const read = () => window.location.hash.replace(/^#/, '') || '/inbox';
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const update = () => setRoute(read());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

export function navigate(route: string): void {
  window.location.hash = route;
}
