/**
 * The chat itself, in an iframe on Parley's origin: the host page cannot style or script it, and the
 * visitor token lives in this origin's storage (per channel), so it survives page loads and tabs of
 * every site that embeds the channel. It runs only for the host origin it was created for, and only
 * when the api's config call (which checks that origin against the channel's allowlist) succeeds.
 */
import type {
  VisitorServerFrame,
  WidgetConfig,
  WidgetLanguage,
  WidgetMessageView,
  PreChatField,
} from '@parley/contract/widget';
import { h, svgIcon } from './dom';
import { isRtl, pickLanguage, translator, type StringKey } from './i18n';
import { isMessage, type ToFrame, type ToHost } from './protocol';
import { VisitorApi, VisitorSocket } from './visitor-api';
import './frame.css';

const params = new URLSearchParams(location.search);
const channel = params.get('channel') ?? '';
const hostOrigin = params.get('origin') ?? '';
const api = new VisitorApi(channel);
const storageKey = `parley:visitor:${channel}`;

const state = {
  config: null as WidgetConfig | null,
  language: 'en' as WidgetLanguage,
  open: false,
  connected: true,
  messages: new Map<string, WidgetMessageView>(),
  /** Uploads on their way: a client id → percent. */
  uploads: new Map<string, { name: string; percent: number }>(),
  lastSeq: 0,
  agentTyping: null as string | null,
  unread: 0,
  readSeq: Number(load('read') ?? 0),
  conversation: null as string | null,
  contactGiven: false,
  notice: null as StringKey | null,
  /** An agent's call ringing the visitor now: the banner with Answer and Decline. */
  ringing: null as { callId: string; caller: string; answerUrl: string } | null,
};
let t = translator('en');
let socket: VisitorSocket | null = null;
const app = document.getElementById('app')!;

function load(name: string): string | null {
  try {
    return localStorage.getItem(`${storageKey}:${name}`);
  } catch {
    return null;
  }
}
function save(name: string, value: string): void {
  try {
    localStorage.setItem(`${storageKey}:${name}`, value);
  } catch {
    // Storage blocked: this visitor starts over on the next page.
  }
}

const toHost = (message: ToHost) => {
  try {
    window.parent.postMessage(message, hostOrigin);
  } catch {
    // Not an origin at all: nobody to tell.
  }
};

/** The frame's embedder, as the browser (not the URL) says: a page may not pose as an allowed origin. */
function embedder(): string | null {
  const ancestors = location.ancestorOrigins;
  if (ancestors && ancestors.length) return ancestors[0];
  try {
    return document.referrer ? new URL(document.referrer).origin : null;
  } catch {
    return null;
  }
}

function refuse(): void {
  document.documentElement.dataset.state = 'refused';
  app.replaceChildren(h('p', { class: 'refused', 'data-testid': 'widget-refused' }, t('refused')));
  if (window.parent !== window) toHost({ parley: 'refused' });
}

function boot(): void {
  // Where the browser cannot say (no ancestorOrigins, no referrer), the frame-ancestors CSP is the wall.
  const seen = embedder();
  if (!channel || !hostOrigin || window.parent === window || (seen !== null && seen !== hostOrigin))
    return refuse();
  window.addEventListener('message', (event) => {
    if (event.origin !== hostOrigin || event.source !== window.parent || !isMessage(event.data)) return;
    const message = event.data as ToFrame;
    if (message.parley === 'init') void start(message);
    else setOpen(message.parley === 'open');
  });
  toHost({ parley: 'ready' });
}

let started = false;
async function start(init: Extract<ToFrame, { parley: 'init' }>): Promise<void> {
  if (started) return;
  started = true;
  try {
    const config = await api.config(hostOrigin);
    state.config = config;
    await begin(init, config);
  } catch {
    refuse();
  }
}

/** The channel let this origin in: the visitor's session (a new one, or theirs again), then the socket. */
async function begin(init: Extract<ToFrame, { parley: 'init' }>, config: WidgetConfig): Promise<void> {
  state.language = pickLanguage(config.languages, init.language ?? params.get('lang'), navigator.languages);
  t = translator(state.language);
  document.documentElement.lang = state.language;
  document.documentElement.dir = isRtl(state.language) ? 'rtl' : 'ltr';
  document.documentElement.style.setProperty('--brand', config.color);
  state.open = init.open;
  const session = await api.session({
    origin: hostOrigin,
    visitor_token: load('token') ?? undefined,
    identity: init.identity ?? undefined,
    language: state.language,
    invitation: init.invite ?? undefined,
  });
  save('token', session.visitor_token);
  state.conversation = session.conversation_id;
  state.contactGiven = Boolean(session.visitor.email || session.visitor.phone);
  if (session.conversation_id) toHost({ parley: 'active' });
  socket = new VisitorSocket(
    hostOrigin,
    () => api.token!,
    () => state.lastSeq,
    onFrame,
    (connected) => {
      state.connected = connected;
      render();
    },
  );
  socket.start();
  render();
}

function setOpen(open: boolean): void {
  state.open = open;
  if (open) {
    state.unread = 0;
    markRead();
    render();
    (document.querySelector('textarea') as HTMLTextAreaElement | null)?.focus();
  }
}

function upsert(message: WidgetMessageView, live: boolean): void {
  const known = state.messages.has(message.id);
  state.messages.set(message.id, message);
  state.lastSeq = Math.max(state.lastSeq, message.seq);
  if (message.type !== 'agent' || known) return;
  state.agentTyping = null;
  if (message.seq <= state.readSeq) return;
  if (state.open && document.visibilityState === 'visible') markRead();
  else if (live) {
    state.unread += 1;
    toHost({ parley: 'unread', count: state.unread, notify: true, text: t('newMessage') });
  }
}

function onFrame(frame: VisitorServerFrame): void {
  switch (frame.type) {
    case 'recent_messages':
      frame.messages.forEach((m) => upsert(m, false));
      state.lastSeq = Math.max(state.lastSeq, frame.last_seq);
      if (!state.open) {
        state.unread = [...state.messages.values()].filter(
          (m) => m.type === 'agent' && m.seq > state.readSeq,
        ).length;
        if (state.unread)
          toHost({ parley: 'unread', count: state.unread, notify: false, text: t('newMessage') });
      }
      if (frame.messages.length) toHost({ parley: 'active' });
      break;
    case 'chat_message':
      upsert(frame.message, true);
      state.lastSeq = Math.max(state.lastSeq, frame.seq);
      break;
    case 'message_updated':
      upsert(frame.message, false);
      break;
    case 'message_deleted': {
      const gone = state.messages.get(frame.message_id);
      if (gone) state.messages.set(gone.id, { ...gone, deleted: true, content: '', attachments: [] });
      break;
    }
    case 'message_status': {
      const message = state.messages.get(frame.message_id);
      if (message) state.messages.set(message.id, { ...message, status: frame.status });
      if (message?.type === 'agent' && state.open && document.visibilityState === 'visible') markRead();
      break;
    }
    case 'typing_indicator':
      state.agentTyping = frame.is_typing ? frame.agent_name : null;
      break;
    case 'incoming_call':
      state.ringing = { callId: frame.call_id, caller: frame.caller_username, answerUrl: frame.answer_url };
      toHost({ parley: 'ring', text: t('incomingCall', { name: frame.caller_username }) });
      break;
    case 'call_state':
      // Answered on the call page, declined, cancelled by the agent or rung out: the banner goes.
      if (state.ringing?.callId === frame.call_id) state.ringing = null;
      break;
    case 'agent_presence':
      if (state.config) {
        state.config = {
          ...state.config,
          agents_online: frame.agents_online,
          usually_answers_within_seconds: frame.usually_answers_within_seconds,
        };
      }
      break;
    default:
      return;
  }
  if ('seq' in frame) state.lastSeq = Math.max(state.lastSeq, frame.seq);
  render();
}

/** Tells the server (and so the agent) the visitor has seen everything up to the newest agent message. */
let readSentWhile = '';
function markRead(): void {
  const agent = [...state.messages.values()].filter((m) => m.type === 'agent').sort((a, b) => a.seq - b.seq);
  const newest = agent[agent.length - 1];
  if (!newest) return;
  // Read again once a reply that was still on its way when it was read is stored as sent: the
  // platform's read names the sent message.
  const key = `${newest.id}:${newest.status}`;
  if (
    newest.seq <= state.readSeq &&
    (readSentWhile === key || !readSentWhile.startsWith(`${newest.id}:sending`))
  )
    return;
  if (socket?.send({ type: 'mark_read', message_id: newest.id })) {
    readSentWhile = key;
    state.readSeq = Math.max(state.readSeq, newest.seq);
    save('read', String(state.readSeq));
    toHost({ parley: 'unread', count: 0, notify: false, text: '' });
  }
}
document.addEventListener('visibilitychange', () => state.open && markRead());

const clientId = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`);

async function send(text: string): Promise<void> {
  const id = clientId();
  typing(false);
  try {
    const message = await api.send(text, id);
    upsert(message, false);
    if (!state.conversation) {
      // The first message made the conversation (the server binds the open socket to it).
      state.conversation = 'started';
      toHost({ parley: 'active' });
    }
  } catch {
    state.notice = 'error';
  }
  render();
}

let typingSent = 0;
let typingTimer: ReturnType<typeof setTimeout> | undefined;
function typing(on: boolean): void {
  clearTimeout(typingTimer);
  if (on) {
    if (Date.now() - typingSent > 3000) {
      typingSent = Date.now();
      socket?.send({ type: 'typing', is_typing: true });
    }
    typingTimer = setTimeout(() => typing(false), 4000);
  } else if (typingSent) {
    typingSent = 0;
    socket?.send({ type: 'typing', is_typing: false });
  }
}

function upload(file: Blob, kind: string, name: string, duration?: number): void {
  const id = clientId();
  state.uploads.set(id, { name, percent: 0 });
  render();
  api
    .upload(file, { kind, file_name: name, client_id: id, duration }, (percent) => {
      state.uploads.set(id, { name, percent });
      render();
    })
    .then(
      (message) => upsert(message, false),
      () => (state.notice = 'error'),
    )
    .finally(() => {
      state.uploads.delete(id);
      render();
    });
}

let recorder: MediaRecorder | null = null;
let recordingSince = 0;
let recordingClock: ReturnType<typeof setInterval> | undefined;
async function toggleRecording(): Promise<void> {
  if (recorder) return recorder.stop();
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const type = ['audio/ogg;codecs=opus', 'audio/webm;codecs=opus', 'audio/webm'].find((m) =>
      MediaRecorder.isTypeSupported(m),
    );
    const chunks: Blob[] = [];
    const began = Date.now();
    recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    recorder.ondataavailable = (e) => chunks.push(e.data);
    recorder.onstop = () => {
      clearInterval(recordingClock);
      stream.getTracks().forEach((track) => track.stop());
      const mime = recorder!.mimeType || 'audio/webm';
      recorder = null;
      const blob = new Blob(chunks, { type: mime });
      const extension = mime.includes('ogg') ? 'ogg' : 'webm';
      upload(blob, 'voice', `voice-note.${extension}`, Math.max(1, Math.round((Date.now() - began) / 1000)));
    };
    recorder.start();
    recordingSince = began;
    // The visitor sees how long it has been recording.
    recordingClock = setInterval(render, 500);
    render();
  } catch {
    state.notice = 'error';
    render();
  }
}

// ---- view ----

const ICON = {
  close: 'M6 6l12 12M18 6L6 18',
  send: 'M3 20l18-8L3 4v6l12 2-12 2z',
  attach: 'M16.5 6.5l-8 8a2 2 0 0 0 2.8 2.8l8-8a4 4 0 0 0-5.6-5.6l-8 8a6 6 0 0 0 8.5 8.5l7-7',
  mic: 'M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1A7 7 0 0 0 19 11z',
  stop: 'M6 6h12v12H6z',
  phone:
    'M6.6 10.8a15 15 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.6a1 1 0 0 1-.25 1z',
};

/**
 * The call button: the call page (the same one a call link opens) in a new tab, where the browser
 * asks for the microphone. The tab opens at the click, so no popup blocker stops it.
 */
function callAgent(): void {
  const tab = window.open('', '_blank');
  api.callLink().then(
    (link) => {
      if (!tab) return;
      tab.opener = null;
      // On the api that served this frame, whatever API_PUBLIC_URL says.
      tab.location.href = new URL(new URL(link.url).pathname, location.origin).href;
    },
    () => tab?.close(),
  );
}

/** The answer page, on the api that served this frame (whatever API_PUBLIC_URL says). */
const answerPage = (url: string) => new URL(new URL(url).pathname, location.origin).href;

/**
 * Answer: the call page in its answer role, in a new tab (opened at the click, so no popup
 * blocker stops it), where the browser asks for the microphone and the page accepts the call.
 */
function answerCall(): void {
  const ringing = state.ringing;
  if (!ringing) return;
  window.open(answerPage(ringing.answerUrl), '_blank', 'noopener');
  state.ringing = null;
  render();
}

/** Decline: the answer page's own credential says no; the agent sees `rejected`. */
function declineCall(): void {
  const ringing = state.ringing;
  if (!ringing) return;
  state.ringing = null;
  render();
  void fetch(`${answerPage(ringing.answerUrl)}/calls/${ringing.callId}/reject`, { method: 'POST' }).catch(
    () => undefined,
  );
}

function ringingBanner(): HTMLElement | string {
  const ringing = state.ringing;
  if (!ringing) return '';
  return h(
    'div',
    {
      class: 'ringing',
      role: 'alert',
      'data-testid': 'widget-incoming-call',
      'data-call-id': ringing.callId,
    },
    h('p', { dir: 'auto' }, t('incomingCall', { name: ringing.caller })),
    h(
      'button',
      { type: 'button', class: 'answer', 'data-testid': 'widget-answer-call', onclick: answerCall },
      t('answer'),
    ),
    h(
      'button',
      { type: 'button', class: 'decline', 'data-testid': 'widget-decline-call', onclick: declineCall },
      t('decline'),
    ),
  );
}

function answersWithin(seconds: number): string {
  const minutes = Math.max(1, Math.round(seconds / 60));
  const span = minutes < 90 ? t('minutes', { n: minutes }) : t('hours', { n: Math.round(minutes / 60) });
  return t('answersWithin', { t: span });
}

const nodes = new Map<string, { version: string; node: HTMLElement }>();
/** Buttons the visitor pressed, by message: which one, and whether it was a rating (thanked, not shown as a message). */
const pressed = new Map<string, { payload: string; rated: boolean }>();

async function press(m: WidgetMessageView, button: { caption: string; payload: string }): Promise<void> {
  if (pressed.has(m.id)) return;
  pressed.set(m.id, { payload: button.payload, rated: false });
  render();
  try {
    const answer = await api.send(button.caption, clientId(), button.payload);
    // A press that is the visitor's message shows as one; a rating is recorded and thanked for.
    if (answer.type === 'visitor') upsert(answer, false);
    else pressed.set(m.id, { payload: button.payload, rated: true });
  } catch {
    pressed.delete(m.id);
    state.notice = 'error';
  }
  render();
}

/** The comment box under the stars a visitor rated with, by message: what is typed, and where it stands. */
const comments = new Map<string, { draft: string; state: 'open' | 'sending' | 'sent' | 'failed' }>();

async function sendComment(m: WidgetMessageView, payload: string): Promise<void> {
  const box = comments.get(m.id);
  const text = box?.draft.trim();
  if (!box || !text || box.state === 'sending' || box.state === 'sent') return;
  box.state = 'sending';
  render();
  try {
    // The stars' payload is `csat:<request id>:<score>`.
    await api.rateComment(payload.split(':')[1], text);
    box.state = 'sent';
  } catch {
    box.state = 'failed';
  }
  render();
}

/** "Tell us more (optional)": one comment on the rating, sent once. */
function commentNode(m: WidgetMessageView, payload: string): HTMLElement {
  const box = comments.get(m.id) ?? { draft: '', state: 'open' as const };
  comments.set(m.id, box);
  if (box.state === 'sent')
    return h('p', { class: 'rated', 'data-testid': 'widget-commented' }, t('commented'));
  const input = h(
    'textarea',
    {
      rows: 2,
      maxlength: 1000,
      placeholder: t('commentLabel'),
      'aria-label': t('commentLabel'),
      'data-testid': 'widget-rating-comment',
      oninput: (e: Event) => (box.draft = (e.target as HTMLTextAreaElement).value),
    },
    box.draft,
  );
  return h(
    'form',
    {
      class: 'rating-comment',
      onsubmit: (e: Event) => {
        e.preventDefault();
        void sendComment(m, payload);
      },
    },
    input,
    h(
      'button',
      {
        type: 'submit',
        class: 'reply-button',
        'data-testid': 'widget-rating-comment-send',
        disabled: box.state === 'sending',
      },
      t('commentSend'),
    ),
    box.state === 'failed'
      ? h('p', { class: 'rated', role: 'alert', 'data-testid': 'widget-comment-failed' }, t('commentFailed'))
      : null,
  );
}

function buttonsNode(m: WidgetMessageView): HTMLElement | null {
  if (m.deleted || !m.buttons?.length) return null;
  const chosen = pressed.get(m.id);
  return h(
    'div',
    { class: 'buttons', 'data-testid': 'widget-buttons' },
    ...m.buttons.map((row) =>
      h(
        'div',
        { class: 'button-row' },
        ...row.map((b) =>
          'url' in b
            ? /^https:\/\//.test(b.url) &&
              h('a', { class: 'reply-button', href: b.url, target: '_blank', rel: 'noopener' }, b.caption)
            : h(
                'button',
                {
                  type: 'button',
                  class: 'reply-button',
                  'data-testid': 'widget-button',
                  'aria-pressed': chosen?.payload === b.payload ? 'true' : 'false',
                  disabled: chosen !== undefined,
                  onclick: () => void press(m, b),
                },
                b.caption,
              ),
        ),
      ),
    ),
    chosen?.rated ? h('p', { class: 'rated', 'data-testid': 'widget-rated' }, t('rated')) : null,
    chosen?.rated ? commentNode(m, chosen.payload) : null,
  );
}

function messageNode(m: WidgetMessageView): HTMLElement {
  const version = JSON.stringify([
    m.content,
    m.status,
    m.deleted,
    m.edited_at,
    m.reactions,
    m.attachments.map((a) => a.url),
    m.buttons,
    pressed.get(m.id),
    comments.get(m.id)?.state,
  ]);
  const cached = nodes.get(m.id);
  if (cached?.version === version) return cached.node;
  const body = m.deleted
    ? h('p', { class: 'deleted' }, t('deleted'))
    : h(
        'div',
        {},
        ...m.attachments.map((a) => {
          if (!a.url) return h('span', { class: 'pending' }, a.file_name ?? a.kind);
          if (a.kind === 'image') return h('img', { src: a.url, alt: a.file_name ?? '', loading: 'lazy' });
          if (a.kind === 'voice' || a.kind === 'audio')
            return h('audio', { controls: true, preload: 'none', src: a.url, 'aria-label': t('voiceNote') });
          return h(
            'a',
            { href: a.url, target: '_blank', rel: 'noopener', download: a.file_name ?? '' },
            a.file_name ?? a.kind,
          );
        }),
        m.content ? h('p', { dir: 'auto' }, m.content) : null,
      );
  const node = h(
    'li',
    {
      class: `msg ${m.type}`,
      'data-testid': 'widget-message',
      'data-id': m.id,
      'data-type': m.type,
      'data-status': m.status,
    },
    m.type === 'agent' && m.agent_name ? h('span', { class: 'who', dir: 'auto' }, m.agent_name) : null,
    body,
    buttonsNode(m),
    m.reactions.length
      ? h(
          'span',
          { class: 'reactions', 'data-testid': 'widget-reactions' },
          ...m.reactions.map((r) => h('span', {}, `${r.emoji} ${r.count}`)),
        )
      : null,
    h(
      'span',
      { class: 'meta' },
      m.edited_at && !m.deleted ? `${t('edited')} · ` : '',
      new Date(m.created_at).toLocaleTimeString(state.language, { hour: '2-digit', minute: '2-digit' }),
      m.type === 'visitor' ? statusMark(m.status) : null,
    ),
  );
  nodes.set(m.id, { version, node });
  return node;
}

function statusMark(status: WidgetMessageView['status']): HTMLElement {
  const mark = status === 'read' ? '✓✓' : status === 'failed' ? '!' : status === 'sending' ? '…' : '✓';
  const label =
    status === 'read'
      ? t('read')
      : status === 'failed'
        ? t('failed')
        : status === 'sending'
          ? t('sending')
          : t('delivered');
  return h(
    'span',
    { class: `tick ${status}`, title: label, 'aria-label': label, 'data-testid': 'widget-tick' },
    ` ${mark}`,
  );
}

function contactForm(
  fields: Record<'name' | 'email' | 'phone', PreChatField>,
  purpose: 'prechat' | 'offline',
): HTMLElement {
  const inputs = (['name', 'email', 'phone'] as const)
    .filter((f) => fields[f] !== 'off')
    .map((f) =>
      h(
        'label',
        {},
        h('span', {}, t(f)),
        h('input', {
          name: f,
          type: f === 'email' ? 'email' : f === 'phone' ? 'tel' : 'text',
          required: fields[f] === 'required',
          dir: f === 'name' ? 'auto' : 'ltr',
          autocomplete: f === 'phone' ? 'tel' : f,
        }),
      ),
    );
  const form = h(
    'form',
    {
      class: `contact ${purpose}`,
      'data-testid': `widget-${purpose}`,
      onsubmit: (event: Event) => {
        event.preventDefault();
        const data = new FormData(event.target as HTMLFormElement);
        const details = Object.fromEntries(
          [...data].filter(([, v]) => String(v).trim()).map(([k, v]) => [k, String(v).trim()]),
        );
        api.contact(details).then(
          () => {
            state.contactGiven = true;
            state.notice = purpose === 'offline' ? 'saved' : null;
            render();
          },
          () => {
            state.notice = 'error';
            render();
          },
        );
      },
    },
    purpose === 'offline' ? h('p', {}, t('offlineNote')) : null,
    ...inputs,
    h('button', { type: 'submit', class: 'primary' }, purpose === 'offline' ? t('save') : t('start')),
  );
  return form;
}

/** The frame's fixed parts, built once: the message list and the composer stay the same nodes. */
const view = {
  header: h('header'),
  banner: h('div'),
  list: h('ol', { class: 'messages', 'aria-live': 'polite' }),
  typing: h('div'),
  notice: h('div'),
  form: h('div'),
  text: h('textarea', { rows: 1, dir: 'auto', 'data-testid': 'widget-input', maxlength: 4000 }),
  record: h('button', { type: 'button', class: 'icon-button', 'data-testid': 'widget-record' }),
  clock: h('span', { class: 'clock', 'data-testid': 'widget-recording', role: 'timer' }),
  composer: h('form', { class: 'composer' }),
  built: false,
};

function build(): void {
  view.built = true;
  const { text, composer, record } = view;
  text.placeholder = t('placeholder');
  text.setAttribute('aria-label', t('placeholder'));
  text.addEventListener('input', () => typing(text.value.length > 0));
  text.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = text.value.trim();
    if (!value) return;
    text.value = '';
    void send(value);
  });
  record.addEventListener('click', () => void toggleRecording());
  const file = h('input', {
    type: 'file',
    class: 'visually-hidden',
    'aria-label': t('attach'),
    'data-testid': 'widget-file',
  });
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (chosen) upload(chosen, chosen.type.startsWith('image/') ? 'image' : 'file', chosen.name);
    file.value = '';
  });
  composer.append(
    h('label', { class: 'icon-button', title: t('attach') }, svgIcon(ICON.attach), file),
    text,
    view.clock,
    record,
    h(
      'button',
      { type: 'submit', class: 'icon-button send', 'aria-label': t('send'), 'data-testid': 'widget-send' },
      svgIcon(ICON.send),
    ),
  );
  app.replaceChildren(view.header, view.banner, view.list, view.typing, view.notice, view.form, composer);
}

/** Puts `wanted` in `parent` in order, moving only what is out of place (a playing voice note keeps playing). */
function reconcile(parent: HTMLElement, wanted: HTMLElement[]): void {
  wanted.forEach((node, i) => {
    if (parent.children[i] !== node) parent.insertBefore(node, parent.children[i] ?? null);
  });
  while (parent.children.length > wanted.length) parent.lastElementChild!.remove();
}

const greetingNode = h('li', { class: 'msg agent greeting', dir: 'auto' });

function render(): void {
  const config = state.config;
  if (!config) return;
  if (!view.built) build();
  document.documentElement.dataset.state = 'ready';
  const ordered = [...state.messages.values()].sort((a, b) => a.seq - b.seq);
  const wanted = (['name', 'email', 'phone'] as const).some((f) => config.pre_chat[f] === 'required');
  const askFirst = wanted && !state.contactGiven && !state.conversation && ordered.length === 0;
  const list = view.list;
  const stick = list.scrollTop + list.clientHeight >= list.scrollHeight - 40;

  view.header.replaceChildren(
    h(
      'div',
      {},
      h('h1', { dir: 'auto' }, config.name || t('title')),
      h(
        'p',
        { 'data-testid': 'widget-presence', 'data-online': String(config.agents_online) },
        h('span', { class: `dot ${config.agents_online ? 'on' : 'off'}` }),
        config.agents_online ? t('online') : t('offline'),
        config.agents_online && config.usually_answers_within_seconds
          ? ` · ${answersWithin(config.usually_answers_within_seconds)}`
          : '',
      ),
    ),
    // A call rings the agent who has the conversation: offered once there is one and someone is online.
    state.conversation && config.agents_online
      ? h(
          'button',
          {
            type: 'button',
            class: 'icon-button',
            'aria-label': t('call'),
            title: t('call'),
            'data-testid': 'widget-call',
            onclick: callAgent,
          },
          svgIcon(ICON.phone),
        )
      : '',
    h(
      'button',
      {
        type: 'button',
        class: 'icon-button',
        'aria-label': t('close'),
        'data-testid': 'widget-close',
        onclick: () => toHost({ parley: 'close' }),
      },
      svgIcon(ICON.close),
    ),
  );
  view.banner.replaceChildren(
    ringingBanner(),
    state.connected
      ? ''
      : h('p', { class: 'banner', role: 'status', 'data-testid': 'widget-reconnecting' }, t('reconnecting')),
  );
  const greeting = config.greeting[state.language] ?? config.greeting.en;
  greetingNode.textContent = greeting ?? '';
  reconcile(list, [
    ...(greeting ? [greetingNode] : []),
    ...ordered.map(messageNode),
    ...[...state.uploads.values()].map((u) =>
      h(
        'li',
        { class: 'msg visitor uploading', 'data-testid': 'widget-upload' },
        h('span', { dir: 'auto' }, u.name),
        h('progress', { max: 100, value: u.percent }),
        t('uploading', { p: u.percent }),
      ),
    ),
  ]);
  view.typing.replaceChildren(
    state.agentTyping
      ? h(
          'p',
          { class: 'typing', 'data-testid': 'widget-typing', dir: 'auto' },
          t('typing', { name: state.agentTyping }),
        )
      : '',
  );
  view.notice.replaceChildren(
    state.notice ? h('p', { class: 'notice', role: 'status' }, t(state.notice)) : '',
  );
  const formKind = askFirst ? 'prechat' : !config.agents_online && !state.contactGiven ? 'offline' : '';
  if (view.form.dataset.kind !== formKind) {
    view.form.dataset.kind = formKind;
    view.form.replaceChildren(
      formKind === 'prechat'
        ? contactForm(config.pre_chat, 'prechat')
        : formKind === 'offline'
          ? contactForm({ name: 'off', email: 'optional', phone: 'optional' }, 'offline')
          : '',
    );
  }
  view.composer.hidden = askFirst;
  const seconds = recorder ? Math.floor((Date.now() - recordingSince) / 1000) : 0;
  view.clock.hidden = !recorder;
  view.clock.dataset.seconds = String(seconds);
  view.clock.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  view.record.className = `icon-button${recorder ? ' recording' : ''}`;
  view.record.setAttribute('aria-label', recorder ? t('stopRecording') : t('record'));
  view.record.replaceChildren(svgIcon(recorder ? ICON.stop : ICON.mic));
  if (stick) list.scrollTop = list.scrollHeight;
}

boot();
