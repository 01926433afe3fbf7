import type {
  CallServerFrame,
  CallSignalClientFrame,
  CallSignalServerFrame,
  CallStartView,
  CallStatus,
  CallView,
  IceServersView,
} from '@parley/contract/calls';
import { FINAL_CALL_STATUSES } from '@parley/contract/calls';
import { api } from '../api/http';
import { ApiError } from '../api/session';
import {
  CallSession,
  MediaError,
  mediaProblemOf,
  openMicrophone,
  type CallNetwork,
  type MediaProblem,
} from './call-session';

const FINAL: readonly CallStatus[] = FINAL_CALL_STATUSES;

export interface IncomingCall {
  callId: string;
  callerName: string;
  conversationId: string | null;
}

/** The call this tab is in (placed or answered here); other tabs of the agent only see its popup close. */
export interface CurrentCall {
  callId: string | null;
  role: 'caller' | 'callee';
  peerName: string;
  status: CallStatus | 'starting';
  answeredAt: number | null;
  muted: boolean;
  ice: RTCIceConnectionState | null;
  network: CallNetwork | null;
}

/** Whether this tab is placing, ringing or in a call (a call that ended and is still shown is not). */
export const inCall = (current: CurrentCall | null): boolean =>
  !!current && !FINAL.includes(current.status as CallStatus);

export interface CallsState {
  incoming: IncomingCall[];
  current: CurrentCall | null;
  /** A refusal to show: a media problem (`calls.errors.*`) or an api message. */
  problem: { media?: MediaProblem; message?: string } | null;
}

type Listener = () => void;
type Sender = (frame: CallSignalClientFrame) => boolean;

/** How long the call view shows how a call ended before it goes. */
const ENDED_SHOWN_MS = 4000;

/**
 * The calls of this tab: popups of incoming calls (from the notifications socket, in every tab),
 * and the one call this tab is in, with its WebRTC session. Frames arrive from Notifications
 * (which owns the socket); signalling goes back through the same shared socket.
 */
class CallStore {
  private state: CallsState = { incoming: [], current: null, problem: null };
  private readonly listeners = new Set<Listener>();
  private session: CallSession | null = null;
  private sender: Sender = () => false;
  /** Frames for a call this tab is placing or answering, heard before its REST answer came back. */
  private early = new Map<string, CallServerFrame[]>();
  private clearTimer: ReturnType<typeof setTimeout> | undefined;

  get snapshot(): CallsState {
    return this.state;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setSender(sender: Sender): void {
    this.sender = sender;
  }

  /** A call frame from the notifications socket. */
  onFrame(frame: CallServerFrame): void {
    const current = this.state.current;
    if (current && current.callId === null) {
      // Placing or answering: keep what comes until the REST answer names the call.
      const held = this.early.get(frame.call_id) ?? [];
      held.push(frame);
      this.early.set(frame.call_id, held.slice(-50));
    }
    if (frame.type === 'incoming_call') {
      if (current?.callId === frame.call_id || this.state.incoming.some((c) => c.callId === frame.call_id))
        return;
      this.set({
        incoming: [
          ...this.state.incoming,
          { callId: frame.call_id, callerName: frame.caller_username, conversationId: frame.conversation_id },
        ],
      });
      return;
    }
    if (frame.type === 'call_state') {
      if (frame.status !== 'ringing')
        this.set({ incoming: this.state.incoming.filter((c) => c.callId !== frame.call_id) });
      if (current?.callId === frame.call_id) this.applyState(frame.call);
      return;
    }
    if (current?.callId === frame.call_id) this.signal(frame);
  }

  /** Calls an agent (or a conversation's assignee, or its website visitor): the microphone first, so a refusal is told before anyone rings. */
  async place(
    target: { agent_id?: string; conversation_id?: string; callee?: 'agent' | 'contact' },
    peerName: string,
  ): Promise<void> {
    if (inCall(this.state.current)) return;
    this.reset();
    this.set({ problem: null, current: this.fresh('caller', peerName) });
    try {
      const stream = await openMicrophone();
      const session = await this.newSession('caller', stream);
      const started = await api<CallStartView>('/calls', { method: 'POST', body: target });
      this.session = session;
      this.named(started.call_id, started.status);
    } catch (error) {
      this.fail(error);
    }
  }

  async accept(call: IncomingCall): Promise<void> {
    if (inCall(this.state.current)) return;
    this.reset();
    this.set({ problem: null, current: this.fresh('callee', call.callerName) });
    try {
      const stream = await openMicrophone();
      this.session = await this.newSession('callee', stream);
      const view = await api<CallView>(`/calls/${call.callId}/accept`, { method: 'POST' });
      this.set({ incoming: this.state.incoming.filter((c) => c.callId !== call.callId) });
      this.named(view.id, view.status, view);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409)
        this.set({ incoming: this.state.incoming.filter((c) => c.callId !== call.callId) });
      // No microphone or no WebRTC here: the caller hears a refusal now rather than ringing to the timeout.
      else if (error instanceof MediaError) void this.reject(call);
      this.fail(error);
    }
  }

  async reject(call: IncomingCall): Promise<void> {
    this.set({ incoming: this.state.incoming.filter((c) => c.callId !== call.callId) });
    await api(`/calls/${call.callId}/reject`, { method: 'POST' }).catch(() => undefined);
  }

  async hangup(failed = false): Promise<void> {
    const current = this.state.current;
    if (!current) return;
    if (!current.callId || FINAL.includes(current.status as CallStatus)) return this.reset();
    try {
      const view = await api<CallView>(`/calls/${current.callId}/hangup`, {
        method: 'POST',
        body: { failed },
      });
      this.applyState(view);
    } catch {
      this.reset();
    }
  }

  /** Best effort when the tab goes away mid-call (a reload loses the WebRTC session anyway). */
  hangupOnUnload(token: string | null): void {
    const current = this.state.current;
    if (!current?.callId || FINAL.includes(current.status as CallStatus) || !token) return;
    void fetch(`/api/v1/calls/${current.callId}/hangup`, {
      method: 'POST',
      keepalive: true,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
  }

  setMuted(muted: boolean): void {
    this.session?.setMuted(muted);
    if (this.state.current) this.set({ current: { ...this.state.current, muted } });
  }

  async useMicrophone(deviceId: string): Promise<void> {
    try {
      await this.session?.useMicrophone(deviceId, this.state.current?.muted ?? false);
      if (this.state.problem) this.set({ problem: null });
    } catch (error) {
      this.set({ problem: { media: mediaProblemOf(error) } });
    }
  }

  quality() {
    return this.session?.quality() ?? null;
  }

  dismiss(): void {
    this.reset();
  }

  private fresh(role: 'caller' | 'callee', peerName: string): CurrentCall {
    return {
      callId: null,
      role,
      peerName,
      status: 'starting',
      answeredAt: null,
      muted: false,
      ice: null,
      network: null,
    };
  }

  private async newSession(role: 'caller' | 'callee', stream: MediaStream): Promise<CallSession> {
    const ice = await api<IceServersView>('/calls/ice-servers').catch(() => ({ ice_servers: [] }));
    return new CallSession(
      role,
      stream,
      ice.ice_servers,
      (kind, data) => {
        const callId = this.state.current?.callId;
        if (callId) this.sender({ type: 'call_signal', call_id: callId, kind, data });
      },
      () => void this.hangup(true),
      (state) => this.state.current && this.set({ current: { ...this.state.current, ice: state } }),
      (network) => this.state.current && this.set({ current: { ...this.state.current, network } }),
    );
  }

  /** The REST answer named the call: it is this tab's now; what was heard meanwhile applies. */
  private named(callId: string, status: CallStatus, view?: CallView): void {
    const current = this.state.current;
    if (!current) return;
    this.set({ current: { ...current, callId, status } });
    if (view) this.applyState(view);
    else if (FINAL.includes(status)) this.finish(status);
    const held = this.early.get(callId) ?? [];
    this.early.clear();
    for (const frame of held) this.onFrame(frame);
  }

  private applyState(call: CallView): void {
    const current = this.state.current;
    if (!current || current.callId !== call.id) return;
    const wasActive = current.status === 'active';
    if (current.status === call.status) return;
    if (FINAL.includes(current.status as CallStatus)) return;
    this.set({
      current: {
        ...current,
        status: call.status,
        answeredAt: call.answered_at ? Date.parse(call.answered_at) : current.answeredAt,
      },
    });
    if (call.status === 'active' && !wasActive && current.role === 'caller') void this.session?.offer();
    if (FINAL.includes(call.status)) this.finish(call.status);
  }

  private signal(frame: CallSignalServerFrame): void {
    void this.session?.handle(frame.kind, frame.data).catch(() => undefined);
  }

  private finish(status: CallStatus): void {
    this.session?.close();
    this.session = null;
    // A microphone that would not switch was this call's; it is not news once the call is over.
    if (this.state.problem) this.set({ problem: null });
    clearTimeout(this.clearTimer);
    this.clearTimer = setTimeout(() => {
      if (this.state.current?.status === status) this.reset();
    }, ENDED_SHOWN_MS);
  }

  private fail(error: unknown): void {
    this.session?.close();
    this.session = null;
    const problem =
      error instanceof ApiError
        ? { message: error.message }
        : { media: error instanceof MediaError ? error.problem : mediaProblemOf(error) };
    this.set({ current: null, problem });
  }

  private reset(): void {
    clearTimeout(this.clearTimer);
    this.session?.close();
    this.session = null;
    this.early.clear();
    this.set({ current: null });
  }

  private set(patch: Partial<CallsState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }
}

export const calls = new CallStore();
