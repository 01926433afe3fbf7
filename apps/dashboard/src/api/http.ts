import type { ErrorBody } from '@parley/contract/error-codes';
import type { MediaLink } from '@parley/contract/views';
import { ApiError, session } from './session';

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  form?: FormData;
  /** Sign-in calls carry no token. */
  anonymous?: boolean;
}

async function send(path: string, options: RequestOptions, token: string | null): Promise<Response> {
  // JSON always: a route that would redirect a browser (Divar's authorize) answers its URL instead.
  const headers: Record<string, string> = { accept: 'application/json', 'accept-language': session.language };
  if (token) headers.authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (options.form) body = options.form;
  else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  return fetch(`/api/v1${path}`, { method: options.method ?? 'GET', headers, body });
}

/** Calls the REST api; a 401 refreshes the session once and tries again. Errors become ApiError. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  let token = options.anonymous ? null : await session.freshToken();
  let response: Response;
  try {
    response = await send(path, options, token);
    if (response.status === 401 && !options.anonymous) {
      token = await session.refresh();
      if (token) response = await send(path, options, token);
    }
  } catch {
    throw new ApiError(0, 'network_error', 'network_error');
  }
  const text = await response.text();
  const json: unknown = text ? JSON.parse(text) : {};
  if (!response.ok) {
    // A proxy's error page is no ErrorBody: it gets http_error and its status text.
    const error = json as Partial<ErrorBody>;
    const retryAfter = Number(response.headers.get('retry-after')) || undefined;
    throw new ApiError(
      response.status,
      error.code ?? 'http_error',
      error.message ?? response.statusText,
      retryAfter,
    );
  }
  return json as T;
}

/** Ask for a new link this long before the old one expires, so an element never starts on a dying one. */
const LINK_MARGIN_MS = 10_000;
const mediaLinks = new Map<string, Promise<{ url: string; expiresAt: number }>>();

/**
 * A short-lived signed URL for one attachment, for what cannot send a header (`<img>`, `<audio>`,
 * a download link): the access token never goes into a URL. Reused while fresh; `renew` asks anew
 * (an element whose link failed).
 */
export async function mediaLink(messageId: string, index: number, renew = false): Promise<string> {
  const key = `${messageId}/${index}`;
  const known = mediaLinks.get(key);
  if (known && !renew) {
    const link = await known.catch(() => null);
    if (link && link.expiresAt - LINK_MARGIN_MS > Date.now()) return link.url;
  }
  const asked = api<MediaLink>(`/messages/${messageId}/attachments/${index}/link`).then((link) => ({
    url: link.url,
    expiresAt: Date.parse(link.expires_at),
  }));
  mediaLinks.set(key, asked);
  asked.catch(() => {
    if (mediaLinks.get(key) === asked) mediaLinks.delete(key);
  });
  return (await asked).url;
}
