import WebSocket from 'ws';

export interface Frame {
  type: string;
  [key: string]: any;
}

/** A real `ws` client that records every frame and waits for conditions with a bound. */
export class WsClient {
  readonly frames: Frame[] = [];
  private readonly waiters = new Set<() => void>();
  closeCode: number | null = null;
  closeReason = '';

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      for (const wake of this.waiters) wake();
    });
    socket.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
      for (const wake of this.waiters) wake();
    });
  }

  /** Opens a socket; rejects with `{status}` when the handshake is refused. */
  static connect(
    baseUrl: string,
    path: string,
    auth: {
      token?: string;
      protocol?: boolean;
      since?: number;
      autoPong?: boolean;
      headers?: Record<string, string>;
    } = {},
  ): Promise<WsClient> {
    const url = new URL(path, baseUrl.replace(/^http/, 'ws'));
    if (auth.token && !auth.protocol) url.searchParams.set('token', auth.token);
    if (auth.since !== undefined) url.searchParams.set('since', String(auth.since));
    const socket = new WebSocket(url, auth.protocol && auth.token ? ['bearer', auth.token] : undefined, {
      autoPong: auth.autoPong ?? true,
      headers: auth.headers,
    });
    const client = new WsClient(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () =>
          reject(
            Object.assign(new Error(`handshake refused: ${res.statusCode}`), {
              status: res.statusCode,
              body,
            }),
          ),
        );
      });
      socket.once('error', reject);
    });
  }

  send(frame: object | string): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first frame (from `from` on) matching the predicate, waiting up to `timeoutMs`. */
  async next(predicate: (frame: Frame) => boolean, timeoutMs = 5000, from = 0): Promise<Frame> {
    const found = () => this.frames.slice(from).find(predicate);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = found();
      if (frame) return frame;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no matching frame in ${timeoutMs} ms; got ${JSON.stringify(this.frames.map((f) => f.type))}`,
        );
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }

  ofType(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }

  /** Waits until the server closes the socket; returns the close code. */
  async closed(timeoutMs = 5000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.closeCode === null) {
      if (Date.now() > deadline) throw new Error('socket was not closed');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.closeCode;
  }

  close(): void {
    this.socket.close();
  }
}

/** Waits for a socket-side condition (no fixed sleeps): resolves when `check` stops throwing. */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
