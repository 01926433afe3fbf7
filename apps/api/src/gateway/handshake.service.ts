import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ErrorCode } from '@parley/contract/error-codes';
import type { SocketKind } from '@parley/contract/sockets';
import { looksLikeOAuthToken, OAuthTokenService } from '@parley/domain/oauth/oauth-token.service';
import { ApiKeyService, looksLikeApiKey } from '@parley/domain/services/api-key.service';
import { AuthFailure, AuthSession, TokenService } from '@parley/domain/services/token.service';
import { Locale, pickLocale } from '@parley/errors/translate';
import { ConnectionSlots } from '@parley/security/connection-slots';
import { IpGuardService } from '@parley/security/ip-guard.service';
import { SocketKinds } from './socket-kind';
import { SecurityEventService } from '@parley/security/security-event.service';
import { SecurityPolicyService } from '@parley/security/security-policy.service';
import { AppConfig, CONFIG } from '@parley/config/config';
import { AppError } from '@parley/errors/app-error';
import { Visitor, WidgetService } from '@parley/domain/widget/widget.service';
import { CallLinkCustomer, CallLinkService } from '@parley/domain/calls/call-link.service';
import { CallAnswer, CallAnswerService, isCallAnswerToken } from '@parley/domain/calls/call-answer.service';
import { VisitorSlots } from './visitor-slots';

/** Who is on the other end of a socket, settled at the handshake. */
export interface SocketContext {
  connectionId: string;
  /** When the handshake verified the token (a session that ended after it closes the socket). */
  openedAt: number;
  kind: SocketKind;
  agent: AuthSession['agent'];
  /** The sign-in the socket belongs to, and when its token runs out (renewed by an `auth` frame). */
  session: { id: string; expiresAt: number };
  ip: string;
  conversationId?: string;
  /** `?since=<seq>`: replay what was missed instead of recent history. */
  since?: number;
  locale: Locale;
  /**
   * A web widget visitor's socket (`/ws/visitor/`): the visitor its token proves. `agent` then
   * stands for the visitor (its id, workspace and name) and is never an agent anywhere.
   */
  visitor?: Visitor;
  /**
   * A call-link customer's socket (`/ws/call/`): the customer its link names. `agent` then stands
   * for the customer's contact (its id, workspace and name) and is never an agent anywhere.
   */
  callLink?: CallLinkCustomer;
  /**
   * A website visitor's answer page for an agent's call (`/ws/call/` with an answer token): `agent`
   * then stands for the visitor's contact, as for a call-link customer.
   */
  callAnswer?: CallAnswer;
}

/** A visitor socket lives as long as its token; the hub's expiry timer wants a date (setTimeout holds ~24 days). */
const VISITOR_SOCKET_MS = 20 * 24 * 3600_000;

export class HandshakeRefused extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 429,
    readonly code: ErrorCode,
    readonly params: Record<string, string | number> = {},
  ) {
    super(code);
  }
}

/** The token from `?token=`, or from `Sec-WebSocket-Protocol: bearer, <token>` (what browsers can set). */
export function tokenOf(request: IncomingMessage, url: URL): string | null {
  const fromQuery = url.searchParams.get('token');
  if (fromQuery) return fromQuery;
  const protocols = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const at = protocols.indexOf('bearer');
  return at >= 0 && protocols[at + 1] ? protocols[at + 1] : null;
}

@Injectable()
export class HandshakeService {
  constructor(
    private readonly tokens: TokenService,
    private readonly kinds: SocketKinds,
    private readonly slots: ConnectionSlots,
    private readonly policies: SecurityPolicyService,
    private readonly guard: IpGuardService,
    private readonly events: SecurityEventService,
    private readonly apiKeys: ApiKeyService,
    private readonly oauthTokens: OAuthTokenService,
    private readonly widget: WidgetService,
    private readonly visitorSlots: VisitorSlots,
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly callLinks: CallLinkService,
    private readonly callAnswers: CallAnswerService,
  ) {}

  /** Authenticates an upgrade request before any socket exists; refusals become HTTP answers. */
  async authorize(
    request: IncomingMessage,
    kind: SocketKind,
    params: Record<string, string>,
    ip: string,
  ): Promise<SocketContext> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const token = tokenOf(request, url);
    if (kind === 'visitor') return this.authorizeVisitor(request, url, token, ip);
    if (kind === 'call' && isCallAnswerToken(token)) return this.authorizeCallAnswer(request, token, ip);
    if (kind === 'call') return this.authorizeCallLink(request, token, ip);
    if (await this.guard.isBlocked(ip)) {
      // A workspace that trusts this address (its office) is let through for its own sockets.
      const workspaceId = token ? await this.tokens.workspaceOfToken(token) : null;
      await this.guard.assertNotBlocked(ip, workspaceId).catch(() => {
        throw new HandshakeRefused(403, 'ip_blocked');
      });
    }
    let session: AuthSession;
    try {
      // Sockets are the agents' own: a live API key or OAuth token is refused without counting against its IP,
      // and a key we never issued is a guess like a forged token.
      if (token && looksLikeApiKey(token)) {
        await this.apiKeys.authenticate(token);
        throw new HandshakeRefused(403, 'agents_only');
      }
      if (token && looksLikeOAuthToken(token)) {
        await this.oauthTokens.authenticate(token);
        throw new HandshakeRefused(403, 'agents_only');
      }
      session = await this.tokens.verifyAccess(token);
    } catch (error) {
      if (!(error instanceof AuthFailure)) throw error;
      if (error.code === 'agent_deactivated') throw new HandshakeRefused(403, error.code);
      // Recorded always; counted toward the IP's blacklist only when it is a guess (a forged token),
      // never for what waking laptops send (expired tokens) or a missing one.
      await this.guard.recordFailure(ip, {
        reason: `websocket_${error.code}`,
        counted: error.guess,
        workspaceId: token && !error.guess ? await this.tokens.workspaceOfToken(token) : null,
      });
      throw new HandshakeRefused(401, error.code);
    }
    const { agent } = session;

    const sinceParam = url.searchParams.get('since');
    if (sinceParam !== null && !/^\d{1,15}$/.test(sinceParam))
      throw new HandshakeRefused(400, 'validation_failed');

    let conversationId: string | undefined;
    try {
      ({ conversationId } = (await this.kinds.of(kind).scope?.(agent, params)) ?? {});
    } catch {
      // Another workspace's conversation, or none at all: the same answer.
      throw new HandshakeRefused(404, 'not_found');
    }
    const connectionId = randomUUID();
    const { maxSocketsPerAgent } = await this.policies.forWorkspace(agent.workspaceId);
    if (!(await this.slots.reserve(agent.id, connectionId, maxSocketsPerAgent))) {
      await this.events.record({
        kind: 'connection_refused',
        ip,
        workspaceId: agent.workspaceId,
        agentId: agent.id,
        detail: { reason: 'too_many_connections', max: maxSocketsPerAgent },
      });
      throw new HandshakeRefused(429, 'too_many_connections', { max: maxSocketsPerAgent });
    }
    return {
      connectionId,
      openedAt: Date.now(),
      kind,
      agent,
      session: { id: session.sessionId, expiresAt: session.expiresAt },
      ip,
      conversationId,
      since: sinceParam === null ? undefined : Number(sinceParam),
      locale: pickLocale(request.headers['accept-language']),
    };
  }

  /**
   * A web widget visitor: its token (not blocked), an origin its channel allows (the host page's
   * `?origin=` when given, else the one it started its session on, and the browser's Origin
   * header), and one of its IP's socket slots.
   */
  private async authorizeVisitor(
    request: IncomingMessage,
    url: URL,
    token: string | null,
    ip: string,
  ): Promise<SocketContext> {
    await this.guard.assertNotBlocked(ip, null).catch(() => {
      throw new HandshakeRefused(403, 'ip_blocked');
    });
    let visitor: Visitor;
    try {
      visitor = await this.widget.authenticate(token);
      const host = request.headers.host ?? '';
      const secure = 'encrypted' in request.socket && request.socket.encrypted ? 'https' : 'http';
      await this.widget.assertVisitorOrigin(visitor, {
        origin: url.searchParams.get('origin'),
        header: request.headers.origin ?? null,
        self: `${secure}://${host}`,
        ip,
      });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      throw new HandshakeRefused(error.statusCode === 401 ? 401 : 403, error.code);
    }
    const sinceParam = url.searchParams.get('since');
    if (sinceParam !== null && !/^\d{1,15}$/.test(sinceParam))
      throw new HandshakeRefused(400, 'validation_failed');
    const max = this.config.widget.socketsPerIp;
    if (!this.visitorSlots.reserve(ip, max)) {
      await this.events.record({
        kind: 'connection_refused',
        ip,
        workspaceId: visitor.workspaceId,
        detail: { reason: 'too_many_visitor_connections', max },
      });
      throw new HandshakeRefused(429, 'too_many_connections', { max });
    }
    return {
      connectionId: randomUUID(),
      openedAt: Date.now(),
      kind: 'visitor',
      agent: {
        id: visitor.id,
        workspaceId: visitor.workspaceId,
        role: 'agent',
        name: visitor.name ?? 'Visitor',
        email: '',
        operator: false,
      },
      session: { id: visitor.id, expiresAt: Date.now() + VISITOR_SOCKET_MS },
      ip,
      conversationId: (await this.widget.conversationOf(visitor)) ?? undefined,
      since: sinceParam === null ? undefined : Number(sinceParam),
      locale: pickLocale(request.headers['accept-language']),
      visitor,
    };
  }

  /**
   * A call-link customer: a genuine, unexpired link (the only credential), and one of its IP's
   * socket slots (shared with widget visitors: both are anonymous browsers).
   */
  private async authorizeCallLink(
    request: IncomingMessage,
    token: string | null,
    ip: string,
  ): Promise<SocketContext> {
    await this.guard.assertNotBlocked(ip, null).catch(() => {
      throw new HandshakeRefused(403, 'ip_blocked');
    });
    let customer: CallLinkCustomer;
    try {
      customer = await this.callLinks.customer(token);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      throw new HandshakeRefused(404, error.code);
    }
    const max = this.config.widget.socketsPerIp;
    if (!this.visitorSlots.reserve(ip, max)) throw new HandshakeRefused(429, 'too_many_connections', { max });
    return {
      connectionId: randomUUID(),
      openedAt: Date.now(),
      kind: 'call',
      agent: {
        id: customer.contactId,
        workspaceId: customer.link.workspaceId,
        role: 'agent',
        name: customer.name ?? 'Customer',
        email: '',
        operator: false,
      },
      session: {
        id: customer.contactId,
        expiresAt: Math.min(customer.link.expiresAt * 1000, Date.now() + VISITOR_SOCKET_MS),
      },
      ip,
      locale: pickLocale(request.headers['accept-language']),
      callLink: customer,
    };
  }

  /**
   * A website visitor answering an agent's call on the answer page: a genuine, unexpired answer
   * token for a call that still rings or is active, and one of its IP's anonymous socket slots.
   */
  private async authorizeCallAnswer(
    request: IncomingMessage,
    token: string,
    ip: string,
  ): Promise<SocketContext> {
    await this.guard.assertNotBlocked(ip, null).catch(() => {
      throw new HandshakeRefused(403, 'ip_blocked');
    });
    let callee: Awaited<ReturnType<CallAnswerService['callee']>>;
    try {
      callee = await this.callAnswers.callee(token);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      throw new HandshakeRefused(404, error.code);
    }
    if (callee.status !== 'ringing' && callee.status !== 'active')
      throw new HandshakeRefused(404, 'call_answer_invalid');
    const max = this.config.widget.socketsPerIp;
    if (!this.visitorSlots.reserve(ip, max)) throw new HandshakeRefused(429, 'too_many_connections', { max });
    const { answer } = callee;
    return {
      connectionId: randomUUID(),
      openedAt: Date.now(),
      kind: 'call',
      agent: {
        id: answer.contactId,
        workspaceId: answer.workspaceId,
        role: 'agent',
        name: callee.calleeName ?? 'Visitor',
        email: '',
        operator: false,
      },
      session: { id: answer.contactId, expiresAt: answer.expiresAt * 1000 },
      ip,
      locale: pickLocale(request.headers['accept-language']),
      callAnswer: answer,
    };
  }
}
