import type { ServerFrame } from '@parley/contract/server-frames';
import type { SocketKind } from '@parley/contract/sockets';
import type { PublishedEvent } from '@parley/domain/events/domain-event';
import type { EphemeralEvent } from '@parley/domain/events/pubsub';
import type { AuthAgent } from '@parley/domain/services/token.service';
import type { ClientSocket } from './socket-hub';

/** Who a frame is for: the socket's kind, its agent, and what it is about. */
export interface Viewer {
  kind: SocketKind;
  agentId: string;
  role: AuthAgent['role'];
  conversationId?: string;
}

/** Whatever a kind looked up for an event's frames, per socket (a conversation view, an unread count, …). */
export type FrameContexts = (event: PublishedEvent, socket: ClientSocket) => unknown;

/**
 * What one kind of socket adds to the generic hub and handshake: where it lives, what it may be
 * opened on, its first frames, and what it hears of each stored and ephemeral event. A new kind
 * (a widget visitor's socket, a call's) is a definition, its gateway, and a line in SOCKET_KINDS.
 */
export interface SocketKindDefinition {
  readonly kind: SocketKind;
  /** The path its gateway is declared on, with `:params`. */
  readonly path: string;
  /** Sent every agent's presence right after connect. */
  readonly presence: boolean;
  /**
   * Checks the path's params for the signed-in agent (throws not_found); the conversation it is
   * about, if any. A workspace-wide kind has none.
   */
  scope?(agent: AuthAgent, params: Record<string, string>): Promise<{ conversationId?: string }>;
  /** The first frames of a socket opened without `?since=`; answers the seq it is current to. */
  open(socket: ClientSocket): Promise<number>;
  /**
   * What the frames of these events need for these sockets, looked up once (live: one event for
   * every socket of the kind; replay: a page of events for one socket).
   */
  contexts?(
    events: PublishedEvent[],
    sockets: ClientSocket[],
    phase: 'live' | 'replay',
  ): Promise<FrameContexts>;
  /** Sees every event delivered in a workspace with a socket here, in seq order (to keep caches current). */
  observe?(event: PublishedEvent): void;
  /** The workspace has no socket here any more (or events may have been missed): drop what is kept of it. */
  forget?(workspaceId: string | null): void;
  /**
   * What of the viewer this event's frames depend on: two sockets of this kind with the same key
   * and the same frame context get byte-identical frames, built and serialized once for both.
   * Without it every socket's frames are built on their own.
   */
  audience?(event: PublishedEvent, viewer: Viewer): string;
  /** The frames one viewer may see of a stored event (none when it is not theirs). */
  eventFrames(event: PublishedEvent, viewer: Viewer, context: unknown): ServerFrame[];
  /** The frames one viewer may see of an ephemeral event. */
  ephemeralFrames(event: EphemeralEvent, viewer: Viewer): ServerFrame[];
}

/** Every kind of socket the api serves, by kind and by path. */
export class SocketKinds {
  private readonly byKind: Map<SocketKind, SocketKindDefinition>;

  constructor(readonly all: SocketKindDefinition[]) {
    this.byKind = new Map(all.map((d) => [d.kind, d]));
  }

  of(kind: SocketKind): SocketKindDefinition {
    const definition = this.byKind.get(kind);
    if (!definition) throw new Error(`no socket kind ${kind}`);
    return definition;
  }
}

/** `/ws/chat/:conversationId` against a request path, trailing slash optional. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const got = pathname.split('/').filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(got[i]);
    else if (want[i] !== got[i]) return null;
  }
  return params;
}
