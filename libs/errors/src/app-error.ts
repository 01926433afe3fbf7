import type { ErrorCode } from '@parley/contract/error-codes';
import type { ErrorParam } from './translate';

/** The one error the domain throws; the filter turns it into `{statusCode, code, message}`. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly statusCode: number,
    /** Values interpolated into the localized message, e.g. {field}; a LocalizedText follows the reader's language. */
    readonly params: Record<string, ErrorParam> = {},
    /** Extra machine-readable detail returned beside the message (e.g. which fields failed). */
    readonly details?: unknown,
  ) {
    super(code);
  }
}

export const notFound = (resource: string) => new AppError('not_found', 404, { resource });
export const forbidden = () => new AppError('forbidden', 403);
export const unauthorized = (code: ErrorCode = 'unauthorized') => new AppError(code, 401);
