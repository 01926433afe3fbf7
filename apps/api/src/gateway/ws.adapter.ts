import { INestApplication, Logger } from '@nestjs/common';
import { MessageMappingProperties } from '@nestjs/websockets/gateway-metadata-explorer';
import { WsAdapter } from '@nestjs/platform-ws';
import { IncomingMessage, Server, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { lastValueFrom, Observable } from 'rxjs';
import type { WebSocket, WebSocketServer } from 'ws';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { ErrorFrame, ServerFrame } from '@parley/contract/server-frames';
import { AppError } from '@parley/errors/app-error';
import { clientIp, trustFunction } from '@parley/security/client-ip';
import { translate } from '@parley/errors/translate';
import { readClientFrame } from './client-frame.validator';
import { HandshakeRefused, HandshakeService, SocketContext } from './handshake.service';
import { matchPath, SocketKinds } from './socket-kind';

export const WS_OPTIONS = {
  maxPayload: 1024 * 1024,
  // Browsers authenticate with `Sec-WebSocket-Protocol: bearer, <token>`; the server must pick one.
  handleProtocols: (protocols: Set<string>) => (protocols.has('bearer') ? 'bearer' : false),
};

export interface UpgradeRequest extends IncomingMessage {
  parley?: SocketContext;
}

type Registered = WebSocketServer & { path: string };

/**
 * A frame as it goes on the wire, serialized and UTF-8 encoded once however many sockets it is sent
 * to (a string would be measured and encoded again for each).
 */
export const serializeFrame = (frame: ServerFrame): Buffer => Buffer.from(JSON.stringify(frame));

/** Sends a serialized frame as a text frame (ws would send a Buffer as binary). */
export function sendSerialized(socket: WebSocket, data: Buffer): void {
  if (socket.readyState === socket.OPEN) socket.send(data, { binary: false });
}

export function sendFrame(socket: WebSocket, frame: ServerFrame): void {
  if (socket.readyState === socket.OPEN) sendSerialized(socket, serializeFrame(frame));
}

/** The TCP socket under a ws client (ws keeps it as `_socket`): corked, many frames leave in one write. */
export function transportOf(socket: WebSocket): Socket | undefined {
  return (socket as WebSocket & { _socket?: Socket | null })._socket ?? undefined;
}

/** `error {code, message}` in the socket's language; `client_id` names the refused reply. */
export function errorFrame(error: unknown, context?: SocketContext, clientId?: string): ErrorFrame {
  const appError = error instanceof AppError ? error : new AppError('internal_error', 500);
  const retryAfter = appError.params.retry_after;
  return {
    type: 'error',
    code: appError.code,
    message: translate(appError.code, context?.locale ?? 'en', appError.params),
    ...(retryAfter !== undefined ? { retry_after: Number(retryAfter) } : {}),
    ...(clientId ? { client_id: clientId } : {}),
  };
}

/**
 * The platform-ws adapter with what our contract needs: path patterns with ids, authentication
 * at the HTTP upgrade (refused with a real 401/403/404 before any socket exists), `{type}`
 * frames with error frames for anything refused, and close code 1001 on shutdown.
 */
export class ParleyWsAdapter extends WsAdapter {
  private readonly log = new Logger('WebSocket');

  private readonly trust: ReturnType<typeof trustFunction>;

  constructor(private readonly app: INestApplication) {
    super(app);
    this.trust = trustFunction(app.get<AppConfig>(CONFIG).security.trustProxy);
  }

  protected override ensureHttpServerExists(port: number, httpServer?: Server): Server | undefined {
    if (this.httpServersRegistry.has(port) || !httpServer)
      return super.ensureHttpServerExists(port, httpServer);
    this.httpServersRegistry.set(port, httpServer);
    httpServer.on('upgrade', (request: UpgradeRequest, socket: Duplex, head: Buffer) => {
      void this.upgrade(port, request, socket, head);
    });
    return httpServer;
  }

  private async upgrade(port: number, request: UpgradeRequest, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    for (const server of (this.wsServersRegistry.get(port) ?? []) as Registered[]) {
      const params = matchPath(server.path, pathname);
      if (!params) continue;
      try {
        const ip = clientIp(request, this.trust);
        const kind = this.app.get(SocketKinds).all.find((definition) => definition.path === server.path);
        if (!kind) break;
        request.parley = await this.app.get(HandshakeService).authorize(request, kind.kind, params, ip);
      } catch (error) {
        const refusal = error instanceof HandshakeRefused ? error : new HandshakeRefused(401, 'unauthorized');
        if (!(error instanceof HandshakeRefused)) this.log.error(error);
        return refuse(socket, refusal);
      }
      server.handleUpgrade(request, socket, head, (ws) => server.emit('connection', ws, request));
      return;
    }
    refuse(socket, new HandshakeRefused(404, 'route_not_found'));
  }

  override bindMessageHandlers(
    client: WebSocket & { parley?: SocketContext },
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    const byType = new Map(handlers.map((h) => [h.message as string, h]));
    // One socket's frames are handled in the order they arrived (add then remove is not remove then add).
    let previous: Promise<void> = Promise.resolve();
    client.on('message', (data: Buffer, isBinary: boolean) => {
      previous = previous.then(() => this.handleFrame(client, byType, transform, data, isBinary));
    });
  }

  /** Every frame is validated here, against its socket kind's union; handlers get it typed. */
  private async handleFrame(
    client: WebSocket & { parley?: SocketContext },
    byType: Map<string, MessageMappingProperties>,
    transform: (data: unknown) => Observable<unknown>,
    data: Buffer,
    isBinary: boolean,
  ): Promise<void> {
    const context = client.parley;
    if (!context) return; // not attached: the handshake let no such socket through
    const reading = readClientFrame(context.kind, data, isBinary);
    if (!reading.ok) return sendFrame(client, errorFrame(reading.error, context, reading.client_id));
    const { frame } = reading;
    const handler = byType.get(frame.type);
    if (!handler) {
      this.log.error(`no handler for ${context.kind} frame ${frame.type}`);
      return sendFrame(
        client,
        errorFrame(new AppError('unknown_frame_type', 400, { frame_type: frame.type }), context),
      );
    }
    try {
      const response = await lastValueFrom(transform(handler.callback(frame, frame.type)), {
        defaultValue: undefined,
      });
      if (response) sendFrame(client, response as ServerFrame);
    } catch (error) {
      sendFrame(client, errorFrame(error, context));
    }
  }

  /** Shutdown: every client is told 1001 (going away) so it reconnects to another instance. */
  override async close(server: WebSocketServer): Promise<void> {
    const closing = [...server.clients].map(
      (ws) =>
        new Promise<void>((resolve) => {
          ws.once('close', () => resolve());
          ws.close(1001, 'server shutting down');
          setTimeout(() => {
            ws.terminate();
            resolve();
          }, 1000).unref();
        }),
    );
    await Promise.all(closing);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function refuse(socket: Duplex, refusal: HandshakeRefused): void {
  const body = JSON.stringify({
    statusCode: refusal.status,
    code: refusal.code,
    message: translate(refusal.code, 'en', refusal.params),
  });
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\n` +
      'Content-Type: application/json\r\nConnection: close\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
