import Recorder from 'opus-recorder';
import encoderPath from 'opus-recorder/dist/encoderWorker.min.js?url';
import wavePath from 'opus-recorder/dist/waveWorker.min.js?url';
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type {
  CannedAttachmentView,
  CannedResponseView,
  RenderedCannedResponse,
} from '@parley/contract/canned-responses';
import type { MessageView } from '@parley/contract/views';
import { api } from '../api/http';
import { clock } from '../ui/format';
import { ErrorLine } from '../ui/ErrorLine';
import { ImageIcon, MicIcon, StopIcon } from '../ui/icons';

const TYPING_REFRESH_MS = 3000;
const TYPING_IDLE_MS = 4000;

interface Props {
  /** The conversation a canned reply's variables are filled for. */
  conversationId: string;
  disabled: boolean;
  replyTo: MessageView | null;
  clearReply(): void;
  onSend(content: string, isNote: boolean): void;
  onTyping(isTyping: boolean): void;
  onUpload(file: Blob, kind: 'voice' | 'image', name: string, duration?: number): void;
  /** A reply with canned replies' files: the text (may be empty), then each file as its own attachment. */
  onSendFiles(content: string, files: CannedAttachmentView[]): void;
  /** The format the conversation's platform takes as a voice note. */
  voiceFormat: VoiceFormat;
  error: string | null;
  /** Teammates a private note can @mention (they get a notification). */
  teammates: { id: string; name: string }[];
}

/** `@handle` the api recognises for an agent: the name without spaces. */
export const mentionHandle = (name: string) => `@${name.replace(/\s+/g, '')}`;

/** Dispatched on window by the inbox's `/` shortcut: the composer takes focus and starts a canned reply. */
export const CANNED_SHORTCUT_EVENT = 'parley:canned-reply';

/** `/word` at the end of the text (at its start or after a space): the canned reply being looked for. */
const cannedQuery = (text: string) => /(^|\s)\/([\p{L}\p{N}_-]*)$/u.exec(text)?.[2];

/**
 * The canned replies matching what follows `/`, searched by shortcut and text as the agent types;
 * arrows move, Enter or Tab inserts (variables filled by the api), Escape closes.
 */
function useCannedReplies(query: string | undefined) {
  const [found, setFound] = useState<CannedResponseView[]>([]);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState<string | null>(null);
  useEffect(() => {
    if (query === undefined) return setFound([]);
    let current = true;
    const timer = setTimeout(() => {
      api<CannedResponseView[]>(`/canned-responses?q=${encodeURIComponent(query)}`).then(
        (list) => {
          if (!current) return;
          setFound(list.slice(0, 8));
          setActive(0);
        },
        () => current && setFound([]),
      );
    }, 120);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [query]);
  const open = query !== undefined && dismissed !== query;
  return { open, found, active, setActive, dismiss: () => setDismissed(query ?? null) };
}

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

  const input = useRef<HTMLTextAreaElement>(null);
  const canned = useCannedReplies(cannedQuery(text));
  const [problemCanned, setProblemCanned] = useState<string | null>(null);
  // Canned replies' files waiting to go with the next reply; each may be taken off before sending.
  const [files, setFiles] = useState<CannedAttachmentView[]>([]);

  useEffect(() => {
    const start = () => {
      setText((current) => (current === '' || /\s$/.test(current) ? `${current}/` : `${current} /`));
      input.current?.focus();
    };
    window.addEventListener(CANNED_SHORTCUT_EVENT, start);
    return () => window.removeEventListener(CANNED_SHORTCUT_EVENT, start);
  }, []);

  const insertCanned = (reply: CannedResponseView) => {
    setProblemCanned(null);
    api<RenderedCannedResponse>(`/canned-responses/${reply.id}/render`, {
      method: 'POST',
      body: { conversation_id: props.conversationId },
    }).then(
      (rendered) => {
        setText((current) => current.replace(/\/[\p{L}\p{N}_-]*$/u, rendered.content));
        setFiles((current) => [
          ...current,
          ...reply.attachments.filter((a) => !current.some((c) => c.id === a.id)),
        ]);
        input.current?.focus();
      },
      (e: unknown) => setProblemCanned(e instanceof Error ? e.message : String(e)),
    );
  };

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

  // A note never leaves Parley, so files wait for the next reply to the customer.
  const sendsFiles = !isNote && files.length > 0;
  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const content = text.trim();
    if (props.disabled || (!content && !sendsFiles)) return;
    if (sendsFiles) {
      props.onSendFiles(content, files);
      setFiles([]);
    } else props.onSend(content, isNote);
    setText('');
    stopTyping();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (canned.open && canned.found.length) {
      const count = canned.found.length;
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        canned.setActive((canned.active + (event.key === 'ArrowDown' ? 1 : count - 1)) % count);
        return;
      }
      if ((event.key === 'Enter' || event.key === 'Tab') && !event.nativeEvent.isComposing) {
        event.preventDefault();
        insertCanned(canned.found[canned.active]);
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        canned.dismiss();
        return;
      }
    }
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
      <ErrorLine error={props.error ?? problem ?? problemCanned} testId="composer-error" />
      {canned.open && (
        <ul className="mentions canned" role="listbox" aria-label={t('essentials.canned.popup')} data-testid="canned-popup">
          {canned.found.length === 0 && <li className="muted">{t('essentials.canned.noMatch')}</li>}
          {canned.found.map((reply, index) => (
            <li
              key={reply.id}
              role="option"
              aria-selected={index === canned.active}
              data-testid="canned-option"
              className={index === canned.active ? 'active' : undefined}
            >
              <button
                type="button"
                onMouseDown={(event) => event.preventDefault()}
                onClick={() => insertCanned(reply)}
                dir="auto"
              >
                <strong dir="auto">/{reply.shortcut}</strong> <span className="muted ellipsis">{reply.content}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
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
      {files.length > 0 && (
        <ul
          className="label-chips pending-files"
          aria-label={t('essentials.canned.pending')}
          data-testid="pending-files"
        >
          {files.map((file) => (
            <li key={file.id} className="label-chip" data-testid="pending-file" dir="auto">
              {file.file_name}
              <button
                type="button"
                className="icon"
                aria-label={t('essentials.canned.unpend', { name: file.file_name })}
                onClick={() => setFiles((current) => current.filter((f) => f.id !== file.id))}
                data-testid="pending-file-remove"
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <textarea
        ref={input}
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
          disabled={props.disabled || (!text.trim() && !sendsFiles)}
          data-testid="send"
        >
          {t('message.send')}
        </button>
      </div>
    </form>
  );
}
