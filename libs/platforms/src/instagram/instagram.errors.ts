import { AxiosError } from 'axios';
import { PlatformError } from '../platform-error';

interface GraphError {
  message?: string;
  code?: number;
  error_subcode?: number;
}

/** Graph API errors → our codes (Meta's "Error Codes" for the Messenger Platform and Instagram). */
export function mapInstagramError(error: unknown): PlatformError {
  if (error instanceof PlatformError) return error;
  if (!(error instanceof AxiosError))
    return new PlatformError('temporary', (error as Error)?.message ?? 'unknown error');
  if (!error.response) return new PlatformError('temporary', `network: ${error.code ?? error.message}`);
  const status = error.response.status;
  const graph = (error.response.data as { error?: GraphError } | undefined)?.error ?? {};
  const reason = graph.message ?? `HTTP ${status}`;
  const retryAfter = Number(error.response.headers['retry-after']) || 60;
  if (graph.code === 190) return new PlatformError('reauthorization_required', reason);
  if (graph.code === 10 && graph.error_subcode === 2534022) return new PlatformError('window_closed', reason);
  // 4, 17, 32, 613: application, user, page and custom-level throttling.
  if ([4, 17, 32, 613].includes(graph.code ?? -1) || status === 429)
    return new PlatformError('rate_limited', reason, retryAfter);
  if (graph.code === 551 || graph.error_subcode === 2534014)
    return new PlatformError('invalid_recipient', reason);
  if (status >= 500 || graph.code === 1 || graph.code === 2) return new PlatformError('temporary', reason);
  return new PlatformError('rejected', reason);
}
