import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { AppError } from '@parley/errors/app-error';
import type { ClientSocket } from './socket-hub';
import { errorFrame, sendFrame } from './ws.adapter';

/**
 * A refused frame gets `error {code, message}` and the socket stays open. A refused
 * `chat_message` also echoes its `client_id`, so the client knows which reply was not stored.
 */
@Catch()
export class WsErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('WebSocket');

  catch(exception: unknown, host: ArgumentsHost): void {
    const socket = host.switchToWs().getClient<ClientSocket>();
    if (!(exception instanceof AppError)) this.logger.error(exception);
    const data: unknown = host.switchToWs().getData();
    const clientId =
      data && typeof data === 'object' && typeof (data as { client_id?: unknown }).client_id === 'string'
        ? (data as { client_id: string }).client_id.slice(0, 100)
        : undefined;
    sendFrame(socket, {
      ...errorFrame(exception, socket.parley),
      ...(clientId ? { client_id: clientId } : {}),
    });
  }
}
