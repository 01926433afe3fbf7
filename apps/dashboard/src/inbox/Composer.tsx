import Recorder from 'opus-recorder';
import encoderPath from 'opus-recorder/dist/encoderWorker.min.js?url';
import wavePath from 'opus-recorder/dist/waveWorker.min.js?url';
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { MessageView } from '@parley/contract/views';
import { clock } from '../ui/format';
import { ErrorLine } from '../ui/ErrorLine';
import { ImageIcon, MicIcon, StopIcon } from '../ui/icons';

const TYPING_REFRESH_MS = 3000;
const TYPING_IDLE_MS = 4000;

interface Props {
  disabled: boolean;
  replyTo: MessageView | null;
  clearReply(): void;
  onSend(content: string, isNote: boolean): void;
  onTyping(isTyping: boolean): void;
  onUpload(file: Blob, kind: 'voice' | 'image', name: string, duration?: number): void;
  /** The format the conversation's platform takes as a voice note. */
  voiceFormat: VoiceFormat;
  error: string | null;
  /** Teammates a private note can @mention (they get a notification). */
  teammates: { id: string; name: string }[];
}

/** `@handle` the api recognises for an agent: the name without spaces. */
export const mentionHandle = (name: string) => `@${name.replace(/\s+/g, '')}`;

export type VoiceFormat = 'ogg' | 'wav';
const VOICE = {
  ogg: { mime: 'audio/ogg', name: 'voice.ogg' },
  wav: { mime: 'audio/wav', name: 'voice.wav' },
} as const;

/**
 * Records a voice note in the browser through opus-recorder's workers: OGG/Opus (libopus) for
 * Telegram, which shows nothing else as a voice note, and 16-bit WAV for Instagram, which takes no
 * Opus. Chromium's own MediaRecorder writes only WebM, which neither accepts.
 */
function useVoiceRecorder(format: VoiceFormat, onDone: (bytes: Uint8Array, seconds: number) => void) {
  const recorder = useRef<Recorder | null>(null);
  const started = useRef(0);
  const [recording, setRecording] = useState(false);
  const [elapsed, setElapsed] = useState(0);

  useEffect(() => {
    if (!recording) return;
    const timer = setInterval(() => setElapsed((Date.now() - started.current) / 1000), 250);
    return () => clearInterval(timer);
  }, [recording]);
  useEffect(() => () => recorder.current?.close(), []);

  const start = async () => {
    const rec = new Recorder(
      format === 'ogg'
        ? { encoderPath, encoderApplication: 2048, numberOfChannels: 1 }
        : { encoderPath: wavePath, wavBitDepth: 16, numberOfChannels: 1 },
    );
    rec.ondataavailable = (bytes) =>
      onDone(bytes, Math.max(1, Math.round((Date.now() - started.current) / 1000)));
    recorder.current = rec;
    await rec.start();
    started.current = Date.now();
    setElapsed(0);
    setRecording(true);
  };
  const stop = async () => {
    setRecording(false);
    await recorder.current?.stop();
    recorder.current = null;
  };
  return { recording, elapsed, start, stop, supported: Recorder.isRecordingSupported() };
}

export function Composer(props: Props) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [isNote, setIsNote] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const typingSent = useRef(0);
  const idle = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const fileInput = useRef<HTMLInputElement>(null);
  const voice = useVoiceRecorder(props.voiceFormat, (bytes, seconds) => {
    const { mime, name } = VOICE[props.voiceFormat];
    props.onUpload(new Blob([bytes as BlobPart], { type: mime }), 'voice', name, seconds);
  });

  const stopTyping = () => {
    clearTimeout(idle.current);
    if (typingSent.current) props.onTyping(false);
    typingSent.current = 0;
  };

  const changed = (value: string) => {
    setText(value);
    if (isNote) return; // colleagues see notes, customers never see us typing one
    if (Date.now() - typingSent.current > TYPING_REFRESH_MS) {
      props.onTyping(true);
      typingSent.current = Date.now();
    }
    clearTimeout(idle.current);
    idle.current = setTimeout(stopTyping, TYPING_IDLE_MS);
  };

  // While a note's last word starts with @, offer the teammates it could name.
  const partial = isNote ? /(^|\s)@([\p{L}\p{N}._-]*)$/u.exec(text)?.[2] : undefined;
  const suggestions =
    partial === undefined
      ? []
      : props.teammates
          .filter((a) => mentionHandle(a.name).slice(1).toLowerCase().startsWith(partial.toLowerCase()))
          .slice(0, 5);
  const mention = (name: string) => setText(text.replace(/@[\p{L}\p{N}._-]*$/u, `${mentionHandle(name)} `));

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const content = text.trim();
    if (!content || props.disabled) return;
    props.onSend(content, isNote);
    setText('');
    stopTyping();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <form className={isNote ? 'composer note' : 'composer'} onSubmit={submit}>
      {props.replyTo && (
        <div className="replying">
          <span>{t('message.replyingTo')}:</span>{' '}
          <span dir="auto" className="ellipsis">
            {props.replyTo.content || t('message.voice')}
          </span>
          <button type="button" className="icon" aria-label={t('message.cancel')} onClick={props.clearReply}>
            ×
          </button>
        </div>
      )}
      <ErrorLine error={props.error ?? problem} testId="composer-error" />
      {suggestions.length > 0 && (
        <ul className="mentions" role="listbox" aria-label={t('message.mention')}>
          {suggestions.map((a) => (
            <li key={a.id} role="option" aria-selected={false}>
              <button type="button" onClick={() => mention(a.name)} dir="auto">
                {mentionHandle(a.name)} · {a.name}
              </button>
            </li>
          ))}
        </ul>
      )}
      <textarea
        dir="auto"
        rows={2}
        value={text}
        placeholder={isNote ? t('message.notePlaceholder') : t('message.placeholder')}
        aria-label={isNote ? t('message.notePlaceholder') : t('message.placeholder')}
        onChange={(event) => changed(event.target.value)}
        onKeyDown={onKeyDown}
        onBlur={stopTyping}
        data-testid="composer-input"
      />
      <div className="composer-bar">
        <label className="inline">
          <input type="checkbox" checked={isNote} onChange={(event) => setIsNote(event.target.checked)} />{' '}
          {t('message.noteToggle')}
        </label>
        <span className="spacer" />
        <input
          ref={fileInput}
          type="file"
          accept="image/jpeg,image/png,image/webp,image/gif"
          hidden
          data-testid="image-input"
          onChange={(event) => {
            const file = event.target.files?.[0];
            if (file) props.onUpload(file, 'image', file.name);
            event.target.value = '';
          }}
        />
        <button
          type="button"
          onClick={() => fileInput.current?.click()}
          disabled={props.disabled || isNote}
          aria-label={t('message.attachImage')}
        >
          <ImageIcon />
        </button>
        {voice.supported && (
          <button
            type="button"
            disabled={props.disabled || isNote}
            aria-label={voice.recording ? t('message.stop') : t('message.record')}
            aria-pressed={voice.recording}
            className={voice.recording ? 'recording' : undefined}
            data-testid="record"
            onClick={() => {
              setProblem(null);
              if (voice.recording) void voice.stop();
              else void voice.start().catch((error: Error) => setProblem(error.message));
            }}
          >
            {voice.recording ? (
              <>
                <StopIcon /> {clock(voice.elapsed)}
              </>
            ) : (
              <MicIcon />
            )}
          </button>
        )}
        <button
          type="submit"
          className="primary"
          disabled={props.disabled || !text.trim()}
          data-testid="send"
        >
          {t('message.send')}
        </button>
      </div>
    </form>
  );
}
