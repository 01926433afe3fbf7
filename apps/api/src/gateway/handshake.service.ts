import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ConversationService } from '@parley/domain/services/conversation.service';
import { AuthAgent, TokenService } from '@parley/domain/services/token.service';
import { AppError } from '@parley/errors/app-error';
import { ErrorCode } from '@parley/errors/i18n/en';
import { Locale, pickLocale } from '@parley/errors/translate';

export type SocketKind = 'chat' | 'conversations' | 'notifications';

/** Who is on the other end of a socket, settled at the handshake. */
export interface SocketContext {
  connectionId: string;
  kind: SocketKind;
  agent: AuthAgent;
  conversationId?: string;
  /** `?since=<seq>`: replay what was missed instead of recent history. */
  since?: number;
  locale: Locale;
}

export class HandshakeRefused extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404,
    readonly code: ErrorCode,
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
    private readonly conversations: ConversationService,
  ) {}

  /** Authenticates an upgrade request before any socket exists; refusals become HTTP answers. */
  async authorize(
    request: IncomingMessage,
    kind: SocketKind,
    params: Record<string, string>,
  ): Promise<SocketContext> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const token = tokenOf(request, url);
    if (!token) throw new HandshakeRefused(401, 'unauthorized');
    let agent: AuthAgent;
    try {
      agent = await this.tokens.verifyAccess(token);
    } catch (error) {
      const code = error instanceof AppError ? error.code : 'unauthorized';
      throw new HandshakeRefused(code === 'agent_deactivated' ? 403 : 401, code);
    }

    const sinceParam = url.searchParams.get('since');
    if (sinceParam !== null && !/^\d{1,15}$/.test(sinceParam))
      throw new HandshakeRefused(400, 'validation_failed');

    let conversationId: string | undefined;
    if (kind === 'chat') {
      conversationId = params.conversationId;
      if (!isUUID(conversationId)) throw new HandshakeRefused(404, 'not_found');
      try {
        await this.conversations.assertExists(agent.workspaceId, conversationId);
      } catch {
        throw new HandshakeRefused(404, 'not_found');
      }
    }
    return {
      connectionId: randomUUID(),
      kind,
      agent,
      conversationId,
      since: sinceParam === null ? undefined : Number(sinceParam),
      locale: pickLocale(request.headers['accept-language']),
    };
  }
}
