import type {
  VisitorClientFrame,
  VisitorServerFrame,
  VisitorSession,
  WidgetConfig,
  WidgetMessageView,
  WidgetMessagesPage,
  VisitorIdentity,
} from '@parley/contract/widget';

/** The visitor REST (`/widget/v1`) of the api this frame was served from. */
export class VisitorApi {
  token: string | null = null;

  constructor(private readonly channel: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    const response = await fetch(`/widget/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return (await response.json()) as T;
  }

  config(origin: string): Promise<WidgetConfig> {
    return this.call(
      'GET',
      `/channels/${encodeURIComponent(this.channel)}/config?origin=${encodeURIComponent(origin)}`,
    );
  }

  async session(input: {
    origin: string;
    visitor_token?: string;
    identity?: VisitorIdentity;
    language: string;
    invitation?: string;
  }): Promise<VisitorSession> {
    const session = await this.call<VisitorSession>(
      'POST',
      `/channels/${encodeURIComponent(this.channel)}/sessions`,
      input,
    );
    this.token = session.visitor_token;
    return session;
  }

  messages(before?: number): Promise<WidgetMessagesPage> {
    return this.call('GET', `/messages${before ? `?before=${before}` : ''}`);
  }

  send(content: string, clientId: string, buttonPayload?: string): Promise<WidgetMessageView> {
    return this.call('POST', '/messages', {
      content,
      client_id: clientId,
      ...(buttonPayload ? { button_payload: buttonPayload } : {}),
    });
  }

  /** Words for the visitor's rating (the request its stars carried): once, within the comment window. */
  rateComment(requestId: string, comment: string): Promise<{ comment: string }> {
    return this.call('POST', `/ratings/${encodeURIComponent(requestId)}/comment`, { comment });
  }

  /** A page to call the agent on (the visitor's conversation must have one). */
  callLink(): Promise<{ url: string }> {
    return this.call('POST', '/call-link');
  }

  /** What the visitor told the pre-chat or offline form. */
  contact(details: { name?: string; email?: string; phone?: string }): Promise<unknown> {
    return this.call('POST', '/contact', details);
  }

  /** A file or voice note, with upload progress (fetch has none for uploads: XMLHttpRequest). */
  upload(
    file: Blob,
    fields: { kind: string; file_name: string; client_id: string; duration?: number },
    progress: (percent: number) => void,
  ): Promise<WidgetMessageView> {
    return new Promise((resolve, reject) => {
      const form = new FormData();
      form.append('kind', fields.kind);
      form.append('client_id', fields.client_id);
      if (fields.duration !== undefined) form.append('duration', String(fields.duration));
      form.append('file', file, fields.file_name);
      const xhr = new XMLHttpRequest();
      xhr.open('POST', '/widget/v1/attachments');
      if (this.token) xhr.setRequestHeader('Authorization', `Bearer ${this.token}`);
      xhr.upload.onprogress = (e) => e.lengthComputable && progress(Math.round((e.loaded / e.total) * 100));
      xhr.onload = () =>
        xhr.status < 300 ? resolve(JSON.parse(xhr.responseText)) : reject(new Error(`HTTP ${xhr.status}`));
      xhr.onerror = () => reject(new Error('network'));
      xhr.send(form);
    });
  }
}

/**
 * The visitor socket, kept up: reconnects with backoff and `?since=<last seq>`, so the server replays
 * from Postgres what was missed; the frame merges by id, so nothing is lost or shown twice.
 */
export class VisitorSocket {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private ping: ReturnType<typeof setInterval> | undefined;
  private stopped = false;

  constructor(
    private readonly origin: string,
    private readonly token: () => string,
    private readonly since: () => number,
    private readonly onFrame: (frame: VisitorServerFrame) => void,
    private readonly onState: (connected: boolean) => void,
  ) {}

  start(): void {
    const since = this.since();
    const url = new URL('/ws/visitor/', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('origin', this.origin);
    if (since > 0) url.searchParams.set('since', String(since));
    const socket = new WebSocket(url, ['bearer', this.token()]);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.onState(true);
      this.ping = setInterval(() => this.send({ type: 'ping' }), 25_000);
    };
    socket.onmessage = (event) => {
      try {
        this.onFrame(JSON.parse(String(event.data)) as VisitorServerFrame);
      } catch {
        // Not a frame of ours: ignored.
      }
    };
    socket.onclose = () => {
      clearInterval(this.ping);
      if (this.socket !== socket || this.stopped) return;
      this.onState(false);
      const delay = Math.min(15_000, 500 * 2 ** this.attempt++) * (0.75 + Math.random() / 2);
      this.timer = setTimeout(() => this.start(), delay);
    };
  }

  send(frame: VisitorClientFrame): boolean {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.close(1000);
  }
}
