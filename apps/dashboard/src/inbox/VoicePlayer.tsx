import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { clock } from '../ui/format';

/** A voice note: play/pause, a moving progress bar (seekable with the keyboard) and the duration. */
export function VoicePlayer({ src, duration }: { src: string; duration: number | null }) {
  const { t } = useTranslation();
  const audio = useRef<HTMLAudioElement>(null);
  const [playing, setPlaying] = useState(false);
  const [position, setPosition] = useState(0);
  const [length, setLength] = useState(duration ?? 0);

  useEffect(() => {
    const element = audio.current!;
    const onTime = () => setPosition(element.currentTime);
    const onMeta = () => {
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

  const toggle = () => {
    const element = audio.current!;
    if (element.paused) void element.play().catch(() => setPlaying(false));
    else element.pause();
  };

  const seek = (fraction: number) => {
    const element = audio.current!;
    if (length > 0) element.currentTime = Math.max(0, Math.min(length, fraction * length));
  };

  const percent = length > 0 ? Math.min(100, (position / length) * 100) : 0;
  return (
    <div className="voice" data-testid="voice">
      <audio ref={audio} src={src} preload="metadata" />
      <button
        type="button"
        className="play"
        onClick={toggle}
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
          else if (event.key === ' ' || event.key === 'Enter') toggle();
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
