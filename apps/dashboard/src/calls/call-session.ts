import type { CallSignalData, CallSignalKind, IceServerView } from '@parley/contract/calls';

/** Why a call cannot use the microphone or WebRTC, as the agent is told (i18n `calls.errors.*`). */
export type MediaProblem =
  'microphone_denied' | 'microphone_missing' | 'webrtc_unsupported' | 'microphone_failed';

export class MediaError extends Error {
  constructor(readonly problem: MediaProblem) {
    super(problem);
  }
}

/** The browser's refusal, in the words the agent is shown. */
export function mediaProblemOf(error: unknown): MediaProblem {
  if (error instanceof MediaError) return error.problem;
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'microphone_denied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'microphone_missing';
  return 'microphone_failed';
}

/** The microphone (a chosen one, or the default), or why not. */
export async function openMicrophone(deviceId?: string): Promise<MediaStream> {
  if (typeof RTCPeerConnection === 'undefined' || !navigator.mediaDevices?.getUserMedia)
    throw new MediaError('webrtc_unsupported');
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: deviceId
        ? { deviceId: { exact: deviceId } }
        : { echoCancellation: true, noiseSuppression: true },
      video: false,
    });
  } catch (error) {
    throw new MediaError(mediaProblemOf(error));
  }
}

/** What the call view shows of the connection, from getStats. */
export interface CallQuality {
  /** Round-trip time of the selected candidate pair, ms. */
  rttMs: number | null;
  /** Packets lost of those expected inbound, percent. */
  lossPercent: number | null;
  /** Audio bytes received so far (it grows while the other side is heard). */
  bytesReceived: number;
  bytesSent: number;
  /** The label of the microphone being sent (what the selector switched to). */
  microphone: string | null;
}

/**
 * The ICE side of a call, as the call view shows it (and a support engineer reads it from the call
 * view's data attributes): whether a restart is under way, how many there were, and the ICE
 * credentials (`a=ice-ufrag`) of each side's current description, which a restart changes.
 */
export interface CallNetwork {
  reconnecting: boolean;
  restarts: number;
  localUfrag: string | null;
  remoteUfrag: string | null;
}

const ufragOf = (sdp: string | undefined): string | null => sdp?.match(/^a=ice-ufrag:(\S+)/m)?.[1] ?? null;

const RESTART_AFTER_DISCONNECT_MS = 3000;
const MAX_RESTARTS = 4;

/**
 * One call's RTCPeerConnection. The caller makes the offer once the call is active; the callee
 * answers. ICE candidates trickle both ways through `send`. When the connection fails (or stays
 * disconnected a few seconds, e.g. the network changed) the caller restarts ICE with a new offer;
 * the callee asks it to (`restart`). After too many restarts that fail, `onFailed` is called.
 * When the browser reports a network change (`online`, `navigator.connection` `change`) it does not
 * wait for the connection to drop: it restarts ICE at once, so the new network's candidates are used.
 */
export class CallSession {
  private readonly pc: RTCPeerConnection;
  private readonly audio = new Audio();
  private pending: RTCIceCandidateInit[] = [];
  private restarts = 0;
  private disconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private lastLoss = { lost: 0, received: 0 };
  private network: CallNetwork = { reconnecting: false, restarts: 0, localUfrag: null, remoteUfrag: null };
  private readonly unwatchNetwork: () => void;

  constructor(
    private readonly role: 'caller' | 'callee',
    private stream: MediaStream,
    iceServers: IceServerView[],
    private readonly send: (kind: CallSignalKind, data: CallSignalData) => void,
    private readonly onFailed: () => void,
    private readonly onState: (state: RTCIceConnectionState) => void,
    private readonly onNetwork: (network: CallNetwork) => void = () => undefined,
  ) {
    this.pc = new RTCPeerConnection({ iceServers });
    for (const track of stream.getAudioTracks()) this.pc.addTrack(track, stream);
    this.audio.autoplay = true;
    this.pc.ontrack = (event) => {
      this.audio.srcObject = event.streams[0] ?? new MediaStream([event.track]);
      void this.audio.play().catch(() => undefined);
    };
    this.pc.onicecandidate = (event) => {
      if (!event.candidate) return;
      const c = event.candidate.toJSON();
      this.send('ice', {
        candidate: {
          candidate: c.candidate ?? '',
          sdpMid: c.sdpMid ?? null,
          sdpMLineIndex: c.sdpMLineIndex ?? null,
          usernameFragment: c.usernameFragment ?? null,
        },
      });
    };
    this.pc.oniceconnectionstatechange = () => this.iceStateChanged();
    this.unwatchNetwork = this.watchNetwork();
  }

  /** The caller's first offer (the call was just answered). */
  async offer(iceRestart = false): Promise<void> {
    const offer = await this.pc.createOffer({ iceRestart });
    await this.pc.setLocalDescription(offer);
    this.describe();
    this.send('offer', { sdp: offer.sdp ?? '' });
  }

  async handle(kind: CallSignalKind, data: CallSignalData): Promise<void> {
    if (this.closed) return;
    if (kind === 'offer' && data.sdp !== undefined) {
      // New credentials from the caller: it restarts ICE (its network changed, or it lost us).
      if (this.network.remoteUfrag && ufragOf(data.sdp) !== this.network.remoteUfrag)
        this.setNetwork({ reconnecting: true });
      await this.pc.setRemoteDescription({ type: 'offer', sdp: data.sdp });
      await this.flushCandidates();
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      this.describe();
      this.send('answer', { sdp: answer.sdp ?? '' });
    } else if (kind === 'answer' && data.sdp !== undefined) {
      await this.pc.setRemoteDescription({ type: 'answer', sdp: data.sdp });
      await this.flushCandidates();
      this.describe();
    } else if (kind === 'ice' && data.candidate) {
      if (this.pc.remoteDescription) await this.pc.addIceCandidate(data.candidate).catch(() => undefined);
      else this.pending.push(data.candidate);
    } else if (kind === 'restart' && this.role === 'caller') {
      this.setNetwork({ reconnecting: true });
      await this.restart();
    }
  }

  setMuted(muted: boolean): void {
    for (const track of this.stream.getAudioTracks()) track.enabled = !muted;
  }

  /** Another microphone, swapped in without renegotiating. */
  async useMicrophone(deviceId: string, muted: boolean): Promise<void> {
    const next = await openMicrophone(deviceId);
    const track = next.getAudioTracks()[0];
    track.enabled = !muted;
    const sender = this.pc.getSenders().find((s) => s.track?.kind === 'audio');
    try {
      await sender?.replaceTrack(track);
    } catch (error) {
      for (const unused of next.getTracks()) unused.stop();
      throw error;
    }
    for (const old of this.stream.getTracks()) old.stop();
    this.stream = next;
  }

  async quality(): Promise<CallQuality> {
    const sending = this.pc.getSenders().find((s) => s.track?.kind === 'audio')?.track;
    const quality: CallQuality = {
      rttMs: null,
      lossPercent: null,
      bytesReceived: 0,
      bytesSent: 0,
      microphone: sending?.label ?? null,
    };
    const stats = await this.pc.getStats();
    let lost = 0;
    let received = 0;
    stats.forEach((report: RTCStats & Record<string, unknown>) => {
      if (report.type === 'candidate-pair' && report.state === 'succeeded' && report.nominated) {
        const rtt = report.currentRoundTripTime;
        if (typeof rtt === 'number') quality.rttMs = Math.round(rtt * 1000);
      }
      if (report.type === 'inbound-rtp' && report.kind === 'audio') {
        quality.bytesReceived += Number(report.bytesReceived ?? 0);
        lost += Number(report.packetsLost ?? 0);
        received += Number(report.packetsReceived ?? 0);
      }
      if (report.type === 'outbound-rtp' && report.kind === 'audio')
        quality.bytesSent += Number(report.bytesSent ?? 0);
    });
    // Loss over the last interval, not since the start: a bad minute an hour ago is not news.
    const dLost = lost - this.lastLoss.lost;
    const dReceived = received - this.lastLoss.received;
    if (dLost + dReceived > 0) quality.lossPercent = Math.max(0, (100 * dLost) / (dLost + dReceived));
    this.lastLoss = { lost, received };
    return quality;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.disconnectTimer);
    this.unwatchNetwork();
    for (const track of this.stream.getTracks()) track.stop();
    this.pc.close();
    this.audio.srcObject = null;
  }

  private async flushCandidates(): Promise<void> {
    for (const candidate of this.pending.splice(0))
      await this.pc.addIceCandidate(candidate).catch(() => undefined);
  }

  private iceStateChanged(): void {
    const state = this.pc.iceConnectionState;
    this.onState(state);
    clearTimeout(this.disconnectTimer);
    if (state === 'connected' || state === 'completed') {
      this.restarts = 0;
      this.describe();
      return;
    }
    if (state === 'failed') void this.recover();
    // Disconnected often heals by itself (a lost packet or two); a changed network does not.
    if (state === 'disconnected')
      this.disconnectTimer = setTimeout(() => void this.recover(), RESTART_AFTER_DISCONNECT_MS);
  }

  private async recover(): Promise<void> {
    if (this.closed) return;
    if (this.restarts >= MAX_RESTARTS) return this.onFailed();
    this.setNetwork({ reconnecting: true });
    if (this.role === 'callee') {
      this.restarts++;
      this.send('restart', {});
      return;
    }
    await this.restart();
  }

  private async restart(): Promise<void> {
    this.restarts++;
    this.pc.restartIce();
    await this.offer(true);
  }

  /** Listens for the browser's word that the network changed; returns how to stop listening. */
  private watchNetwork(): () => void {
    const changed = () => void this.networkChanged().catch(() => undefined);
    const connection = (navigator as Navigator & { connection?: EventTarget }).connection;
    window.addEventListener('online', changed);
    connection?.addEventListener?.('change', changed);
    return () => {
      window.removeEventListener('online', changed);
      connection?.removeEventListener?.('change', changed);
    };
  }

  /**
   * A new network (Wi-Fi to mobile data, a cable plugged in): the old candidate pair may be dead
   * already, so ICE restarts now: the caller with a new offer, the callee by asking the caller.
   * Not counted against MAX_RESTARTS: it answers a change, not a failure.
   */
  private async networkChanged(): Promise<void> {
    if (this.closed || !this.pc.remoteDescription || !this.pc.localDescription) return;
    this.setNetwork({ reconnecting: true });
    if (this.role === 'callee') return this.send('restart', {});
    this.pc.restartIce();
    await this.offer(true);
  }

  /**
   * Reads the ICE credentials of both descriptions: a new local one is a restart done on this
   * side; with both described and ICE connected, the reconnection is over.
   */
  private describe(): void {
    const localUfrag = ufragOf(this.pc.localDescription?.sdp);
    const remoteUfrag = ufragOf(this.pc.remoteDescription?.sdp);
    const restarted = !!this.network.localUfrag && !!localUfrag && localUfrag !== this.network.localUfrag;
    const ice = this.pc.iceConnectionState;
    const settled = this.pc.signalingState === 'stable' && (ice === 'connected' || ice === 'completed');
    this.setNetwork({
      localUfrag,
      remoteUfrag,
      restarts: this.network.restarts + (restarted ? 1 : 0),
      reconnecting: this.network.reconnecting && !settled,
    });
  }

  private setNetwork(patch: Partial<CallNetwork>): void {
    const next = { ...this.network, ...patch };
    if (
      next.reconnecting === this.network.reconnecting &&
      next.restarts === this.network.restarts &&
      next.localUfrag === this.network.localUfrag &&
      next.remoteUfrag === this.network.remoteUfrag
    )
      return;
    this.network = next;
    this.onNetwork(next);
  }
}
