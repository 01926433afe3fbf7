import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { clock } from '../ui/format';
import type { MediaLinkState } from '../ui/hooks';

/** A failed load (most likely an expired link while seeking) asks for a new link, a couple of times at most. */
const MAX_RENEWALS = 2;

/**
 * A voice note: play/pause, a moving progress bar (seekable with the keyboard) and the duration.
 * It plays from a signed link: checked before each play, renewed when a load fails, and resumed
 * where it was.
 */
export function VoicePlayer({
  link,
  duration,
  mime,
  playable,
}: {
  link: MediaLinkState;
  duration: number | null;
  mime: string | null;
  /** The server keeps a copy every browser plays (of a customer's OGG/Opus, which Safari before 17 does not). */
  playable: boolean;
}) {
  const { t } = useTranslation();
  const audio = useRef<HTMLAudioElement>(null);
  const [playing, setPlaying] = useState(false);
  const [position, setPosition] = useState(0);
  const [length, setLength] = useState(duration ?? 0);
  // Where to pick up once a new link is in the element (React sets src on the next render).
  const resume = useRef<{ at: number; play: boolean } | null>(null);
  const renewals = useRef(0);
  // The original where this browser plays it; the server's M4A copy where it does not.
  const [useCopy] = useState(() => playable && !document.createElement('audio').canPlayType(mime ?? ''));
  const variant = (url: string | null) => (url && useCopy ? `${url}?variant=playable` : url);
  const src = variant(link.url);

  useEffect(() => {
    const element = audio.current!;
    const pending = resume.current;
    if (!pending || !src) return;
    resume.current = null;
    element.currentTime = pending.at;
    if (pending.play) void element.play().catch(() => setPlaying(false));
  }, [src]);

  useEffect(() => {
    const element = audio.current!;
    const onError = () => {
      if (renewals.current++ >= MAX_RENEWALS) return;
      resume.current = { at: element.currentTime, play: !element.paused || playing };
      void link.renew();
    };
    element.addEventListener('error', onError);
    return () => element.removeEventListener('error', onError);
  }, [link, playing]);

  useEffect(() => {
    const element = audio.current!;
    const onTime = () => setPosition(element.currentTime);
    const onMeta = () => {
      renewals.current = 0;
      if (Number.isFinite(element.duration) && element.duration > 0) setLength(element.duration);
    };
    const onEnd = () => {
      setPlaying(false);
      setPosition(0);
    };
    const onPause = () => setPlaying(false);
    const onPlay = () => setPlaying(true);
    const listeners: [keyof HTMLMediaElementEventMap, () => void][] = [
      ['timeupdate', onTime],
      ['loadedmetadata', onMeta],
      ['durationchange', onMeta],
      ['ended', onEnd],
      ['pause', onPause],
      ['play', onPlay],
    ];
    for (const [event, listener] of listeners) element.addEventListener(event, listener);
    return () => {
      for (const [event, listener] of listeners) element.removeEventListener(event, listener);
    };
  }, []);

  const toggle = async () => {
    const element = audio.current!;
    if (!element.paused) {
      element.pause();
      return;
    }
    // A link older than its lifetime is swapped for a fresh one first, keeping the position.
    resume.current = { at: element.currentTime, play: true };
    const fresh = variant(await link.current());
    if (!fresh || fresh === src) {
      resume.current = null;
      void element.play().catch(() => setPlaying(false));
    }
  };

  const seek = (fraction: number) => {
    const element = audio.current!;
    if (length > 0) element.currentTime = Math.max(0, Math.min(length, fraction * length));
  };

  const percent = length > 0 ? Math.min(100, (position / length) * 100) : 0;
  return (
    <div className="voice" data-testid="voice">
      <audio ref={audio} src={src ?? undefined} preload="metadata" />
      <button
        type="button"
        className="play"
        onClick={() => void toggle()}
        aria-label={playing ? t('message.pause') : t('message.play')}
        data-testid="voice-toggle"
      >
        {playing ? '❚❚' : '▶'}
      </button>
      <div
        className="progress"
        role="slider"
        tabIndex={0}
        aria-label={t('message.progress')}
        aria-valuemin={0}
        aria-valuemax={Math.round(length)}
        aria-valuenow={Math.round(position)}
        aria-valuetext={`${clock(position)} / ${clock(length)}`}
        data-testid="voice-progress"
        data-position={position.toFixed(2)}
        onClick={(event) => {
          const box = event.currentTarget.getBoundingClientRect();
          const rtl = getComputedStyle(event.currentTarget).direction === 'rtl';
          const x = rtl ? box.right - event.clientX : event.clientX - box.left;
          seek(x / box.width);
        }}
        onKeyDown={(event) => {
          const forward = document.documentElement.dir === 'rtl' ? 'ArrowLeft' : 'ArrowRight';
          const back = document.documentElement.dir === 'rtl' ? 'ArrowRight' : 'ArrowLeft';
          if (event.key === forward) seek((position + 2) / (length || 1));
          else if (event.key === back) seek((position - 2) / (length || 1));
          else if (event.key === ' ' || event.key === 'Enter') void toggle();
          else return;
          event.preventDefault();
        }}
      >
        <div className="progress-fill" style={{ inlineSize: `${percent}%` }} />
      </div>
      <span className="duration">{clock(playing || position > 0 ? position : length)}</span>
    </div>
  );
}
