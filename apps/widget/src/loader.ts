/**
 * widget.js — the only thing a business puts on its page:
 * `<script src="https://parley.example/widget.js" data-channel="<channel id>" async></script>`.
 * It draws the bubble in a shadow root (the page's CSS cannot restyle it; the chat itself, with the
 * visitor's messages and token, is in the cross-origin iframe the page's scripts cannot reach) and creates the chat's iframe, served from Parley's own origin, on the first open — or at
 * load when this visitor already has a conversation, so the unread badge and the sound work. Nothing
 * else runs on the host page; keep this file tiny (the build fails it above 5 KB gzip).
 */
import { isMessage, type HostIdentity, type ToFrame, type ToHost } from './protocol';

const script = document.currentScript as HTMLScriptElement | null;
if (script?.dataset.channel) start(script, script.dataset.channel);

function start(script: HTMLScriptElement, channel: string): void {
  const data = script.dataset;
  const api = new URL(script.src, location.href).origin;
  const key = `parley-widget:${channel}`;
  const remember = (name: string, value: string | null) => {
    try {
      if (value === null) localStorage.removeItem(`${key}:${name}`);
      else localStorage.setItem(`${key}:${name}`, value);
    } catch {
      // Storage blocked: the widget still works, it just forgets between pages.
    }
  };
  const recall = (name: string) => {
    try {
      return localStorage.getItem(`${key}:${name}`);
    } catch {
      return null;
    }
  };
  // A contact's invitation link lands here with `?parley_invite=`: kept until the chat opens, and the chat
  // opens by itself so the invited person sees where to write.
  const invite = new URLSearchParams(location.search).get('parley_invite');
  const identity: HostIdentity | null =
    data.userId && data.userSignature
      ? { user_id: data.userId, name: data.userName, email: data.userEmail, signature: data.userSignature }
      : null;

  // The config answers only for an allowed origin: elsewhere no bubble is drawn at all.
  const configUrl = `${api}/widget/v1/channels/${encodeURIComponent(channel)}/config?origin=${encodeURIComponent(location.origin)}`;
  fetch(configUrl, { credentials: 'omit' })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
    .then(
      (config: { color?: string }) =>
        mount(/^#[0-9a-f]{6}$/i.test(config.color ?? '') ? config.color! : '#2563eb'),
      () => console.warn(`Parley: the chat widget is not enabled for ${location.origin}`),
    );

  function mount(color: string): void {
    const host = document.createElement('div');
    host.setAttribute('data-parley-widget', channel);
    host.style.cssText = 'all:initial;position:fixed;z-index:2147483000;bottom:0;right:0';
    const root = host.attachShadow({ mode: 'open' });
    const rtl = document.documentElement.dir === 'rtl';
    const side = rtl ? 'left' : 'right';
    root.innerHTML = `<style>
button{all:initial;position:fixed;bottom:20px;${side}:20px;width:56px;height:56px;border-radius:50%;background:${color};box-shadow:0 4px 14px rgba(0,0,0,.25);cursor:pointer;display:flex;align-items:center;justify-content:center}
button:focus-visible{outline:3px solid #93c5fd;outline-offset:2px}
svg{width:28px;height:28px;fill:#fff}
b{position:absolute;top:-2px;${side === 'right' ? 'left' : 'right'}:-2px;min-width:20px;height:20px;padding:0 5px;box-sizing:border-box;border-radius:10px;background:#dc2626;color:#fff;font:700 12px/20px system-ui,sans-serif;text-align:center}
b:empty{display:none}
iframe{position:fixed;bottom:88px;${side}:20px;width:380px;height:min(600px,calc(100vh - 108px));border:0;border-radius:14px;box-shadow:0 8px 30px rgba(0,0,0,.25);background:#fff;color-scheme:normal}
iframe[hidden]{display:none}
@media (max-width:480px){iframe{inset:0;width:100%;height:100%;border-radius:0}}
</style><button type="button" aria-label="Chat" aria-expanded="false" data-parley="bubble"><svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg><b data-parley="badge"></b></button>`;
    const bubble = root.querySelector('button')!;
    const badge = root.querySelector('b')!;
    let frame: HTMLIFrameElement | null = null;
    let ready = false;
    let open = false;
    const title = document.title;

    const post = (message: ToFrame) => {
      if (frame?.contentWindow && ready) frame.contentWindow.postMessage(message, api);
    };
    const setOpen = (value: boolean) => {
      open = value;
      remember('open', value ? '1' : null);
      bubble.setAttribute('aria-expanded', String(value));
      if (!frame) create(value);
      frame!.hidden = !value;
      post({ parley: value ? 'open' : 'close' });
      if (value) {
        badge.textContent = '';
        document.title = title;
      }
    };
    const create = (visible: boolean) => {
      frame = document.createElement('iframe');
      frame.title = 'Chat';
      frame.hidden = !visible;
      frame.allow = 'microphone; autoplay';
      const params = new URLSearchParams({ channel, origin: location.origin });
      if (data.language) params.set('lang', data.language);
      frame.src = `${api}/widget/frame.html?${params}`;
      root.append(frame);
    };

    window.addEventListener('message', (event) => {
      if (event.origin !== api || !frame || event.source !== frame.contentWindow || !isMessage(event.data))
        return;
      const message = event.data as ToHost;
      if (message.parley === 'ready') {
        ready = true;
        post({ parley: 'init', identity, language: data.language ?? null, open, invite });
      } else if (message.parley === 'refused') {
        host.remove();
      } else if (message.parley === 'close') {
        setOpen(false);
        bubble.focus();
      } else if (message.parley === 'active') {
        remember('active', '1');
      } else if (message.parley === 'ring') {
        if (!open) setOpen(true);
        chime();
      } else if (message.parley === 'unread' && !open) {
        badge.textContent = message.count > 0 ? String(Math.min(message.count, 99)) : '';
        document.title = message.count > 0 ? `(${message.count}) ${message.text}` : title;
        if (message.notify) chime();
      }
    });
    bubble.addEventListener('click', () => setOpen(!open));
    document.body.append(host);
    // A visitor who already chatted gets the frame at once (hidden unless it was left open).
    if (invite) setOpen(true);
    else if (recall('active')) setOpen(recall('open') === '1');
  }
}

/** Two short notes: no audio file to download. Browsers may keep it silent until the page was touched. */
function chime(): void {
  try {
    const audio = new AudioContext();
    [880, 660].forEach((hz, i) => {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = hz;
      gain.gain.setValueAtTime(0.08, audio.currentTime + i * 0.15);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + i * 0.15 + 0.14);
      tone.connect(gain).connect(audio.destination);
      tone.start(audio.currentTime + i * 0.15);
      tone.stop(audio.currentTime + i * 0.15 + 0.15);
    });
    setTimeout(() => void audio.close(), 600);
  } catch {
    // No audio here: the badge and the title still say it.
  }
}
