import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { ErrorCode } from '@parley/contract/error-codes';
import { AppError } from './app-error';
import { pickLocale, translate } from './translate';

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'validation_failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'route_not_found',
  413: 'payload_too_large',
  429: 'rate_limited',
  503: 'service_unavailable',
};

/** Turns every error into `{statusCode, code, message}` with the message in the caller's language. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    const error = this.toAppError(exception);
    const locale = pickLocale(request.headers['accept-language']);
    if (error.statusCode >= 500) this.logger.error(exception);
    const retryAfter = error.params.retry_after;
    if (retryAfter !== undefined) response.setHeader('Retry-After', String(retryAfter));
    response.status(error.statusCode).json({
      statusCode: error.statusCode,
      code: error.code,
      message: translate(error.code, locale, error.params),
      ...(retryAfter !== undefined ? { retry_after: retryAfter } : {}),
      ...(error.details !== undefined ? { details: error.details } : {}),
    });
  }

  private toAppError(exception: unknown): AppError {
    if (exception instanceof AppError) return exception;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // body-parser's errors arrive as HttpExceptions carrying the parser's type.
      const cause = exception.cause as { type?: string } | undefined;
      if (status === 400 && (cause?.type === 'entity.parse.failed' || /JSON/i.test(exception.message))) {
        return new AppError('invalid_json', 400);
      }
      return new AppError(
        CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal_error' : 'validation_failed'),
        status,
        {
          problems: exception.message,
        },
      );
    }
    // Deadlock or serialization failure: nothing was written; the client may simply try again.
    const pgCode = (exception as { driverError?: { code?: string }; code?: string })?.driverError?.code;
    if (pgCode === '40P01' || pgCode === '40001') return new AppError('service_unavailable', 503);
    const bodyParserError = exception as { type?: string; status?: number };
    if (bodyParserError?.type === 'entity.parse.failed') return new AppError('invalid_json', 400);
    if (bodyParserError?.type === 'entity.too.large') return new AppError('payload_too_large', 413);
    if (bodyParserError?.status === 400)
      return new AppError('validation_failed', 400, { problems: 'bad request' });
    return new AppError('internal_error', 500);
  }
}
