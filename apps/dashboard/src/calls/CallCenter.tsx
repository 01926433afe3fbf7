import { useEffect, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { session } from '../api/session';
import { ErrorLine } from '../ui/ErrorLine';
import { clock } from '../ui/format';
import { useTick } from '../ui/hooks';
import type { CallQuality } from './call-session';
import { calls, type CurrentCall } from './call-store';

export function useCalls() {
  return useSyncExternalStore(
    (listener) => calls.subscribe(listener),
    () => calls.snapshot,
  );
}

/**
 * Mounted in the Shell, so on every page: the popup of each incoming call (accept / reject) and
 * the view of the call this tab is in (timer, mute, microphone, network quality, hang up).
 */
export function CallCenter() {
  const { t } = useTranslation();
  const state = useCalls();

  useEffect(() => {
    const leave = () => calls.hangupOnUnload(session.current?.accessToken ?? null);
    window.addEventListener('pagehide', leave);
    return () => window.removeEventListener('pagehide', leave);
  }, []);

  const problem = state.problem
    ? state.problem.media
      ? t(`calls.errors.${state.problem.media}`)
      : (state.problem.message ?? null)
    : null;

  return (
    <div className="calls-layer">
      {state.incoming.map((call) => (
        <section
          key={call.callId}
          className="call-popup"
          role="alertdialog"
          aria-label={t('calls.incoming', { name: call.callerName })}
          data-testid="incoming-call"
          data-call-id={call.callId}
        >
          <p dir="auto">{t('calls.incoming', { name: call.callerName })}</p>
          <div className="actions">
            <button type="button" className="primary" onClick={() => void calls.accept(call)}>
              {t('calls.accept')}
            </button>
            <button type="button" className="danger" onClick={() => void calls.reject(call)}>
              {t('calls.reject')}
            </button>
          </div>
        </section>
      ))}
      {state.current && <CallView current={state.current} problem={problem} />}
      {problem && !state.current && (
        <section className="call-popup" role="alert" data-testid="call-problem">
          <ErrorLine error={problem} />
          <button type="button" onClick={() => calls.dismiss()}>
            {t('notify.dismiss')}
          </button>
        </section>
      )}
    </div>
  );
}

function CallView({ current, problem }: { current: CurrentCall; problem: string | null }) {
  const { t } = useTranslation();
  const now = useTick(1000);
  const [quality, setQuality] = useState<CallQuality | null>(null);
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [device, setDevice] = useState('');
  const live = current.status === 'active';
  const network = current.network;
  const reconnecting =
    live && (!!network?.reconnecting || current.ice === 'disconnected' || current.ice === 'failed');

  useEffect(() => {
    if (!live) return;
    let stop = false;
    const poll = async () => {
      const next = await calls.quality();
      if (!stop && next) setQuality(next);
    };
    void poll();
    const timer = setInterval(() => void poll(), 1000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [live]);

  useEffect(() => {
    if (!live || !navigator.mediaDevices?.enumerateDevices) return;
    void navigator.mediaDevices
      .enumerateDevices()
      .then((all) => setDevices(all.filter((d) => d.kind === 'audioinput')));
  }, [live]);

  const status =
    current.status === 'active'
      ? current.answeredAt
        ? clock(Math.max(0, Math.floor((now - current.answeredAt) / 1000)))
        : t('calls.status.active')
      : t(`calls.status.${current.status}`);

  return (
    <section
      className="call-view"
      aria-label={t('calls.with', { name: current.peerName })}
      data-testid="call-view"
      data-status={current.status}
      data-bytes-received={quality?.bytesReceived ?? 0}
      data-bytes-sent={quality?.bytesSent ?? 0}
      data-microphone={quality?.microphone ?? ''}
      data-ice-state={current.ice ?? ''}
      data-ice-restarts={network?.restarts ?? 0}
      data-ice-ufrag-local={network?.localUfrag ?? ''}
      data-ice-ufrag-remote={network?.remoteUfrag ?? ''}
      data-reconnecting={reconnecting}
    >
      <p className="call-peer" dir="auto">
        {t('calls.with', { name: current.peerName })}
      </p>
      <p className="call-status" data-testid="call-status" role="status">
        {status}
      </p>
      {live && (
        <p className="call-quality" data-testid="call-quality">
          {t('calls.quality', {
            rtt: quality?.rttMs ?? '—',
            loss: quality?.lossPercent === null || !quality ? '—' : quality.lossPercent.toFixed(1),
          })}
        </p>
      )}
      {reconnecting && (
        <p className="call-reconnecting" data-testid="call-reconnecting" role="status">
          {t('calls.reconnecting')}
        </p>
      )}
      {problem && <ErrorLine error={problem} />}
      <div className="actions">
        {live && (
          <button type="button" aria-pressed={current.muted} onClick={() => calls.setMuted(!current.muted)}>
            {current.muted ? t('calls.unmute') : t('calls.mute')}
          </button>
        )}
        {live && devices.length > 1 && (
          <select
            aria-label={t('calls.microphone')}
            value={device}
            onChange={(event) => {
              setDevice(event.target.value);
              void calls.useMicrophone(event.target.value);
            }}
          >
            <option value="">{t('calls.defaultMicrophone')}</option>
            {devices.map((d, i) => (
              <option key={d.deviceId || i} value={d.deviceId}>
                {d.label || t('calls.microphoneN', { n: i + 1 })}
              </option>
            ))}
          </select>
        )}
        {current.status === 'starting' || current.status === 'ringing' || live ? (
          <button type="button" className="danger" onClick={() => void calls.hangup()}>
            {t('calls.hangup')}
          </button>
        ) : (
          <button type="button" onClick={() => calls.dismiss()}>
            {t('notify.dismiss')}
          </button>
        )}
      </div>
    </section>
  );
}
