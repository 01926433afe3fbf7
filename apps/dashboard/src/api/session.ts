import type { AuthAnswer, Me, WorkspaceRef } from './types';

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

/** An error the api answered with its stable `code`; `message` is already in the agent's language. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
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

  /** Rotates the refresh token once, however many callers ask at the same time. */
  refresh(): Promise<string | null> {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async doRefresh(): Promise<string | null> {
    const session = this.session;
    if (!session) return null;
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
      // Rejected (expired, reused, agent deactivated): the session is over.
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
