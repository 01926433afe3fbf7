import type { ClientFrame, ClientFrameOf } from '@parley/contract/client-frames';
import type { ServerFrame } from '@parley/contract/server-frames';
import { SESSION_CLOSE, type SocketKind } from '@parley/contract/sockets';
import { session } from './session';

export type SocketState = 'connecting' | 'open' | 'reconnecting' | 'paused' | 'closed';

const BACKOFF_START_MS = 500;
const BACKOFF_MAX_MS = 15_000;
const PING_EVERY_MS = 25_000;

/**
 * One of the api's sockets (/ws/chat/{id}/, /ws/conversations/, /ws/notifications/), kept open:
 * it reconnects with exponential backoff and jitter, and resumes with `?since=<last seq seen>` so
 * the server replays what was missed from Postgres. Frames carry `seq`; a frame at or below the
 * cursor was already handled and is dropped, so a replay never shows anything twice. Frames are
 * typed by the socket's kind (libs/contract).
 */
export class LiveSocket<K extends SocketKind> {
  private ws: WebSocket | null = null;
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pinger: ReturnType<typeof setInterval> | undefined;
  private stopped = false;
  private paused = false;
  /** Bumped by every connect(), so one that awaited a token while another started gives way. */
  private epoch = 0;
  private lastSeq: number | null = null;
  /** The frame types already handled at lastSeq. */
  private readonly typesAtLastSeq = new Set<string>();
  /** The access token this socket last proved itself with; a newer one is sent as `auth`. */
  private token: string | null = null;
  private readonly unsubscribe: () => void;
  state: SocketState = 'connecting';

  constructor(
    readonly kind: K,
    private readonly path: string,
    private readonly onFrame: (frame: ServerFrame<K>) => void,
    private readonly onState: (state: SocketState) => void = () => undefined,
  ) {
    // The server closes a socket (4001) when its token expires: each silent refresh renews it.
    this.unsubscribe = session.subscribe((current) => {
      if (
        current &&
        current.accessToken !== this.token &&
        this.write({ type: 'auth', token: current.accessToken })
      )
        this.token = current.accessToken;
    });
    void this.connect();
  }

  /** Sends a frame; false when the socket is not open (the caller tells the agent). */
  send(frame: ClientFrame<K>): boolean {
    return this.write(frame);
  }

  /** Also `auth` and `ping`, which every socket kind takes. */
  private write(frame: ClientFrame<K> | ClientFrameOf<'auth' | 'ping'>): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Lets go of the connection (and its slot under the per-agent cap) but keeps the cursor for resume(). */
  pause(): void {
    if (this.stopped || this.paused) return;
    this.paused = true;
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    this.ws?.close(1000);
    this.ws = null;
    this.setState('paused');
  }

  /** Connects again after pause(), with `?since=` so the server replays what happened meanwhile. */
  resume(): void {
    if (this.stopped || !this.paused) return;
    this.paused = false;
    this.attempts = 0;
    this.setState('connecting');
    void this.connect();
  }

  close(): void {
    this.unsubscribe();
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    this.ws?.close(1000);
    this.setState('closed');
  }

  private setState(state: SocketState): void {
    if (this.state === state) return;
    this.state = state;
    this.onState(state);
  }

  private async connect(): Promise<void> {
    if (this.stopped || this.paused) return;
    const epoch = ++this.epoch;
    const token = await session.freshToken();
    if (this.paused || epoch !== this.epoch) return;
    if (!token || this.stopped) return this.setState('closed');
    const url = new URL(this.path, window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (this.lastSeq !== null) url.searchParams.set('since', String(this.lastSeq));
    // The token goes in the subprotocol, not the URL, so it stays out of access logs.
    const ws = new WebSocket(url, ['bearer', token]);
    this.ws = ws;
    this.token = token;
    ws.onopen = () => {
      this.attempts = 0;
      this.setState('open');
      clearInterval(this.pinger);
      this.pinger = setInterval(() => this.write({ type: 'ping' }), PING_EVERY_MS);
    };
    ws.onmessage = (event) => {
      if (this.ws !== ws) return;
      let frame: ServerFrame<K>;
      try {
        // The server sends this path's kind of frames only.
        frame = JSON.parse(String(event.data)) as ServerFrame<K>;
      } catch {
        return;
      }
      this.handle(frame);
    };
    ws.onclose = (event) => {
      clearInterval(this.pinger);
      if (this.ws !== ws || this.stopped || this.paused) return;
      if (event.code === SESSION_CLOSE.forbidden) {
        // Deactivated: the server will refuse every new handshake too.
        this.setState('closed');
        session.signOut();
        return;
      }
      this.setState('reconnecting');
      if (event.code === SESSION_CLOSE.ended) {
        // The session ended (expired, signed out elsewhere, password or role changed): a refresh
        // either continues it (signing out when it cannot), then the socket resumes.
        void session.refresh().then(() => this.connect());
        return;
      }
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** this.attempts++);
      this.timer = setTimeout(() => void this.connect(), delay / 2 + Math.random() * (delay / 2));
    };
  }

  private handle(frame: ServerFrame<K>): void {
    const received: ServerFrame = frame;
    if (received.type === 'ready' || received.type === 'recent_messages') {
      if (this.lastSeq === null || received.last_seq > this.lastSeq) this.lastSeq = received.last_seq;
      this.onFrame(frame);
      return;
    }
    if ('seq' in received && received.seq !== undefined) {
      // One event may make several frames (a missed call: its state and a notification): same seq, other types.
      const again = received.seq === this.lastSeq && !this.typesAtLastSeq.has(received.type);
      if (this.lastSeq !== null && received.seq <= this.lastSeq && !again) return;
      if (received.seq !== this.lastSeq) this.typesAtLastSeq.clear();
      this.typesAtLastSeq.add(received.type);
      this.lastSeq = received.seq;
    }
    this.onFrame(frame);
  }
}
