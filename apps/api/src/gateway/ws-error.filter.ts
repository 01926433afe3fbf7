import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { AppError } from '@parley/errors/app-error';
import { clientIdOf } from './client-frame.validator';
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
    sendFrame(socket, errorFrame(exception, socket.parley, clientIdOf(host.switchToWs().getData())));
  }
}
