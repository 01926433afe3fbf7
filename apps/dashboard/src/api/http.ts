import { ApiError, session } from './session';

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  form?: FormData;
  /** Sign-in calls carry no token. */
  anonymous?: boolean;
}

async function send(path: string, options: RequestOptions, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { 'accept-language': session.language };
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
  const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!response.ok) {
    const retryAfter = Number(response.headers.get('retry-after')) || undefined;
    throw new ApiError(
      response.status,
      String(json.code ?? 'http_error'),
      String(json.message ?? response.statusText),
      retryAfter,
    );
  }
  return json as T;
}

/** A URL an <audio> or <img> element can load itself: the token rides in the query. */
export function attachmentUrl(messageId: string, index: number): string {
  const token = session.current?.accessToken ?? '';
  return `/api/v1/messages/${messageId}/attachments/${index}?token=${encodeURIComponent(token)}`;
}
