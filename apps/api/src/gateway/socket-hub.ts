import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { AuthOkFrame, PongFrame, ServerFrame } from '@parley/contract/server-frames';
import { SESSION_CLOSE, SocketKind } from '@parley/contract/sockets';
import type { PublishedEvent } from '@parley/domain/events/domain-event';
import type { EphemeralEvent, VisitorBlockedEvent } from '@parley/domain/events/pubsub';
import { EventService } from '@parley/domain/services/event.service';
import { PresenceService } from '@parley/domain/services/presence.service';
import { AuthFailure, AuthSession, TokenService } from '@parley/domain/services/token.service';
import { TypingService } from '@parley/domain/services/typing.service';
import { AppError } from '@parley/errors/app-error';
import { EventBus } from '@parley/realtime/event-bus';
import { IpGuardService } from '@parley/security/ip-guard.service';
import type { SocketContext } from './handshake.service';
import { Of } from './kinds/event-guards';
import { FrameContexts, SocketKinds, Viewer } from './socket-kind';
import { sendFrame, sendSerialized, serializeFrame, transportOf } from './ws.adapter';

const REPLAY_PAGE = 500;
/** Live deliveries after which corked sockets are flushed even while more are queued. */
const FLUSH_EVERY = 32;

export interface ClientSocket extends WebSocket {
  parley: SocketContext;
  /** Highest seq this socket has been sent; nothing at or below it is sent again. */
  lastSeq: number;
  /** Live events held back while the socket is catching up from Postgres; null once live. */
  held: PublishedEvent[] | null;
  /** Typing frames that arrived meanwhile, sent right after it goes live. */
  heldFrames: ServerFrame[];
  alive: boolean;
  /** Closes the socket (4001) when its token runs out, unless an `auth` frame renewed it. */
  expiry?: NodeJS.Timeout;
}

export const pong = (): PongFrame => ({ type: 'pong', timestamp: new Date().toISOString() });

const viewerOf = (socket: ClientSocket): Viewer => ({
  kind: socket.parley.kind,
  agentId: socket.parley.agent.id,
  role: socket.parley.agent.role,
  conversationId: socket.parley.conversationId,
});

/**
 * This instance's sockets, whatever their kind: the kinds say what a socket opens with and hears;
 * the hub keeps the order, the resume and the sessions. Events from the bus are delivered one at
 * a time in arrival order (each workspace's in seq order); a socket that is catching up holds
 * live events back and releases only those it has not already been sent.
 */
@Injectable()
export class SocketHub implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SocketHub.name);
  private readonly byWorkspace = new Map<string, Set<ClientSocket>>();
  private chain: Promise<void> = Promise.resolve();
  /** Work queued on the chain, finished or not: at 0 the chain is empty. */
  private queued = 0;
  /** TCP sockets corked by live deliveries since the last flush. */
  private readonly corked = new Set<Socket>();
  private deliveriesSinceFlush = 0;
  private pinger?: NodeJS.Timeout;

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly kinds: SocketKinds,
    private readonly bus: EventBus,
    private readonly presence: PresenceService,
    private readonly events: EventService,
    private readonly typing: TypingService,
    private readonly tokens: TokenService,
    private readonly ipGuard: IpGuardService,
  ) {}

  onModuleInit(): void {
    this.bus.onEvent((event) => this.serially(() => this.deliver(event)));
    this.bus.onEphemeral((event) => this.serially(async () => this.deliverEphemeral(event)));
    this.bus.onResync(() => this.serially(() => this.resyncAll()));
    this.pinger = setInterval(() => this.pingAll(), this.config.realtime.pingIntervalSeconds * 1000);
    this.pinger.unref();
  }

  /** Registers a socket that passed the handshake, then brings it up to date. */
  async attach(socket: ClientSocket, context: SocketContext): Promise<void> {
    socket.parley = context;
    socket.lastSeq = context.since ?? 0;
    socket.held = [];
    socket.heldFrames = [];
    socket.alive = true;
    socket.on('pong', () => (socket.alive = true));
    this.scheduleExpiry(socket);
    const peers = this.byWorkspace.get(context.agent.workspaceId) ?? new Set<ClientSocket>();
    peers.add(socket);
    this.byWorkspace.set(context.agent.workspaceId, peers);

    try {
      const kind = this.kinds.of(context.kind);
      if (context.since !== undefined) await this.replay(socket);
      else socket.lastSeq = await kind.open(socket);
      if (kind.presence) {
        const timestamp = new Date().toISOString();
        for (const presence of await this.presence.snapshot(context.agent.workspaceId))
          sendFrame(socket, { type: 'user_presence', ...presence, timestamp });
      }
      // A web widget visitor or a call-link (or answer page) customer is nobody's presence.
      if (!context.visitor && !context.callLink && !context.callAnswer)
        await this.presence.connected(context.connectionId, {
          workspaceId: context.agent.workspaceId,
          agentId: context.agent.id,
          name: context.agent.name,
        });
    } catch (error) {
      // e.g. Postgres went away mid-handshake or the instance is shutting down: let the client retry.
      this.logger.warn(`socket ${context.connectionId} not brought up to date: ${(error as Error).message}`);
      socket.close(1011, 'try again');
    } finally {
      await this.serially(() => this.release(socket));
    }
  }

  async detach(socket: ClientSocket): Promise<void> {
    if (!socket.parley) return;
    clearTimeout(socket.expiry);
    const peers = this.byWorkspace.get(socket.parley.agent.workspaceId);
    peers?.delete(socket);
    if (peers?.size === 0) {
      // Events are no longer heard here for it: what kinds keep of it would go stale.
      this.byWorkspace.delete(socket.parley.agent.workspaceId);
      for (const kind of this.kinds.all) kind.forget?.(socket.parley.agent.workspaceId);
    }
    const typist = this.typistOf(socket);
    if (typist) await this.typing.stopFor(typist, socket);
    await this.presence.disconnected(socket.parley.connectionId).catch(() => undefined);
  }

  /** `typing {is_typing}` on a chat socket: the domain tells the others and the customer. */
  async setTyping(socket: ClientSocket, isTyping: boolean): Promise<void> {
    const typist = this.typistOf(socket);
    if (typist) await this.typing.set(typist, isTyping, socket);
  }

  private typistOf(socket: ClientSocket) {
    const { conversationId, agent, visitor } = socket.parley;
    if (!conversationId || visitor) return null;
    return { workspaceId: agent.workspaceId, agentId: agent.id, name: agent.name, conversationId };
  }

  /**
   * `auth {token}`: a fresh access token of the same agent keeps the socket open past the old one's
   * expiry (and picks up a changed name). Another agent's token, or a refused one, changes nothing.
   */
  async renew(socket: ClientSocket, token: string): Promise<AuthOkFrame> {
    let session: AuthSession;
    try {
      session = await this.tokens.verifyAccess(token);
    } catch (error) {
      if (error instanceof AuthFailure)
        await this.ipGuard.recordFailure(socket.parley.ip, {
          reason: `websocket_auth_${error.code}`,
          counted: error.guess,
          workspaceId: error.guess ? null : socket.parley.agent.workspaceId,
        });
      throw error;
    }
    const { agent } = socket.parley;
    if (session.agent.id !== agent.id || session.agent.workspaceId !== agent.workspaceId)
      throw new AppError('invalid_frame', 400, { problems: "token is another agent's" });
    socket.parley.agent = session.agent;
    socket.parley.session = { id: session.sessionId, expiresAt: session.expiresAt };
    this.scheduleExpiry(socket);
    return { type: 'auth_ok', expires_at: new Date(session.expiresAt).toISOString() };
  }

  private scheduleExpiry(socket: ClientSocket): void {
    clearTimeout(socket.expiry);
    // setTimeout holds at most ~24.8 days; access tokens live a day at most.
    const delay = Math.max(0, socket.parley.session.expiresAt - Date.now());
    socket.expiry = setTimeout(() => socket.close(SESSION_CLOSE.ended, 'token expired'), delay);
    socket.expiry.unref();
  }

  /**
   * Closes a socket of an agent's ended sign-in (or of any of its sign-ins): only one open before
   * the sign-in ended, so a replay to a socket signed in since leaves it open.
   */
  private closeIfEnded(socket: ClientSocket, event: Of<'agent.session_ended'>): void {
    const { agent, session, openedAt } = socket.parley;
    const { user_id, session_id, code, reason } = event.payload;
    const mine = agent.id === user_id && (session_id === null || session_id === session.id);
    if (mine && openedAt <= Date.parse(event.created_at)) socket.close(code, reason);
  }

  /** Runs deliveries one after another so every socket gets its frames in seq order. */
  private serially(work: () => Promise<void>): Promise<void> {
    this.queued++;
    const next = this.chain
      .then(work)
      .catch((error: Error) => this.logger.warn(`delivery: ${error.message}`))
      .then(() => {
        if (--this.queued === 0) this.flush();
      });
    this.chain = next;
    return next;
  }

  /**
   * Corks a live socket's TCP socket until the next flush: the frames of many deliveries then leave
   * in one writev instead of a syscall per frame.
   */
  private cork(socket: ClientSocket): void {
    const transport = transportOf(socket);
    if (!transport || this.corked.has(transport)) return;
    transport.cork();
    this.corked.add(transport);
  }

  /** Sends what corked sockets hold (a socket closed meanwhile just drops it). */
  private flush(): void {
    this.deliveriesSinceFlush = 0;
    for (const transport of this.corked) transport.uncork();
    this.corked.clear();
  }

  /**
   * One event to every live socket of its workspace, each kind's lookups made once for all its
   * sockets, and each distinct set of frames built and serialized once for the sockets it is for.
   */
  private async deliver(event: PublishedEvent): Promise<void> {
    const sockets = this.byWorkspace.get(event.workspace_id);
    if (!sockets?.size) return;
    for (const kind of this.kinds.all) kind.observe?.(event);
    const live = new Map<SocketKind, ClientSocket[]>();
    for (const socket of sockets) {
      if (socket.held) socket.held.push(event);
      else {
        const ofKind = live.get(socket.parley.kind);
        if (ofKind) ofKind.push(socket);
        else live.set(socket.parley.kind, [socket]);
      }
    }
    for (const [kind, ofKind] of live) {
      const contexts = await this.contextsOf(kind, [event], ofKind, 'live');
      const definition = this.kinds.of(kind);
      // Frames by context, then by audience: sockets that share both are sent the same bytes.
      const built = new Map<unknown, Map<string, Buffer[]>>();
      for (const socket of ofKind) {
        if (!definition.audience) {
          this.cork(socket);
          this.send(socket, event, contexts);
          continue;
        }
        if (!this.advance(socket, event)) continue;
        const viewer = viewerOf(socket);
        const context = contexts(event, socket);
        let byAudience = built.get(context);
        if (!byAudience) built.set(context, (byAudience = new Map()));
        const audience = definition.audience(event, viewer);
        let frames = byAudience.get(audience);
        if (!frames) {
          frames = definition.eventFrames(event, viewer, context).map(serializeFrame);
          byAudience.set(audience, frames);
        }
        if (frames.length) this.cork(socket);
        for (const data of frames) sendSerialized(socket, data);
      }
    }
    if (++this.deliveriesSinceFlush >= FLUSH_EVERY) this.flush();
  }

  private async contextsOf(
    kind: SocketKind,
    events: PublishedEvent[],
    sockets: ClientSocket[],
    phase: 'live' | 'replay',
  ): Promise<FrameContexts> {
    const definition = this.kinds.of(kind);
    return definition.contexts ? definition.contexts(events, sockets, phase) : () => undefined;
  }

  /**
   * Moves the socket past the event; false when it gets no frames of it: it was already sent, or it
   * ends a sign-in (which closes the socket if it is one of it).
   */
  private advance(socket: ClientSocket, event: PublishedEvent): boolean {
    if (event.seq <= socket.lastSeq) return false;
    socket.lastSeq = event.seq;
    if (event.type !== 'agent.session_ended') return true;
    this.closeIfEnded(socket, event as Of<'agent.session_ended'>);
    return false;
  }

  private send(socket: ClientSocket, event: PublishedEvent, contexts: FrameContexts): void {
    if (!this.advance(socket, event)) return;
    const kind = this.kinds.of(socket.parley.kind);
    for (const frame of kind.eventFrames(event, viewerOf(socket), contexts(event, socket)))
      sendFrame(socket, frame);
  }

  private deliverEphemeral(event: EphemeralEvent): void {
    if (event.kind === 'visitor_blocked') return this.closeBlockedVisitors(event);
    for (const socket of this.byWorkspace.get(event.workspace_id) ?? []) {
      for (const frame of this.kinds.of(socket.parley.kind).ephemeralFrames(event, viewerOf(socket))) {
        // A socket still catching up gets them after its catch-up frames, so its first frame stays first.
        if (socket.held) socket.heldFrames.push(frame);
        else sendFrame(socket, frame);
      }
    }
  }

  /** A blocked web widget visitor's sockets close at once (4003: not allowed any more). */
  private closeBlockedVisitors(event: VisitorBlockedEvent): void {
    for (const socket of this.byWorkspace.get(event.workspace_id) ?? []) {
      const visitor = socket.parley.visitor;
      if (visitor?.channelId === event.channel_id && event.platform_user_ids.includes(visitor.platformUserId))
        socket.close(SESSION_CLOSE.forbidden, 'visitor_blocked');
    }
  }

  /** Sends, from Postgres, every event after the socket's lastSeq that it may see. */
  private async replay(socket: ClientSocket): Promise<void> {
    const { agent, kind, conversationId, visitor } = socket.parley;
    // A visitor who has not written yet has no conversation: nothing of the workspace is theirs.
    if (visitor && !conversationId) return;
    for (;;) {
      const page = await this.events.since(
        this.db.manager,
        agent.workspaceId,
        socket.lastSeq,
        REPLAY_PAGE,
        conversationId,
      );
      const contexts = await this.contextsOf(kind, page, [socket], 'replay');
      for (const event of page) this.send(socket, event, contexts);
      if (page.length < REPLAY_PAGE) return;
    }
  }

  /** Goes live: releases held events the socket has not been sent (it skips what replay already covered). */
  private async release(socket: ClientSocket): Promise<void> {
    const held = (socket.held ?? []).filter((event) => event.seq > socket.lastSeq);
    socket.held = null;
    const contexts = await this.contextsOf(socket.parley.kind, held, [socket], 'live');
    for (const event of held) this.send(socket, event, contexts);
    for (const frame of socket.heldFrames.splice(0)) sendFrame(socket, frame);
  }

  /** After the bus lost its subscription, every socket replays what it may have missed. */
  private async resyncAll(): Promise<void> {
    for (const kind of this.kinds.all) kind.forget?.(null);
    for (const sockets of this.byWorkspace.values()) {
      for (const socket of sockets) if (!socket.held) await this.replay(socket);
    }
  }

  private pingAll(): void {
    for (const sockets of this.byWorkspace.values()) {
      for (const socket of sockets) {
        if (!socket.alive) {
          socket.terminate();
          continue;
        }
        socket.alive = false;
        socket.ping();
      }
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.pinger);
  }
}
