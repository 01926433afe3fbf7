import { useCallback, useEffect, useRef, useState } from 'react';
import type { ClientFrame } from '@parley/contract/client-frames';
import type { ServerFrame } from '@parley/contract/server-frames';
import type { SocketKind } from '@parley/contract/sockets';
import type { ConnectionsView } from '@parley/contract/views';
import { api, mediaLink } from '../api/http';
import { LiveSocket, type SocketState } from '../api/live-socket';
import { reportSocket } from './connection';

let socketIds = 0;

/**
 * How long a tab may stay hidden before its conversation socket lets go of its slot under the
 * per-agent cap. Coming back resumes with `?since=`, so nothing is missed; a quick look at another
 * tab costs nothing.
 */
const HIDDEN_GRACE_MS = 10_000;

/** Keeps one LiveSocket open while the component is mounted, paused while `active` has been false for a while. */
export function useLiveSocket<K extends SocketKind>(
  kind: K,
  path: string,
  onFrame: (frame: ServerFrame<K>) => void,
  active = true,
): LiveSocket<K> | null {
  const handler = useRef(onFrame);
  handler.current = onFrame;
  const [socket, setSocket] = useState<LiveSocket<K> | null>(null);
  useEffect(() => {
    const key = `${path}#${socketIds++}`;
    const live = new LiveSocket(
      kind,
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
  }, [kind, path]);
  useEffect(() => {
    if (!socket) return;
    if (active) {
      socket.resume();
      return;
    }
    const timer = setTimeout(() => socket.pause(), HIDDEN_GRACE_MS);
    return () => clearTimeout(timer);
  }, [socket, active]);
  return socket;
}

/** Whether this tab is on screen (document.visibilityState), kept in state. */
export function useVisible(): boolean {
  const read = () => document.visibilityState === 'visible';
  const [visible, setVisible] = useState(read);
  useEffect(() => {
    const update = () => setVisible(read());
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, []);
  return visible;
}

/**
 * Like useLiveSocket, but one socket for all of this agent's tabs: the tab that holds a Web Lock
 * keeps the socket and relays its frames over a BroadcastChannel; when that tab closes, another
 * takes the lock and opens its own. An agent's tabs then cost one chat socket each plus these two,
 * instead of three each, against the per-agent socket cap. Falls back to a socket per tab where
 * the browser has no Web Locks.
 */
export function useSharedSocket<K extends SocketKind>(
  kind: K,
  path: string,
  scope: string,
  onFrame: (frame: ServerFrame<K>) => void,
  /** Frames a tab that joins later must still see (the latest per key), e.g. each agent's presence. */
  stickyKey: (frame: ServerFrame<K>) => string | null = () => null,
): (frame: ClientFrame<K>) => boolean {
  const handler = useRef(onFrame);
  /** Sends a frame on the shared socket: on its own when this tab holds it, through the leader otherwise. */
  const sender = useRef<(frame: ClientFrame<K>) => boolean>(() => false);
  handler.current = onFrame;
  const sticky = useRef(stickyKey);
  sticky.current = stickyKey;
  useEffect(() => {
    const key = `${path}#${socketIds++}`;
    const deliver = (frame: ServerFrame<K>) => handler.current(frame);
    if (!('locks' in navigator) || typeof BroadcastChannel === 'undefined') {
      const live = new LiveSocket(kind, path, deliver, (state) => reportSocket(key, state));
      sender.current = (frame) => live.send(frame);
      return () => {
        live.close();
        reportSocket(key, null);
      };
    }
    const name = `parley:${scope}:${path}`;
    const channel = new BroadcastChannel(name);
    const abort = new AbortController();
    let socket: LiveSocket<K> | null = null;
    let release: () => void = () => undefined;
    const kept = new Map<string, ServerFrame<K>>();
    channel.onmessage = (
      event: MessageEvent<{
        frame?: ServerFrame<K>;
        state?: SocketState;
        hello?: true;
        send?: ClientFrame<K>;
      }>,
    ) => {
      if (socket) {
        // the leader hears its own socket; a tab that just joined asks what it missed
        if (event.data.hello) for (const frame of kept.values()) channel.postMessage({ frame });
        // a follower's frame goes out on the leader's socket
        if (event.data.send) socket.send(event.data.send);
        return;
      }
      if (event.data.frame) deliver(event.data.frame);
      if (event.data.state) reportSocket(key, event.data.state);
    };
    channel.postMessage({ hello: true });
    sender.current = (frame) => {
      if (socket) return socket.send(frame);
      channel.postMessage({ send: frame });
      return true;
    };
    navigator.locks
      .request(name, { signal: abort.signal }, () => {
        reportSocket(key, null); // a follower's view of the old leader's state no longer applies
        socket = new LiveSocket(
          kind,
          path,
          (frame) => {
            const stickTo = sticky.current(frame);
            if (stickTo) kept.set(stickTo, frame);
            deliver(frame);
            channel.postMessage({ frame });
          },
          (state) => {
            reportSocket(key, state);
            channel.postMessage({ state });
          },
        );
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      })
      .catch(() => undefined); // aborted while waiting: this tab was never the leader
    return () => {
      abort.abort();
      socket?.close();
      release();
      channel.close();
      reportSocket(key, null);
    };
  }, [kind, path, scope]);
  return useCallback((frame: ClientFrame<K>) => sender.current(frame), []);
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

/**
 * While sockets keep failing to reconnect, whether that is because the agent already has as many
 * open as the cap allows (a browser cannot read why a handshake was refused, so it asks the api).
 * The cap when so, else null.
 */
export function useSocketCap(reconnecting: boolean): number | null {
  const [cap, setCap] = useState<number | null>(null);
  useEffect(() => {
    setCap(null);
    if (!reconnecting) return;
    let current = true;
    const check = () =>
      api<ConnectionsView>('/agents/me/connections').then(
        (c) => current && setCap(c.open >= c.max ? c.max : null),
        () => undefined, // the api itself is down: the plain reconnecting banner says enough
      );
    const first = setTimeout(check, 2000);
    const timer = setInterval(check, 5000);
    return () => {
      current = false;
      clearTimeout(first);
      clearInterval(timer);
    };
  }, [reconnecting]);
  return cap;
}

/** A media element's signed URL, and the two ways to get another. */
export interface MediaLinkState {
  /** null until the api answered. */
  url: string | null;
  /** The link if still fresh, else a new one (before playing or opening). */
  current(): Promise<string | null>;
  /** A new link, when the element's load failed (an expired link answers 404). */
  renew(): Promise<string | null>;
}

/** Asks for an attachment's signed link when it is shown, and again when it has expired. */
export function useMediaLink(messageId: string, index: number): MediaLinkState {
  const [url, setUrl] = useState<string | null>(null);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    setUrl(null);
    mediaLink(messageId, index).then(
      (fresh) => mounted.current && setUrl(fresh),
      () => undefined, // no link (deleted, offline): the element simply shows nothing
    );
    return () => {
      mounted.current = false;
    };
  }, [messageId, index]);
  const ask = useCallback(
    (renew: boolean) =>
      mediaLink(messageId, index, renew).then(
        (fresh) => {
          if (mounted.current) setUrl(fresh);
          return fresh;
        },
        () => null,
      ),
    [messageId, index],
  );
  const current = useCallback(() => ask(false), [ask]);
  const renew = useCallback(() => ask(true), [ask]);
  return { url, current, renew };
}
