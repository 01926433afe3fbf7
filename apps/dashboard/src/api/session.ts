import type { AuthAnswer, SessionAgent, WorkspaceRef } from '@parley/contract/auth';
import type { ErrorCode } from '@parley/contract/error-codes';

/** The signed-in agent as stored; sessions stored before `is_operator` existed lack it. */
export type Me = Omit<SessionAgent, 'is_operator'> & { is_operator?: boolean };

/** Refresh this long before the access token expires, so a socket never opens with a stale one. */
const REFRESH_MARGIN_MS = 60_000;
const STORAGE_KEY = 'parley.session';

export interface StoredSession {
  accessToken: string;
  refreshToken: string;
  /** epoch ms */
  expiresAt: number;
  agent: Me;
  workspace: WorkspaceRef;
}

/** The api's stable codes, and ours for no answer at all or an answer that is not the api's. */
export type ApiErrorCode = ErrorCode | 'network_error' | 'http_error';

/** An error the api answered with its stable `code`; `message` is already in the agent's language. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

type Listener = (session: StoredSession | null) => void;

/**
 * The signed-in agent's tokens: kept in localStorage (so a reload stays signed in), refreshed
 * silently before they expire and on a 401, rotated as the api requires (one refresh in flight).
 */
class SessionStore {
  private session: StoredSession | null = null;
  private refreshing: Promise<string | null> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<Listener>();
  language = 'en';

  constructor() {
    try {
      const raw = localStorage.getItem(STORAGE_KEY);
      if (raw) this.session = JSON.parse(raw) as StoredSession;
    } catch {
      this.session = null;
    }
    this.schedule();
    // Another tab refreshed or signed out: follow it.
    window.addEventListener('storage', (event) => {
      if (event.key !== STORAGE_KEY) return;
      this.session = event.newValue ? (JSON.parse(event.newValue) as StoredSession) : null;
      this.schedule();
      this.emit();
    });
  }

  get current(): StoredSession | null {
    return this.session;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  signIn(answer: AuthAnswer): void {
    this.store({
      accessToken: answer.access_token,
      refreshToken: answer.refresh_token,
      expiresAt: Date.now() + answer.expires_in * 1000,
      agent: answer.agent,
      workspace: answer.workspace,
    });
  }

  signOut(): void {
    this.store(null);
  }

  /** An access token good for at least a minute more, refreshing first when needed; null when signed out. */
  async freshToken(): Promise<string | null> {
    if (!this.session) return null;
    if (this.session.expiresAt - Date.now() > REFRESH_MARGIN_MS) return this.session.accessToken;
    return this.refresh();
  }

  /**
   * Rotates the refresh token once, however many callers ask at the same time — and, with Web
   * Locks, however many tabs: the refresh token is one per browser, and a second tab presenting it
   * after the first spent it would be refused. Inside the lock, a tab first takes a session another
   * tab has just stored.
   */
  refresh(): Promise<string | null> {
    if (!this.refreshing) {
      const run = (): Promise<string | null> => this.doRefresh();
      const locked =
        'locks' in navigator
          ? new Promise<string | null>((resolve, reject) => {
              // Held until this tab's refresh settles.
              void navigator.locks.request('parley.refresh', () => run().then(resolve, reject));
            })
          : run();
      this.refreshing = locked.finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  /** The session another tab stored, if it is newer than ours (same agent). */
  private newerStored(than: StoredSession): StoredSession | null {
    try {
      const raw = localStorage.getItem(STORAGE_KEY);
      const stored = raw ? (JSON.parse(raw) as StoredSession) : null;
      return stored && stored.agent.id === than.agent.id && stored.refreshToken !== than.refreshToken
        ? stored
        : null;
    } catch {
      return null;
    }
  }

  private async doRefresh(): Promise<string | null> {
    const before = this.session;
    if (!before) return null;
    const adopted = this.newerStored(before);
    if (adopted && adopted.expiresAt - Date.now() > REFRESH_MARGIN_MS) {
      this.session = adopted;
      this.schedule();
      this.emit();
      return adopted.accessToken;
    }
    const session = adopted ?? before;
    let response: Response;
    try {
      response = await fetch('/api/v1/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'accept-language': this.language },
        body: JSON.stringify({ refresh_token: session.refreshToken }),
      });
    } catch {
      return null; // offline: keep the session, try again later
    }
    if (!response.ok) {
      // A tab without Web Locks lost a race with another: follow the session that tab stored.
      const winner = this.newerStored(session);
      if (winner) {
        this.session = winner;
        this.schedule();
        this.emit();
        return winner.accessToken;
      }
      // Rejected (expired, revoked, agent deactivated): the session is over.
      if (response.status === 400 || response.status === 401 || response.status === 403) this.signOut();
      return null;
    }
    this.signIn((await response.json()) as AuthAnswer);
    return this.session?.accessToken ?? null;
  }

  private store(session: StoredSession | null): void {
    this.session = session;
    if (session) localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    else localStorage.removeItem(STORAGE_KEY);
    this.schedule();
    this.emit();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (!this.session) return;
    const delay = Math.max(5_000, this.session.expiresAt - Date.now() - REFRESH_MARGIN_MS);
    this.timer = setTimeout(() => void this.refresh(), delay);
  }

  private emit(): void {
    for (const listener of this.listeners) listener(this.session);
  }
}

export const session = new SessionStore();
